package dev.sessionfilter.sample;

import dev.sessionfilter.testing.Browser;
import dev.sessionfilter.testing.ContainerProcess;
import dev.sessionfilter.testing.RedisProcess;
import dev.sessionfilter.testing.RedisServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The javax build on a real Tomcat 9 (the Maven Central distribution, Servlet 4.0): the sample WAR transformed
 * at package time ({@code sessionfilter-sample-*-javax.war}), whose WEB-INF/lib holds the shipped
 * {@code sessionfilter-javax.jar}, on two Tomcat 9 instances sharing one Redis: the flow of {@link ContainersIT}
 * (log in on A, cart on B, log out, log out everywhere, rate limit, health, a bad setting) plus a JSP that
 * calls Servlet 4.0's deprecated HttpSession methods, compiled by Tomcat 9's own Jasper.
 */
class Tomcat9IT {
    static final String CONTEXT = "/sample";
    static final String NAMESPACE = "sessionfilter:sample";
    static RedisProcess redis;
    static ContainerProcess a;
    static ContainerProcess b;

    @BeforeAll
    static void start() throws Exception {
        Path war = Path.of(System.getProperty("sample.javaxWarFile"));
        Path work = Path.of(System.getProperty("containers.work"));
        Path deployed = withLegacyJsp(war, work.resolve("sample-javax.war"));
        redis = RedisServers.standalone();
        Map<String, String> common = Map.of("sessionfilter.redis.url", redis.url(),
                "sessionfilter.keysetFile", Path.of("insecure-dev-keyset.json").toAbsolutePath().toString(),
                "sessionfilter.health.token", "container-test-health-token-0123");
        Path home = Path.of(System.getProperty("tomcat9.home"));
        long t0 = System.nanoTime();
        a = ContainerProcess.tomcat(home, work, "tomcat9-a", RedisServers.freePort(), deployed, CONTEXT,
                ContainersIT.with(common, "tomcat9-a"));
        b = ContainerProcess.tomcat(home, work, "tomcat9-b", RedisServers.freePort(), deployed, CONTEXT,
                ContainersIT.with(common, "tomcat9-b"));
        List<CompletableFuture<Long>> started = new ArrayList<>();
        for (ContainerProcess c : List.of(a, b)) {
            started.add(CompletableFuture.supplyAsync(() -> {
                c.awaitStarted(Duration.ofSeconds(180));
                return (System.nanoTime() - t0) / 1_000_000;
            }));
        }
        for (int i = 0; i < 2; i++) {
            ContainerProcess c = i == 0 ? a : b;
            long ready = started.get(i).join();
            Matcher m = Pattern.compile("Deployment of web application archive \\[[^\\]]*sample\\.war\\] has finished in \\[([0-9,]+)\\] ms")
                    .matcher(c.console());
            System.out.println("[tomcat9] " + c.name() + ": process start to /health/started " + ready
                    + " ms, Tomcat's deployment of the WAR " + (m.find() ? m.group(1) + " ms" : "(not logged)"));
        }
    }

    @AfterAll
    static void stop() {
        ContainersIT.closeAll(redis, a, b);
    }

    /** The javax WAR carries the shipped javax jar, class for class, and nothing else in WEB-INF/lib. */
    @Test
    void theJavaxWarCarriesTheShippedJavaxJar() throws Exception {
        Path war = Path.of(System.getProperty("sample.javaxWarFile"));
        Path shipped = Path.of(System.getProperty("javax.jar"));
        try (ZipFile zip = new ZipFile(war.toFile())) {
            List<String> libs = zip.stream().map(ZipEntry::getName)
                    .filter(n -> n.startsWith("WEB-INF/lib/") && n.endsWith(".jar")).toList();
            assertEquals(1, libs.size(), "only sessionfilter (no CDI jar in the javax WAR): " + libs);
            String webXml = new String(zip.getInputStream(zip.getEntry("WEB-INF/web.xml")).readAllBytes(),
                    StandardCharsets.UTF_8);
            assertTrue(webXml.contains("xmlns=\"http://xmlns.jcp.org/xml/ns/javaee\"") && webXml.contains("version=\"4.0\"")
                    && !webXml.contains("jakarta"), webXml);
            Path nested = Files.createTempFile("nested", ".jar");
            try {
                try (var in = zip.getInputStream(zip.getEntry(libs.get(0)))) {
                    Files.copy(in, nested, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
                Map<String, byte[]> inWar = classes(nested);
                Map<String, byte[]> inJar = classes(shipped);
                assertEquals(inJar.keySet(), inWar.keySet());
                List<String> differ = inJar.keySet().stream()
                        .filter(k -> !Arrays.equals(inJar.get(k), inWar.get(k))).toList();
                assertEquals(List.of(), differ, "the same bytes as sessionfilter-javax.jar");
                assertTrue(inJar.size() > 1000);
            } finally {
                Files.deleteIfExists(nested);
            }
        }
    }

    static Map<String, byte[]> classes(Path jar) throws Exception {
        Map<String, byte[]> m = new TreeMap<>();
        try (ZipFile z = new ZipFile(jar.toFile())) {
            for (ZipEntry e : Collections.list(z.entries())) {
                if (e.getName().endsWith(".class") || e.getName().startsWith("META-INF/services/")) {
                    m.put(e.getName(), z.getInputStream(e).readAllBytes());
                }
            }
        }
        return m;
    }

    @Test
    void twoTomcat9Instances_oneUserLogsInOnAFillsTheCartOnBAndLogsOut() {
        ContainersIT.clearRateLimits(redis);
        Browser user = new Browser();
        Browser.Response home = user.get(a.url("/"));
        assertEquals(200, home.status(), a.consoleTail());
        assertTrue(home.body().contains("<b id=\"instance\">tomcat9-a</b>") && home.body().contains("Log in"), home.body());
        assertTrue(home.setCookies().isEmpty(), "an anonymous page view creates no session: " + home.setCookies());

        Browser.Response added = user.post(a.url("/cart"), "item=tea");
        assertEquals(302, added.status(), a.consoleTail());
        String cookie = ContainersIT.single(added.setCookies());
        assertTrue(cookie.startsWith("SESSION=") && cookie.contains("; Path=" + CONTEXT) && cookie.contains("; HttpOnly")
                && cookie.contains("; SameSite=Lax") && !cookie.contains("Secure"), cookie);
        String anonymous = user.cookies.get("SESSION");
        assertEquals(302, user.post(a.url("/login"), "user=ann").status());
        String loggedIn = user.cookies.get("SESSION");
        assertNotEquals(anonymous, loggedIn, "login changes the session id (Servlet 3.1's changeSessionId)");

        assertEquals(302, user.post(b.url("/cart"), "item=bread").status(), b.consoleTail());
        assertEquals(loggedIn, user.cookies.get("SESSION"), "the same session on both instances");
        String onA = user.get(a.url("/")).body();
        assertTrue(onA.contains("Logged in as <b id=\"user\">ann</b>") && onA.contains("<li>tea x 1</li>")
                && onA.contains("<li>bread x 1</li>"), onA);
        String jsp = user.get(b.url("/session.jsp")).body();
        assertTrue(jsp.contains("<td id=\"user\">ann</td>") && jsp.contains("<td id=\"count\">2</td>")
                && jsp.contains("<td id=\"new\">false</td>"), jsp + "\n" + b.consoleTail());
        assertTrue(Browser.withSession(anonymous).get(b.url("/")).body().contains("Log in"), "the old id is dead");
        for (ContainerProcess c : List.of(a, b)) {
            Browser.Response r = user.get(c.url("/"));
            assertTrue(r.setCookies().stream().noneMatch(s -> s.startsWith("JSESSIONID")),
                    "Tomcat 9 never makes a session of its own: " + r.setCookies());
        }

        assertEquals(302, user.post(b.url("/logout"), "").status());
        Browser stale = Browser.withSession(loggedIn);
        String after = stale.get(a.url("/session.jsp")).body();
        assertTrue(after.contains("<td id=\"user\"></td>") && after.contains("<td id=\"count\">0</td>")
                && after.contains("<td id=\"new\">true</td>"), after);
    }

    /** Old JSPs still call getValue, putValue, getValueNames, removeValue and getSessionContext. */
    @Test
    void servlet4DeprecatedSessionMethods_workFromAJspCompiledByTomcat9() {
        Browser user = new Browser();
        assertEquals(302, user.post(a.url("/cart"), "item=jam").status());
        Browser.Response r = user.get(a.url("/legacy.jsp?put=kept"));
        assertEquals(200, r.status(), r.body() + "\n" + a.consoleTail());
        assertTrue(r.body().contains("<p id=\"cart\">1</p>") && r.body().contains("<p id=\"names\">cart,legacy</p>")
                && r.body().contains("<p id=\"context\">ids false, session null</p>")
                && r.body().contains("<p id=\"urls\">false a.jsp b.jsp</p>"), r.body());
        // putValue on A is an attribute like any other: read on B, then removeValue there
        Browser.Response onB = user.get(b.url("/legacy.jsp"));
        assertTrue(onB.body().contains("<p id=\"legacy\">kept</p>") && onB.body().contains("<p id=\"names\">cart,legacy</p>"),
                onB.body() + "\n" + b.consoleTail());
        assertTrue(user.get(b.url("/legacy.jsp?remove=legacy")).body().contains("<p id=\"names\">cart</p>"));
        String back = user.get(a.url("/legacy.jsp")).body();
        assertTrue(back.contains("<p id=\"names\">cart</p>") && back.contains("<p id=\"legacy\">null</p>"), back);
    }

    @Test
    void logOutEverywhere_endsTheUsersSessionsOnBothInstances() {
        ContainersIT.clearRateLimits(redis);
        ContainersIT.assertLogOutEverywhere(a, b, List.of(a, b));
    }

    @Test
    void theSixthLoginInAMinuteIsRefusedAcrossBothInstances() {
        ContainersIT.clearRateLimits(redis);
        ContainersIT.assertSixthLoginRefused(List.of(a, b));
    }

    @Test
    void health_liveReadyStartedAndMetrics() {
        for (ContainerProcess c : List.of(a, b)) {
            ContainersIT.assertHealth(c, redis, NAMESPACE);
        }
    }

    @Test
    void aBadSettingFailsTheDeployment() throws Exception {
        Path broken = ContainersIT.brokenWar(Path.of(System.getProperty("sample.javaxWarFile")), "broken-javax.war");
        a.deploy(broken, "broken.war");
        String expected = "`sessionfilter.onRedisFailure` (context-param sessionfilter.onRedisFailure) was `panic`; "
                + "expected one of memory, fail";
        assertTrue(a.awaitConsole(expected, Duration.ofSeconds(90)), "the console names the setting:\n" + a.consoleTail());
        Browser.Response r = new Browser().get(a.url("/").replace(CONTEXT + "/", "/broken/"));
        assertEquals(404, r.status(), "nothing is served from a failed deployment");
    }

    /** The javax WAR plus a JSP of the kind old apps have (no change to the shipped jar). */
    static Path withLegacyJsp(Path war, Path out) throws Exception {
        String jsp = """
                <%@ page contentType="text/html;charset=UTF-8" session="true" %><%
                    if (request.getParameter("put") != null) { session.putValue("legacy", request.getParameter("put")); }
                    if (request.getParameter("remove") != null) { session.removeValue(request.getParameter("remove")); }
                    String[] names = session.getValueNames();
                    java.util.Arrays.sort(names);
                    Object cart = session.getValue("cart");
                    javax.servlet.http.HttpSessionContext ctx = session.getSessionContext();
                %><p id="cart"><%= cart == null ? "none" : ((java.util.List<?>) cart).size() %></p>
                <p id="legacy"><%= session.getValue("legacy") %></p>
                <p id="names"><%= String.join(",", names) %></p>
                <p id="context">ids <%= ctx.getIds().hasMoreElements() %>, session <%= ctx.getSession(session.getId()) %></p>
                <p id="urls"><%= request.isRequestedSessionIdFromUrl() %> <%= response.encodeUrl("a.jsp") %> <%= response.encodeRedirectUrl("b.jsp") %></p>
                """;
        Files.createDirectories(out.getParent());
        try (ZipFile in = new ZipFile(war.toFile()); ZipOutputStream o = new ZipOutputStream(Files.newOutputStream(out))) {
            for (ZipEntry e : Collections.list(in.entries())) {
                o.putNextEntry(new ZipEntry(e.getName()));
                o.write(in.getInputStream(e).readAllBytes());
                o.closeEntry();
            }
            o.putNextEntry(new ZipEntry("legacy.jsp"));
            o.write(jsp.getBytes(StandardCharsets.UTF_8));
            o.closeEntry();
        }
        return out;
    }
}

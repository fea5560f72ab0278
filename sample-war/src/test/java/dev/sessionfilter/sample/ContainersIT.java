package dev.sessionfilter.sample;

import dev.sessionfilter.testing.Browser;
import dev.sessionfilter.testing.ContainerProcess;
import dev.sessionfilter.testing.RedisProcess;
import dev.sessionfilter.testing.RedisServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import redis.clients.jedis.Jedis;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The built sample WAR file, unchanged, on three real containers unpacked from their Maven Central
 * distributions and started by their own scripts: Tomcat 10.1, Tomcat 11 and WildFly 39, all at once on
 * one Redis. Each proves the sample works there; together they prove a user can move between them.
 */
class ContainersIT {
    static final String CONTEXT = "/sample";
    static final String NAMESPACE = "sessionfilter:sample";
    static RedisProcess redis;
    static final Map<String, ContainerProcess> CONTAINERS = new java.util.LinkedHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        Path war = Path.of(System.getProperty("sample.warFile"));
        try (ZipFile zip = new ZipFile(war.toFile())) {
            List<String> libs = zip.stream().map(e -> e.getName())
                    .filter(n -> n.startsWith("WEB-INF/lib/") && n.endsWith(".jar")).sorted().toList();
            assertEquals(2, libs.size(), "only our two jars in WEB-INF/lib (the shaded one and the CDI one): " + libs);
            assertTrue(libs.get(0).startsWith("WEB-INF/lib/sessionfilter-0") && libs.get(1).startsWith(
                    "WEB-INF/lib/sessionfilter-ee-"), libs.toString());
            checkShippedJar(zip, libs.get(0));
        }
        redis = RedisServers.standalone();
        Path work = Path.of(System.getProperty("containers.work"));
        String keyset = Path.of("insecure-dev-keyset.json").toAbsolutePath().toString();
        Map<String, String> common = Map.of("sessionfilter.redis.url", redis.url(),
                "sessionfilter.keysetFile", keyset,
                "sessionfilter.health.token", "container-test-health-token-0123");
        CONTAINERS.put("tomcat10", ContainerProcess.tomcat(Path.of(System.getProperty("tomcat10.home")), work,
                "tomcat10", RedisServers.freePort(), war, CONTEXT, with(common, "tomcat10")));
        CONTAINERS.put("tomcat11", ContainerProcess.tomcat(Path.of(System.getProperty("tomcat11.home")), work,
                "tomcat11", RedisServers.freePort(), war, CONTEXT, with(common, "tomcat11")));
        CONTAINERS.put("wildfly", ContainerProcess.wildfly(Path.of(System.getProperty("wildfly.home")), work,
                "wildfly", war, CONTEXT, with(common, "wildfly")));
        List<CompletableFuture<ContainerProcess>> started = new ArrayList<>();
        for (ContainerProcess c : CONTAINERS.values()) {
            started.add(CompletableFuture.supplyAsync(() -> c.awaitStarted(Duration.ofSeconds(300))));
        }
        for (CompletableFuture<ContainerProcess> f : started) {
            f.join();
        }
    }

    /**
     * The jar users get (issue 9): the JSON-B/JSON-P API packages are the real ones, never relocated (the
     * app's annotations must be the types our Yasson reads); our private providers are not registered as
     * services for the app's lookups; the bundled libraries' licenses and notices travel with it.
     */
    static void checkShippedJar(ZipFile war, String lib) throws Exception {
        Path jar = Files.createTempFile("sessionfilter", ".jar");
        try (java.io.InputStream in = war.getInputStream(war.getEntry(lib))) {
            Files.copy(in, jar, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        try (ZipFile z = new ZipFile(jar.toFile())) {
            List<String> names = z.stream().map(ZipEntry::getName).toList();
            assertTrue(names.contains("jakarta/json/bind/annotation/JsonbCreator.class"));
            assertTrue(names.contains("jakarta/json/bind/adapter/JsonbAdapter.class"));
            assertTrue(names.stream().noneMatch(n -> n.startsWith("dev/sessionfilter/internal/shaded/jakarta/")),
                    "no relocated copy of the JSON-B API");
            assertTrue(names.stream().anyMatch(n -> n.startsWith("dev/sessionfilter/internal/shaded/yasson/")));
            assertFalse(names.contains("META-INF/services/jakarta.json.bind.spi.JsonbProvider"));
            assertFalse(names.contains("META-INF/services/jakarta.json.spi.JsonProvider"));
            for (String f : List.of("META-INF/THIRD-PARTY.txt", "META-INF/LICENSE.txt", "META-INF/LICENSE.md")) {
                assertTrue(names.contains(f), f);
            }
            String notices = new String(z.getInputStream(z.getEntry("META-INF/NOTICE.md")).readAllBytes(),
                    StandardCharsets.UTF_8);
            for (String lib2 : List.of("Eclipse Yasson", "Eclipse Parsson", "Jakarta JSON Binding", "Jakarta JSON Processing")) {
                assertTrue(notices.contains("# Notices for " + lib2), lib2);
            }
        } finally {
            Files.deleteIfExists(jar);
        }
    }

    static Map<String, String> with(Map<String, String> common, String instance) {
        Map<String, String> m = new java.util.HashMap<>(common);
        m.put("sample.instance", instance);
        return m;
    }

    @AfterAll
    static void stop() {
        CONTAINERS.values().forEach(ContainerProcess::close);
        if (redis != null) {
            redis.close();
        }
    }

    /** Stops the containers, then Redis; any of them may be null (a start that failed half way). */
    static void closeAll(RedisProcess redis, ContainerProcess... containers) {
        for (ContainerProcess c : containers) {
            if (c != null) {
                c.close();
            }
        }
        if (redis != null) {
            redis.close();
        }
    }

    static ContainerProcess c(String name) {
        return CONTAINERS.get(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"tomcat10", "tomcat11", "wildfly"})
    void onEachContainer_loginCartCookieJspAndHealth(String name) {
        ContainerProcess c = c(name);
        Browser user = new Browser();
        Browser.Response home = user.get(c.url("/"));
        assertEquals(200, home.status(), c.consoleTail());
        assertTrue(home.body().contains("<b id=\"instance\">" + name + "</b>"), home.body());
        assertTrue(home.body().contains("Log in"), home.body());
        assertTrue(home.setCookies().isEmpty(), "an anonymous page view creates no session: " + home.setCookies());

        Browser.Response added = user.post(c.url("/cart"), "item=tea");
        assertEquals(302, added.status());
        String cookie = single(added.setCookies());
        assertTrue(cookie.startsWith("SESSION="), cookie);
        assertTrue(cookie.contains("; Path=" + CONTEXT) && cookie.contains("; HttpOnly")
                && cookie.contains("; SameSite=Lax") && !cookie.contains("Secure"), cookie);
        String before = user.cookies.get("SESSION");

        assertEquals(302, user.post(c.url("/login"), "user=ann").status());
        String after = user.cookies.get("SESSION");
        assertNotEquals(before, after, "login changes the session id");
        String page = user.get(c.url("/")).body();
        assertTrue(page.contains("Logged in as <b id=\"user\">ann</b>") && page.contains("<li>tea x 1</li>"), page);

        Browser.Response jsp = user.get(c.url("/session.jsp"));
        assertEquals(200, jsp.status(), c.consoleTail());
        assertTrue(jsp.body().contains("<td id=\"user\">ann</td>") && jsp.body().contains("<td id=\"count\">1</td>")
                && jsp.body().contains("<td id=\"new\">false</td>"), jsp.body());
        assertTrue(jsp.setCookies().stream().noneMatch(s -> s.startsWith("JSESSIONID")),
                "the container never makes a session of its own: " + jsp.setCookies());
        assertTrue(Browser.withSession(before).get(c.url("/")).body().contains("Log in"), "the old id is dead");

        assertHealth(c, redis, NAMESPACE);
    }

    /** Liveness, readiness (details only with the token), startup and the Prometheus text of one instance. */
    static void assertHealth(ContainerProcess c, RedisProcess redis, String namespace) {
        Browser.Response live = new Browser().get(c.url("/health/live"));
        assertEquals(200, live.status());
        assertEquals("{\"status\":\"UP\",\"checks\":[{\"name\":\"sessionfilter\",\"status\":\"UP\"}]}", live.body());
        Browser.Response ready = new Browser().get(c.url("/health/ready"));
        assertEquals(200, ready.status());
        assertTrue(ready.body().startsWith("{\"status\":\"UP\",\"checks\":[{\"name\":\"redis\",\"status\":\"UP\","
                + "\"data\":{\"mode\":\"redis\",\"latencyMs\":"), ready.body());
        assertFalse(ready.body().contains(String.valueOf(redis.port())), "no details for anonymous callers: " + ready.body());
        Map<String, String> token = Map.of("Authorization", "Bearer container-test-health-token-0123");
        Browser.Response details = new Browser().get(c.url("/health/ready"), token);
        assertTrue(details.body().contains("\"namespace\":\"" + namespace + "\""), details.body());
        assertEquals(200, new Browser().get(c.url("/health/started")).status());
        Browser.Response metrics = new Browser().get(c.url("/health/metrics"), token);
        assertEquals(200, metrics.status());
        assertTrue(metrics.body().contains("sessionfilter_"), metrics.body());
    }

    @ParameterizedTest
    @ValueSource(strings = {"tomcat10", "tomcat11", "wildfly"})
    void onEachContainer_theSixthLoginInAMinuteIsRefused(String name) {
        ContainerProcess c = c(name);
        clearRateLimits(); // every container shares one quota per client: start this one from zero
        assertSixthLoginRefused(List.of(c));
    }

    /** Five logins in a minute pass (spread over the instances in turn), the sixth gets a 429 problem. */
    static void assertSixthLoginRefused(List<ContainerProcess> instances) {
        for (int i = 1; i <= 5; i++) {
            ContainerProcess c = instances.get(i % instances.size());
            Browser.Response r = new Browser().post(c.url("/login"), "user=u" + i);
            assertEquals(302, r.status(), "login " + i + " on " + c);
            assertEquals("\"5/1m\";r=" + (5 - i) + ";t=60", r.header("RateLimit").replaceAll(";t=\\d+", ";t=60"));
        }
        Browser.Response refused = new Browser().post(instances.get(0).url("/login"), "user=u6");
        assertEquals(429, refused.status(), refused.body());
        assertNotNull(refused.header("Retry-After"));
        assertTrue(refused.header("Content-Type").startsWith("application/problem+json"), refused.header("Content-Type"));
        assertTrue(refused.body().contains("\"status\":429"), refused.body());
        assertEquals(200, new Browser().get(instances.get(0).url("/")).status(), "GET is not limited");
    }

    static void clearRateLimits() {
        clearRateLimits(redis);
    }

    static void clearRateLimits(RedisProcess redis) {
        try (Jedis j = redis.jedis()) {
            for (String k : j.keys(NAMESPACE + ":rl:*")) {
                j.del(k);
            }
        }
    }

    /**
     * The reason the product exists: one user moving between instances on different containers keeps one
     * session, sees every write, and is logged out everywhere.
     */
    @Test
    void twoInstances_oneUserMovesBetweenTomcatAndWildFly() {
        clearRateLimits();
        ContainerProcess a = c("tomcat10");
        ContainerProcess b = c("wildfly");
        ContainerProcess third = c("tomcat11");
        Browser user = new Browser();
        assertEquals(302, user.post(a.url("/login"), "user=zoe").status());
        String loggedIn = user.cookies.get("SESSION");

        assertEquals(302, user.post(b.url("/cart"), "item=coffee").status());
        assertEquals(302, user.post(b.url("/cart"), "item=bread").status());
        assertEquals(loggedIn, user.cookies.get("SESSION"), "the same session on every instance");
        String onA = user.get(a.url("/")).body();
        assertTrue(onA.contains("<b id=\"instance\">tomcat10</b>") && onA.contains("zoe")
                && onA.contains("<li>coffee x 1</li>") && onA.contains("<li>bread x 1</li>"), onA);
        assertTrue(user.get(third.url("/session.jsp")).body().contains("<td id=\"count\">2</td>"));
        // The shipped jar honours the app's own JSON-B annotations: Profile has only a @JsonbCreator
        // constructor and a @JsonbTransient nonce; written on Tomcat 10.1, read on WildFly and Tomcat 11.
        for (ContainerProcess c : List.of(b, third)) {
            String page = user.get(c.url("/")).body();
            assertTrue(page.contains("Profile: <b id=\"display\">User zoe</b>, login nonce <b id=\"nonce\">null</b>"),
                    c + ": " + page + "\n" + c.consoleTail());
        }

        // changeSessionId on A: the old id is dead on all three, the new one carries the cart
        assertEquals(302, user.post(a.url("/login"), "user=zoe2").status());
        String renewed = user.cookies.get("SESSION");
        assertNotEquals(loggedIn, renewed);
        for (ContainerProcess c : CONTAINERS.values()) {
            String stale = Browser.withSession(loggedIn).get(c.url("/")).body();
            assertTrue(stale.contains("Log in") && !stale.contains("coffee"), c + ": " + stale);
            assertTrue(Browser.withSession(renewed).get(c.url("/")).body().contains("<li>coffee x 1</li>"), c.name());
        }

        // invalidate on B: A and the third see a new anonymous session
        assertEquals(302, user.post(b.url("/logout"), "").status());
        for (ContainerProcess c : List.of(a, third)) {
            Browser stale = Browser.withSession(renewed);
            String page = stale.get(c.url("/session.jsp")).body();
            assertTrue(page.contains("<td id=\"user\"></td>") && page.contains("<td id=\"new\">true</td>")
                    && page.contains("<td id=\"count\">0</td>"), c + ": " + page);
            assertNotEquals(renewed, stale.cookies.get("SESSION"), "a new session, not the invalidated one");
        }
    }

    /**
     * "Log out all my sessions" (the session registry): one user logged in from two browsers, on WildFly and
     * Tomcat; the button pressed in one ends both, on every instance; another user stays logged in.
     */
    /** The CDI page: a @SessionScoped bean and a @RateLimited JAX-RS endpoint on WildFly; inert on plain Tomcat. */
    @ParameterizedTest
    @ValueSource(strings = {"tomcat11", "wildfly"})
    void cdiPage_sessionScopedWishListAndRateLimitedEndpoint(String name) {
        ContainerProcess c = c(name);
        Browser user = new Browser();
        if (!name.equals("wildfly")) {
            Browser.Response page = user.get(c.url("/wishlist"));
            assertEquals(200, page.status(), c.consoleTail());
            assertTrue(page.body().contains("id=\"no-cdi\""), page.body());
            return;
        }
        assertEquals(302, user.post(c.url("/wishlist"), "item=kite").status());
        assertEquals(302, user.post(c.url("/wishlist"), "item=yoyo").status());
        Browser.Response page = user.get(c.url("/wishlist"));
        assertTrue(page.body().contains("<li>kite</li>") && page.body().contains("<li>yoyo</li>"), page.body());
        try (Jedis j = redis.jedis()) {
            String fields = String.join(" ", j.keys(NAMESPACE + ":s:*").stream()
                    .filter(k -> j.type(k).equals("hash")).flatMap(k -> j.hkeys(k).stream()).toList());
            assertFalse(fields.contains("WishList") || fields.contains("kite"), "bean state is sealed like any attribute");
        }
        clearRateLimits();
        List<Integer> statuses = new ArrayList<>();
        Browser.Response last = null;
        for (int i = 0; i < 4; i++) {
            last = user.post(c.url("/api/newsletter"), "email=a%40example.org");
            statuses.add(last.status());
        }
        assertEquals(List.of(200, 200, 200, 429), statuses, last.body());
        assertTrue(last.header("Content-Type").startsWith("application/problem+json"), last.header("Content-Type"));
        assertNotNull(last.header("Retry-After"));
    }

    @Test
    void logOutEverywhere_endsTheUsersSessionInTheOtherBrowserToo() {
        clearRateLimits();
        assertLogOutEverywhere(c("wildfly"), c("tomcat11"), CONTAINERS.values());
    }

    /** yan in two browsers (on a and b) and ida: yan's button on b ends both of yan's sessions everywhere. */
    static void assertLogOutEverywhere(ContainerProcess a, ContainerProcess b, java.util.Collection<ContainerProcess> all) {
        Browser laptop = new Browser();
        Browser phone = new Browser();
        Browser other = new Browser();
        assertEquals(302, laptop.post(a.url("/login"), "user=yan").status());
        assertEquals(302, phone.post(b.url("/login"), "user=yan").status());
        assertEquals(302, other.post(b.url("/login"), "user=ida").status());
        assertEquals(302, phone.post(a.url("/cart"), "item=tea").status());
        assertTrue(phone.get(a.url("/")).body().contains("<b id=\"user\">yan</b>"));
        String page = laptop.get(b.url("/")).body();
        assertTrue(page.contains("id=\"logout-everywhere\""), page);

        assertEquals(302, laptop.post(b.url("/logout-everywhere"), "").status());
        for (ContainerProcess c : all) {
            for (Browser br : List.of(laptop, phone)) {
                String p = br.get(c.url("/")).body();
                assertTrue(p.contains("Log in") && !p.contains("tea"), c + ": " + p);
            }
            assertTrue(other.get(c.url("/")).body().contains("<b id=\"user\">ida</b>"), c + " keeps ida logged in");
        }
    }

    /**
     * A WAR with a bad setting must fail its deployment on every container, with a message naming the
     * setting, the value and what is expected. (Undertow starts filters at their first request: without
     * sessionfilter's deployment-time check, WildFly would deploy it and answer 500.)
     */
    @ParameterizedTest
    @ValueSource(strings = {"tomcat10", "tomcat11", "wildfly"})
    void aBadSettingFailsTheDeployment(String name) throws Exception {
        ContainerProcess c = c(name);
        c.deploy(brokenWar(), "broken.war");
        String expected = "`sessionfilter.onRedisFailure` (context-param sessionfilter.onRedisFailure) was `panic`; "
                + "expected one of memory, fail";
        assertTrue(c.awaitConsole(expected, Duration.ofSeconds(90)), "the console names the setting:\n" + c.consoleTail());
        if (name.equals("wildfly")) {
            Path failed = c.deployments().resolve("broken.war.failed");
            for (int i = 0; i < 60 && !Files.exists(failed); i++) {
                Thread.sleep(500);
            }
            assertTrue(Files.exists(failed), "WildFly marks the deployment failed:\n" + c.consoleTail());
            assertTrue(Files.readString(failed).contains("sessionfilter.onRedisFailure"), Files.readString(failed));
        }
        Browser.Response r = new Browser().get(c.url("/").replace(CONTEXT + "/", "/broken/"));
        assertEquals(404, r.status(), "nothing is served from a failed deployment");
    }

    /**
     * Issue 9 item 4: on every container the session is saved before the response leaves, however it
     * leaves: a buffer of three-byte characters, a declared Content-Length (Undertow completes the response
     * there), Servlet 6.1's {@code sendRedirect(String, int)} (Undertow sends a redirect at once),
     * {@code AsyncContext.complete()} and an async dispatch, each with a slow application listener. Where the container is known to
     * send before the servlet returns, the test also checks that it did, so the check is not vacuous.
     */
    @ParameterizedTest
    @ValueSource(strings = {"tomcat10", "tomcat11", "wildfly"})
    void onEachContainer_theSessionIsSavedBeforeTheResponseLeaves(String name) throws Exception {
        ContainerProcess c = c(name);
        deployProbe(c);
        // Measured: every container sends a full buffer at once; Tomcat 11 completes the response at the
        // declared length; WildFly 39 sends a 6.1 redirect at once, and answers an async dispatch before the
        // application's completion listeners run. Elsewhere the response waits for the servlet (or the
        // listeners), and only the saved value is checked.
        Map<String, Boolean> sentEarly = Map.of("cjk", true, "length", name.equals("tomcat11"),
                "redirect61", name.equals("wildfly"), "async", false, "async-dispatch", name.equals("wildfly"));
        for (String op : List.of("cjk", "length", "redirect61", "async", "async-dispatch")) {
            Browser b = new Browser();
            assertEquals("ok", b.get(probeUrl(c, "/p/set?v=before")).body());
            String cookie = b.cookies.get("SESSION");
            if (op.equals("redirect61") && name.equals("tomcat10")) {
                assertEquals("n/a", b.get(probeUrl(c, "/p/redirect61?v=x")).body(), "Tomcat 10.1 is Servlet 6.0");
                continue;
            }
            Browser.DuringResponse r = Browser.duringResponse(probeUrl(c, "/p/" + op + "?v=saved-" + op + "&ms=2000"),
                    cookie, () -> Browser.withSession(cookie).get(probeUrl(c, "/p/get")).body());
            System.out.println("probe " + name + " " + op + ": " + r);
            if (sentEarly.get(op)) {
                assertTrue(r.probedEarly(2000), name + " " + op + ": the response left before the servlet returned: " + r);
            }
            assertEquals("saved-" + op, r.seen(), name + " " + op + " " + r + "\n" + c.consoleTail());
        }
    }

    static String probeUrl(ContainerProcess c, String path) {
        return c.url(path).replace(CONTEXT + "/", "/probe/");
    }

    static final java.util.Set<String> PROBED = java.util.concurrent.ConcurrentHashMap.newKeySet();
    static final java.util.Set<Path> BUILT = java.util.concurrent.ConcurrentHashMap.newKeySet();

    static void deployProbe(ContainerProcess c) throws Exception {
        if (!PROBED.add(c.name())) {
            return;
        }
        c.deploy(probeWar(), "probe.war");
        long deadline = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < deadline) {
            try {
                if (new Browser().get(probeUrl(c, "/p/get")).status() == 200) {
                    return;
                }
            } catch (RuntimeException e) {
                // not deployed yet
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("the probe WAR did not deploy on " + c + ":\n" + c.consoleTail());
    }

    /** A WAR of the shipped sessionfilter.jar (taken from the sample WAR) and {@code ProbeServlet}. */
    static synchronized Path probeWar() throws Exception {
        Path probe = Path.of(System.getProperty("containers.work")).resolve("probe.war");
        if (BUILT.contains(probe)) {
            return probe; // built by this run: a file left by an earlier build may hold older classes
        }
        BUILT.add(probe);
        Path war = Path.of(System.getProperty("sample.warFile"));
        Path classes = Path.of(dev.sessionfilter.sample.probe.ProbeServlet.class.getProtectionDomain()
                .getCodeSource().getLocation().toURI());
        String webXml = """
                <?xml version="1.0" encoding="UTF-8"?>
                <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
                  <filter><filter-name>sessions</filter-name><filter-class>dev.sessionfilter.SessionFilter</filter-class>
                    <async-supported>true</async-supported></filter>
                  <filter-mapping><filter-name>sessions</filter-name><url-pattern>/*</url-pattern>
                    <dispatcher>REQUEST</dispatcher><dispatcher>ASYNC</dispatcher></filter-mapping>
                  <servlet><servlet-name>probe</servlet-name>
                    <servlet-class>dev.sessionfilter.sample.probe.ProbeServlet</servlet-class>
                    <async-supported>true</async-supported></servlet>
                  <servlet-mapping><servlet-name>probe</servlet-name><url-pattern>/p/*</url-pattern></servlet-mapping>
                </web-app>
                """;
        try (ZipFile in = new ZipFile(war.toFile());
             ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(probe))) {
            for (ZipEntry e : Collections.list(in.entries())) {
                if (e.getName().startsWith("WEB-INF/lib/") || e.getName().equals("META-INF/context.xml")) {
                    out.putNextEntry(new ZipEntry(e.getName()));
                    out.write(in.getInputStream(e).readAllBytes());
                    out.closeEntry();
                }
            }
            out.putNextEntry(new ZipEntry("WEB-INF/web.xml"));
            out.write(webXml.getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
            Path dir = classes.resolve("dev/sessionfilter/sample/probe");
            try (java.util.stream.Stream<Path> files = Files.list(dir)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    out.putNextEntry(new ZipEntry("WEB-INF/classes/dev/sessionfilter/sample/probe/" + f.getFileName()));
                    out.write(Files.readAllBytes(f));
                    out.closeEntry();
                }
            }
        }
        return probe;
    }

    /** The sample WAR with one bad context-param added to its web.xml. */
    static Path brokenWar() throws Exception {
        return brokenWar(Path.of(System.getProperty("sample.warFile")), "broken.war");
    }

    static synchronized Path brokenWar(Path war, String fileName) throws Exception {
        Path broken = Path.of(System.getProperty("containers.work")).resolve(fileName);
        if (BUILT.contains(broken)) {
            return broken;
        }
        BUILT.add(broken);
        try (ZipFile in = new ZipFile(war.toFile());
             ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(broken))) {
            for (ZipEntry e : Collections.list(in.entries())) {
                out.putNextEntry(new ZipEntry(e.getName()));
                byte[] bytes = in.getInputStream(e).readAllBytes();
                if (e.getName().equals("WEB-INF/web.xml")) {
                    bytes = new String(bytes, StandardCharsets.UTF_8).replace("<display-name>",
                            "<context-param><param-name>sessionfilter.onRedisFailure</param-name>"
                                    + "<param-value>panic</param-value></context-param>\n  <display-name>")
                            .getBytes(StandardCharsets.UTF_8);
                }
                out.write(bytes);
                out.closeEntry();
            }
        }
        return broken;
    }

    static String single(List<String> setCookies) {
        assertEquals(1, setCookies.size(), setCookies.toString());
        return setCookies.get(0);
    }
}

package dev.sessionfilter.sample;

import dev.sessionfilter.testing.Browser;
import dev.sessionfilter.testing.RedisProcess;
import dev.sessionfilter.testing.RedisServers;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The built sample WAR, deployed through its web.xml on a real Tomcat with its own web-app class loader:
 * WEB-INF/lib holds only the shaded sessionfilter jar. Two instances share one Redis.
 */
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class SampleWarIT {
    static RedisProcess redis;
    static Tomcat a;
    static Tomcat b;

    @BeforeAll
    static void start() throws Exception {
        Path war = Path.of(System.getProperty("sample.war", "target/sessionfilter-sample-0.1.0-SNAPSHOT"));
        try (var files = Files.list(war.resolve("WEB-INF/lib"))) {
            List<String> libs = files.map(p -> p.getFileName().toString()).toList();
            assertEquals(1, libs.size(), "one jar in WEB-INF/lib: " + libs);
            assertTrue(libs.get(0).startsWith("sessionfilter-"), libs.toString());
        }
        redis = RedisServers.standalone();
        System.setProperty("sessionfilter.redis.url", redis.url());
        System.setProperty("sessionfilter.keysetFile", Path.of("insecure-dev-keyset.json").toAbsolutePath().toString());
        a = deploy(war);
        b = deploy(war);
    }

    static Tomcat deploy(Path war) throws Exception {
        Tomcat t = new Tomcat();
        t.setBaseDir(Files.createTempDirectory("sample-it").toString());
        Connector c = new Connector();
        c.setPort(0);
        c.setProperty("address", "127.0.0.1");
        t.setConnector(c);
        t.setAddDefaultWebXmlToWebapp(false);
        t.addWebapp("", war.toAbsolutePath().toString());
        t.start();
        return t;
    }

    @AfterAll
    static void stop() throws Exception {
        for (Tomcat t : new Tomcat[] {a, b}) {
            if (t != null) {
                t.stop();
                t.destroy();
            }
        }
        System.clearProperty("sessionfilter.redis.url");
        System.clearProperty("sessionfilter.keysetFile");
        if (redis != null) {
            redis.close();
        }
    }

    static String url(Tomcat t, String path) {
        return "http://127.0.0.1:" + t.getConnector().getLocalPort() + path;
    }

    /** POSTs a form the way the sample's pages do, keeping the browser's cookies. */
    static int post(Browser browser, String url, String form) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form));
        browser.cookies.forEach((k, v) -> r.header("Cookie", k + "=" + v));
        HttpResponse<String> resp = HttpClient.newHttpClient().send(r.build(), HttpResponse.BodyHandlers.ofString());
        for (String c : resp.headers().allValues("Set-Cookie")) {
            String nv = c.split(";", 2)[0];
            String value = nv.substring(nv.indexOf('=') + 1);
            if (value.isEmpty()) {
                browser.cookies.remove(nv.substring(0, nv.indexOf('=')));
            } else {
                browser.cookies.put(nv.substring(0, nv.indexOf('=')), value);
            }
        }
        return resp.statusCode();
    }

    @Test
    void loginOnA_cartOnB_seenOnA_logoutOnB_anonymousOnA() throws Exception {
        Browser user = new Browser();
        assertTrue(user.get(url(a, "/")).body().contains("Log in"));
        assertEquals(302, post(user, url(a, "/login"), "user=ann"));
        String afterLogin = user.cookies.get("SESSION");
        assertTrue(user.get(url(a, "/")).body().contains("Logged in as <b id=\"user\">ann</b>"));

        assertEquals(302, post(user, url(b, "/cart"), "item=tea"));
        assertEquals(302, post(user, url(b, "/cart"), "item=milk"));
        String onA = user.get(url(a, "/")).body();
        assertTrue(onA.contains("<li>tea x 1</li>") && onA.contains("<li>milk x 1</li>"), onA);
        assertTrue(onA.contains("ann"), onA);

        assertEquals(302, post(user, url(b, "/logout"), ""));
        Browser stale = Browser.withSession(afterLogin);
        String anonymous = stale.get(url(a, "/")).body();
        assertTrue(anonymous.contains("Log in"), anonymous);
        assertFalse(anonymous.contains("ann"), anonymous);
    }

    @Test
    void login_changesTheSessionId_andTheOldIdIsDeadOnBothInstances() throws Exception {
        Browser user = new Browser();
        assertEquals(302, post(user, url(a, "/cart"), "item=bread"));
        String before = user.cookies.get("SESSION");
        assertEquals(302, post(user, url(a, "/login"), "user=bob"));
        String after = user.cookies.get("SESSION");
        assertFalse(before.equals(after), "login must change the session id");
        assertTrue(user.get(url(b, "/")).body().contains("<li>bread x 1</li>"), "cart kept across login");
        for (Tomcat t : new Tomcat[] {a, b}) {
            assertTrue(Browser.withSession(before).get(url(t, "/")).body().contains("Log in"));
        }
    }

    @Test
    @org.junit.jupiter.api.Order(Integer.MAX_VALUE)
    void sixthLoginInAMinute_isRefusedWith429_onEitherInstance() throws Exception {
        // Earlier tests logged in twice from this address; fill the rest of the 5-per-minute quota.
        int refusedAt = -1;
        for (int i = 1; i <= 6 && refusedAt < 0; i++) {
            int status = post(new Browser(), url(i % 2 == 0 ? a : b, "/login"), "user=u" + i);
            if (status == 429) {
                refusedAt = i;
            } else {
                assertEquals(302, status);
            }
        }
        assertTrue(refusedAt > 0 && refusedAt <= 6, "refused within six attempts: " + refusedAt);
        String quota = new Browser().get(url(a, "/ratelimit")).body();
        assertTrue(quota.contains("\"filter\":\"login-limit\",\"policy\":\"5/1m\",\"limit\":5,\"remaining\":0"), quota);
    }
}

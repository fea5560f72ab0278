package dev.sessionfilter.ratelimit;

import dev.sessionfilter.RateLimitFilter;
import dev.sessionfilter.RateLimitStatusServlet;
import dev.sessionfilter.testing.Browser;
import dev.sessionfilter.testing.EmbeddedTomcat;
import dev.sessionfilter.testing.OpsServlet;
import dev.sessionfilter.testing.RedisProcess;
import dev.sessionfilter.testing.RedisServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RateLimitFilter and RateLimitStatusServlet on a real Tomcat against a real Redis. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RateLimitIT {
    static RedisProcess redis;
    static EmbeddedTomcat node1;
    static EmbeddedTomcat node2;

    static EmbeddedTomcat node(String redisUrl) {
        return new EmbeddedTomcat("/app")
                .param("sessionfilter.redis.url", redisUrl)
                .param("sessionfilter.namespace", "rl-test")
                .filter("login-limit", new RateLimitFilter(), Map.of("sessionfilter.ratelimit.limits", "5 per minute"),
                        "/ops/login/*")
                .filter("multi", new RateLimitFilter(),
                        Map.of("sessionfilter.ratelimit.limits", "10 per minute; 3 per 10 seconds"), "/ops/multi/*")
                .filter("race", new RateLimitFilter(), Map.of("sessionfilter.ratelimit.limits", "50/minute",
                        "sessionfilter.ratelimit.key", "header:X-Client"), "/ops/race/*")
                .filter("proxied", new RateLimitFilter(), Map.of("sessionfilter.ratelimit.limits", "2 per minute",
                        "sessionfilter.ratelimit.trustedProxies", "127.0.0.1, ::1"), "/ops/proxied/*")
                .filter("local", new RateLimitFilter(), Map.of("sessionfilter.ratelimit.limits", "2 per minute",
                        "sessionfilter.ratelimit.key", "header:X-Client"), "/ops/local/*")
                .filter("allow", new RateLimitFilter(), Map.of("sessionfilter.ratelimit.limits", "1 per minute",
                        "sessionfilter.ratelimit.onRedisFailure", "allow"), "/ops/allow/*")
                .filter("deny", new RateLimitFilter(), Map.of("sessionfilter.ratelimit.limits", "100 per minute",
                        "sessionfilter.ratelimit.onRedisFailure", "deny"), "/ops/deny/*")
                .filter("spoof", new RateLimitFilter(), Map.of("sessionfilter.ratelimit.limits", "3 per minute"),
                        "/ops/spoof/*")
                .filter("posts", new RateLimitFilter(), Map.of("sessionfilter.ratelimit.limits", "1 per minute",
                        "sessionfilter.ratelimit.methods", "POST"), "/ops/posts/*")
                .servlet("ops", new OpsServlet(), "/ops/*")
                .servlet("status", new RateLimitStatusServlet(), "/ratelimit");
    }

    @BeforeAll
    static void start() {
        redis = RedisServers.standalone("--timeout", "0");
        node1 = node(redis.url()).param("sessionfilter.redis.timeout", "300ms").start();
        node2 = node(redis.url()).start();
    }

    @AfterAll
    static void stop() {
        node1.close();
        node2.close();
        redis.close();
    }

    static Browser.Response hit(EmbeddedTomcat node, String path, Map<String, String> headers) {
        return new Browser().get(node.url(path), headers);
    }

    @Test
    void fiveAllowed_sixthRefused_withDraft10HeadersRetryAfterAndProblemJson() {
        Map<String, String> client = Map.of("X-Forwarded-For", "ignored-without-trusted-proxies");
        for (int i = 1; i <= 5; i++) {
            Browser.Response r = hit(node1, "/ops/login/none", client);
            assertEquals(200, r.status());
            assertEquals("\"5/1m\";q=5;w=60", r.header("RateLimit-Policy"));
            Matcher m = Pattern.compile("\"5/1m\";r=(\\d+);t=(\\d+)").matcher(r.header("RateLimit"));
            assertTrue(m.matches(), r.header("RateLimit"));
            assertEquals(5 - i, Integer.parseInt(m.group(1)));
            assertTrue(Integer.parseInt(m.group(2)) >= 59 && Integer.parseInt(m.group(2)) <= 60, r.header("RateLimit"));
        }
        Browser.Response refused = hit(node1, "/ops/login/none", client);
        assertEquals(429, refused.status());
        long retry = Long.parseLong(refused.header("Retry-After"));
        assertTrue(retry >= 1 && retry <= 60, "Retry-After " + retry);
        assertEquals("application/problem+json;charset=UTF-8", refused.header("Content-Type"));
        assertTrue(refused.body().contains("\"status\":429") && refused.body().contains("\"title\":\"Too Many Requests\""),
                refused.body());
        assertEquals("\"5/1m\";q=5;w=60", refused.header("RateLimit-Policy"));
        assertTrue(refused.header("RateLimit").startsWith("\"5/1m\";r=0;t="), refused.header("RateLimit"));
        // The other node shares the counters.
        assertEquals(429, hit(node2, "/ops/login/none", client).status());
    }

    @Test
    void severalItems_leastRemainingFirst() {
        Browser.Response r = hit(node1, "/ops/multi/none", Map.of());
        assertEquals("\"3/10s\";q=3;w=10, \"10/1m\";q=10;w=60", r.header("RateLimit-Policy"));
        assertTrue(r.header("RateLimit").matches("\"3/10s\";r=2;t=\\d+, \"10/1m\";r=9;t=\\d+"), r.header("RateLimit"));
        hit(node1, "/ops/multi/none", Map.of());
        hit(node2, "/ops/multi/none", Map.of());
        Browser.Response fourth = hit(node1, "/ops/multi/none", Map.of());
        assertEquals(429, fourth.status());
        long retry = Long.parseLong(fourth.header("Retry-After"));
        assertTrue(retry >= 1 && retry <= 10, "never longer than the blocking window: " + retry);
    }

    @Test
    void racingThreadsOnTwoNodes_exactlyNPass() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(32);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                EmbeddedTomcat node = i % 2 == 0 ? node1 : node2;
                results.add(pool.submit(() -> hit(node, "/ops/race/none", Map.of("X-Client", "racer")).status()));
            }
            int ok = 0;
            int limited = 0;
            for (Future<Integer> f : results) {
                int s = f.get();
                ok += s == 200 ? 1 : 0;
                limited += s == 429 ? 1 : 0;
            }
            assertEquals(50, ok, "exactly the limit passes");
            assertEquals(150, limited);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void forwardedFor_isUsedOnlyThroughTrustedProxies() {
        // Untrusted peer (login-limit trusts nobody): changing the header does not give a new quota.
        // Trusted peer (127.0.0.1 for "proxied"): each real client has its own quota.
        assertEquals(200, hit(node1, "/ops/proxied/none", Map.of("X-Forwarded-For", "203.0.113.7")).status());
        assertEquals(200, hit(node1, "/ops/proxied/none", Map.of("X-Forwarded-For", "203.0.113.7")).status());
        assertEquals(429, hit(node1, "/ops/proxied/none", Map.of("X-Forwarded-For", "203.0.113.7")).status());
        assertEquals(200, hit(node1, "/ops/proxied/none", Map.of("X-Forwarded-For", "198.51.100.2")).status());
        // A spoofed leftmost entry before the real client changes nothing: the walk stops at the first untrusted hop.
        assertEquals(429, hit(node1, "/ops/proxied/none",
                Map.of("X-Forwarded-For", "1.2.3.4, 203.0.113.7")).status());
        // IPv6 clients share a quota per /64.
        assertEquals(200, hit(node1, "/ops/proxied/none", Map.of("Forwarded", "for=\"[2001:db8:1:2::a]:4711\"")).status());
        assertEquals(200, hit(node1, "/ops/proxied/none", Map.of("Forwarded", "for=\"[2001:db8:1:2::b]\"")).status());
        assertEquals(429, hit(node1, "/ops/proxied/none", Map.of("Forwarded", "for=\"[2001:db8:1:2:ffff::1]\"")).status());
    }

    @Test
    @Order(1)
    void untrustedPeer_spoofedForwardedFor_isIgnored_andUncountedMethodsPass() {
        for (int i = 0; i < 5; i++) {
            assertEquals(200, hit(node2, "/ops/posts/none", Map.of()).status(), "GET is not a counted method there");
        }
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            // Each spoofed address would get its own quota if the header were trusted.
            statuses.add(hit(node2, "/ops/spoof/none", Map.of("X-Forwarded-For", "10.9.9." + i)).status());
        }
        assertEquals(List.of(200, 200, 200, 429, 429), statuses);
    }

    @Test
    void statusServlet_showsQuotasWithoutConsuming() {
        Map<String, String> me = Map.of("X-Client", "status-caller");
        hit(node1, "/ops/local/none", me);
        String first = hit(node1, "/ratelimit", me).body();
        String second = hit(node2, "/ratelimit", me).body();
        assertEquals(first.replaceAll("\"resetSeconds\":\\d+", ""), second.replaceAll("\"resetSeconds\":\\d+", ""),
                "reading the status consumes nothing");
        assertTrue(first.startsWith("{\"policies\":["), first);
        assertTrue(first.contains("{\"filter\":\"local\",\"policy\":\"2/1m\",\"limit\":2,\"remaining\":1,\"resetSeconds\":"),
                first);
        assertTrue(first.contains("{\"filter\":\"login-limit\",\"policy\":\"5/1m\",\"limit\":5,"), first);
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void redisDown_eachModeBehavesAsDocumented_andNever500() throws Exception {
        // Runs last: it stops Redis, and a filter that saw the outage uses its local limits until its probe
        // sees Redis again.
        redis.stop();
        try {
            Map<String, String> c = Map.of("X-Client", "during-outage");
            List<Integer> local = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                local.add(hit(node1, "/ops/local/none", c).status());
            }
            assertEquals(List.of(200, 200, 429, 429), local, "local: the same limit, per instance");
            for (int i = 0; i < 3; i++) {
                assertEquals(200, hit(node1, "/ops/allow/none", Map.of()).status(), "allow");
            }
            Browser.Response denied = hit(node1, "/ops/deny/none", Map.of());
            assertEquals(503, denied.status(), "deny");
            assertTrue(Long.parseLong(denied.header("Retry-After")) >= 1);
        } finally {
            redis.restart();
        }
        long deadline = System.currentTimeMillis() + 30_000;
        int status = 0;
        while (status != 200 && System.currentTimeMillis() < deadline) {
            Thread.sleep(200);
            status = hit(node1, "/ops/deny/none", Map.of()).status();
        }
        assertEquals(200, status, "shared limits resume when Redis is back");
    }

    @Test
    void badLimitString_failsStartupShowingTheSyntax() {
        EmbeddedTomcat bad = new EmbeddedTomcat("/bad").param("sessionfilter.redis.url", redis.url())
                .filter("oops", new RateLimitFilter(), Map.of("sessionfilter.ratelimit.limits", "5 per fortnight"),
                        "/*")
                .servlet("ops", new OpsServlet(), "/ops/*");
        try {
            assertThrows(IllegalStateException.class, bad::start);
        } finally {
            bad.close();
        }
    }
}

package dev.sessionfilter.ratelimit;

import dev.sessionfilter.RateLimitFilter;
import dev.sessionfilter.testing.Browser;
import dev.sessionfilter.testing.EmbeddedTomcat;
import dev.sessionfilter.testing.OpsServlet;
import dev.sessionfilter.testing.RedisProcess;
import dev.sessionfilter.testing.RedisServers;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rate-limit rules on two Tomcat instances and one Redis: exemptions (address, role, a monitor's header
 * secret), countWhen (only failed logins count, exactly under concurrency), a per-request cost, the meta
 * limit; and what each costs in Redis commands.
 */
class RateLimitRulesIT {
    static final String SECRET = "monitor-secret-0123456789";
    static final Set<String> IGNORED = Set.of("info", "ping", "hello", "client|setinfo", "client|setname", "select",
            "auth", "script|load", "client|id");
    static RedisProcess redis;
    static EmbeddedTomcat a;
    static EmbeddedTomcat b;

    /** Sets the cost attribute from X-Cost and answers isUserInRole from X-Role, as an app's own filter would. */
    static final Filter APP = (req, resp, chain) -> {
        HttpServletRequest r = (HttpServletRequest) req;
        if (r.getHeader("X-Cost") != null) {
            r.setAttribute("app.cost", Integer.valueOf(r.getHeader("X-Cost")));
        }
        String role = r.getHeader("X-Role");
        chain.doFilter(role == null ? req : new HttpServletRequestWrapper(r) {
            @Override
            public boolean isUserInRole(String name) {
                return name.equals(role);
            }
        }, resp);
    };

    static EmbeddedTomcat node() {
        return new EmbeddedTomcat("/app").param("sessionfilter.redis.url", redis.url())
                .param("sessionfilter.namespace", "rules")
                .filter("app", APP, Map.of(), "/*")
                .filter("exempt", new RateLimitFilter(), Map.of("sessionfilter.ratelimit.limits", "2 per minute",
                        "sessionfilter.ratelimit.key", "header:X-Client",
                        "sessionfilter.ratelimit.exempt.roles", "operator",
                        "sessionfilter.ratelimit.exempt.header", "X-Monitor",
                        "sessionfilter.ratelimit.exempt.secret", SECRET), "/ops/exempt/*")
                .filter("internal", new RateLimitFilter(), Map.of("sessionfilter.ratelimit.limits", "1 per minute",
                        "sessionfilter.ratelimit.exempt.cidrs", "127.0.0.0/8, ::1"), "/ops/internal/*")
                .filter("failed-login", new RateLimitFilter(), Map.of("sessionfilter.ratelimit.limits", "5 per minute",
                        "sessionfilter.ratelimit.key", "header:X-Client",
                        "sessionfilter.ratelimit.countWhen", "status:401,403"), "/ops/failed-login/*")
                .filter("cost", new RateLimitFilter(), Map.of("sessionfilter.ratelimit.limits", "10 per minute",
                        "sessionfilter.ratelimit.key", "header:X-Client",
                        "sessionfilter.ratelimit.costAttribute", "app.cost"), "/ops/cost/*")
                .filter("meta", new RateLimitFilter(), Map.of("sessionfilter.ratelimit.limits", "1 per minute",
                        "sessionfilter.ratelimit.key", "header:X-Client",
                        "sessionfilter.ratelimit.meta", "2 per hour", "sessionfilter.ratelimit.penalty", "10m"), "/ops/meta/*")
                .filter("tiered", new RateLimitFilter(), Map.of("sessionfilter.ratelimit.limits", "2 per minute",
                        "sessionfilter.ratelimit.key", "header:X-Client",
                        "sessionfilter.ratelimit.tiers", "premium = 5 per minute | partner = 8 per minute, 100 per day"),
                        "/ops/tiered/*")
                .filter("planned", new RateLimitFilter(), Map.of("sessionfilter.ratelimit.limits", "1 per minute",
                        "sessionfilter.ratelimit.key", "header:X-Client", "sessionfilter.ratelimit.tierBy", "header:X-Plan",
                        "sessionfilter.ratelimit.tiers", "gold = 4 per minute"), "/ops/planned/*")
                .filter("plain", new RateLimitFilter(), Map.of("sessionfilter.ratelimit.limits", "100 per minute",
                        "sessionfilter.ratelimit.key", "header:X-Client"), "/ops/plain/*")
                .servlet("ops", new OpsServlet(), "/ops/*");
    }

    @BeforeAll
    static void start() {
        redis = RedisServers.standalone();
        a = node().start();
        b = node().start();
    }

    @AfterAll
    static void stop() {
        a.close();
        b.close();
        redis.close();
    }

    static Browser.Response hit(EmbeddedTomcat on, String path, String... headers) {
        Map<String, String> h = new HashMap<>();
        for (int i = 0; i < headers.length; i += 2) {
            h.put(headers[i], headers[i + 1]);
        }
        return new Browser().get(on.url(path), h);
    }

    /** {@code n} requests at once, alternating instances; the statuses. */
    static List<Integer> together(int n, String path, String... headers) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Integer>> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                EmbeddedTomcat on = i % 2 == 0 ? a : b;
                out.add(pool.submit(() -> {
                    go.await();
                    return hit(on, path, headers).status();
                }));
            }
            go.countDown();
            List<Integer> statuses = new ArrayList<>();
            for (Future<Integer> f : out) {
                statuses.add(f.get());
            }
            return statuses;
        } finally {
            pool.shutdownNow();
        }
    }

    static long count(List<Integer> statuses, int status) {
        return statuses.stream().filter(s -> s == status).count();
    }

    @Test
    void exemptions_byMonitorSecret_role_andAddress_areNeitherLimitedNorCounted() {
        for (int i = 0; i < 5; i++) {
            Browser.Response r = hit(i % 2 == 0 ? a : b, "/ops/exempt/none", "X-Client", "c1", "X-Monitor", SECRET);
            assertEquals(200, r.status());
            assertNull(r.header("RateLimit"), "an exempt request is not counted: no quota to report");
            assertEquals(200, hit(b, "/ops/exempt/none", "X-Client", "c1", "X-Role", "operator").status());
        }
        // Nothing was counted for c1: its two requests pass, the third does not.
        assertEquals(200, hit(a, "/ops/exempt/none", "X-Client", "c1").status());
        assertEquals(200, hit(b, "/ops/exempt/none", "X-Client", "c1", "X-Monitor", "wrong-secret").status());
        assertEquals(429, hit(a, "/ops/exempt/none", "X-Client", "c1", "X-Role", "customer").status(),
                "a wrong secret or another role is an ordinary client");
        for (int i = 0; i < 4; i++) {
            assertEquals(200, hit(i % 2 == 0 ? a : b, "/ops/internal/none").status(), "loopback is exempt by address");
        }
    }

    @Test
    void countWhen_onlyFailedLoginsCount_exactlyFiveOfTwentySimultaneous() throws Exception {
        List<Integer> statuses = together(20, "/ops/failed-login/status?code=401", "X-Client", "mallory");
        System.out.println("[rate-rules] countWhen status:401,403, 5 per minute, 20 simultaneous failed logins on 2 instances: "
                + count(statuses, 401) + " answered 401, " + count(statuses, 429) + " refused 429");
        assertEquals(5, count(statuses, 401), statuses.toString());
        assertEquals(15, count(statuses, 429));
        // Successful logins never count: twenty in a row all pass, and a refund restores the quota.
        for (int i = 0; i < 20; i++) {
            Browser.Response r = hit(i % 2 == 0 ? a : b, "/ops/failed-login/status?code=200", "X-Client", "alice");
            assertEquals(200, r.status(), "success " + i);
        }
        assertEquals(401, hit(a, "/ops/failed-login/status?code=401", "X-Client", "alice").status(),
                "alice's quota is whole after twenty successes");
        // Simultaneous successes: each is counted while it runs, so at most 5 are in flight at once (the price
        // of exactness); once they are done, all are taken back.
        List<Integer> mixed = together(20, "/ops/failed-login/status?code=200", "X-Client", "bob");
        assertEquals(20, count(mixed, 200) + count(mixed, 429), mixed.toString());
        assertTrue(count(mixed, 200) >= 5, mixed.toString());
        System.out.println("[rate-rules] 20 simultaneous successful logins: " + count(mixed, 200) + " passed, "
                + count(mixed, 429) + " refused while 5 were in flight");
        for (int i = 0; i < 5; i++) {
            assertEquals(401, hit(i % 2 == 0 ? a : b, "/ops/failed-login/status?code=401", "X-Client", "bob").status(),
                    "bob's quota is whole again: failure " + i);
        }
        assertEquals(429, hit(a, "/ops/failed-login/status?code=401", "X-Client", "bob").status());
    }

    @Test
    void cost_isCountedInUnits_exactlyUnderConcurrency() throws Exception {
        List<Integer> statuses = together(20, "/ops/cost/none", "X-Client", "heavy", "X-Cost", "3");
        System.out.println("[rate-rules] cost 3 against 10 per minute, 20 simultaneous on 2 instances: "
                + count(statuses, 200) + " passed");
        assertEquals(3, count(statuses, 200), statuses.toString());
        Browser.Response free = hit(a, "/ops/cost/none", "X-Client", "heavy", "X-Cost", "0");
        assertEquals(200, free.status(), "a cost-0 request passes even when the quota is used up");
        assertEquals(200, hit(b, "/ops/cost/none", "X-Client", "light").status(), "no attribute: cost 1");
        assertTrue(hit(b, "/ops/cost/none", "X-Client", "light").header("RateLimit").contains("r=8"));
    }

    @Test
    void metaLimit_blocksAClientThatKeepsBreaching_forThePenalty() {
        assertEquals(200, hit(a, "/ops/meta/none", "X-Client", "pest").status());
        Browser.Response first = hit(b, "/ops/meta/none", "X-Client", "pest");
        assertEquals(429, first.status());
        long retry = Long.parseLong(first.header("Retry-After"));
        assertTrue(retry <= 60, "an ordinary refusal: retry within the window: " + retry);
        Browser.Response second = hit(a, "/ops/meta/none", "X-Client", "pest");
        assertEquals(429, second.status());
        assertEquals("600", second.header("Retry-After"), "the second breach within the hour blocks for the 10 m penalty");
        long blocked = Long.parseLong(hit(b, "/ops/meta/none", "X-Client", "pest").header("Retry-After"));
        assertTrue(blocked >= 598 && blocked <= 600, "still blocked, on the other instance too: " + blocked);
        assertEquals(200, hit(b, "/ops/meta/none", "X-Client", "polite").status(), "another client is not blocked");
    }

    static int passes(String path, int tries, String... headers) {
        int n = 0;
        for (int i = 0; i < tries; i++) {
            if (hit(i % 2 == 0 ? a : b, path, headers).status() == 200) {
                n++;
            }
        }
        return n;
    }

    @Test
    void tiers_chooseTheLimitsByRole_orByAGatewayHeader() {
        assertEquals(2, passes("/ops/tiered/none", 10, "X-Client", "basic"));
        assertEquals(5, passes("/ops/tiered/none", 10, "X-Client", "prem", "X-Role", "premium"));
        assertEquals(8, passes("/ops/tiered/none", 12, "X-Client", "part", "X-Role", "partner"));
        Browser.Response r = hit(a, "/ops/tiered/none", "X-Client", "part2", "X-Role", "partner");
        assertTrue(r.header("RateLimit-Policy").contains("\"8/1m\";q=8;w=60") && r.header("RateLimit-Policy").contains("100/1d"),
                r.header("RateLimit-Policy"));
        assertEquals(4, passes("/ops/planned/none", 8, "X-Client", "g", "X-Plan", "gold"));
        assertEquals(1, passes("/ops/planned/none", 8, "X-Client", "u", "X-Plan", "unknown-plan"), "an unknown tier: the default");
    }

    @Test
    void commandsPerRule() {
        hit(a, "/ops/plain/none", "X-Client", "warm");
        Map<String, Long> plain = redis.commandsDuring(() -> hit(a, "/ops/plain/none", "X-Client", "k1"), IGNORED);
        Map<String, Long> exempt = redis.commandsDuring(
                () -> hit(a, "/ops/exempt/none", "X-Client", "k1", "X-Monitor", SECRET), IGNORED);
        Map<String, Long> costed = redis.commandsDuring(() -> hit(a, "/ops/cost/none", "X-Client", "k1", "X-Cost", "2"), IGNORED);
        Map<String, Long> failed = redis.commandsDuring(
                () -> hit(a, "/ops/failed-login/status?code=401", "X-Client", "k1"), IGNORED);
        Map<String, Long> succeeded = redis.commandsDuring(
                () -> hit(a, "/ops/failed-login/status?code=200", "X-Client", "k1"), IGNORED);
        hit(a, "/ops/meta/none", "X-Client", "k2");
        Map<String, Long> metaAllowed = redis.commandsDuring(() -> hit(a, "/ops/meta/none", "X-Client", "k3"), IGNORED);
        Map<String, Long> metaBreach = redis.commandsDuring(() -> hit(a, "/ops/meta/none", "X-Client", "k2"), IGNORED);
        Map<String, Long> tiered = redis.commandsDuring(
                () -> hit(a, "/ops/tiered/none", "X-Client", "k4", "X-Role", "partner"), IGNORED);
        System.out.println("[rate-rules] Redis commands per request: plain " + plain + "; exempt " + exempt + "; cost "
                + costed + "; countWhen matched " + failed + ", not matched " + succeeded + "; meta allowed " + metaAllowed
                + ", meta breach " + metaBreach + "; a tier with two items " + tiered);
        assertEquals(1L, tiered.get("evalsha"), "a tier is a choice of limits: the same one script");
        assertEquals(1L, plain.get("evalsha"));
        assertEquals(Map.of(), exempt, "an exempt request never reaches Redis");
        assertEquals(plain, costed, "a cost changes no command");
        assertEquals(plain, failed, "a matching response: the one script");
        assertEquals(2L, succeeded.get("evalsha"), "a response that does not match: the script, then the refund");
        assertEquals(plain.get("evalsha"), metaAllowed.get("evalsha"), "the meta limit rides in the same script");
        assertEquals(1L, metaAllowed.get("hget"), "checking the block: one HGET inside it");
        assertEquals(1L, metaBreach.get("evalsha"));
    }
}

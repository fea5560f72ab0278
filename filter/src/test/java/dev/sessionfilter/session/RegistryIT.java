package dev.sessionfilter.session;

import dev.sessionfilter.SessionFilter;
import dev.sessionfilter.testing.Browser;
import dev.sessionfilter.testing.EmbeddedTomcat;
import dev.sessionfilter.testing.ExpiryRecorder;
import dev.sessionfilter.testing.OpsServlet;
import dev.sessionfilter.testing.RedisProcess;
import dev.sessionfilter.testing.RedisServers;
import dev.sessionfilter.testing.TestApps;
import jakarta.servlet.Filter;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Guarantee 12: the session registry across two instances (find, invalidate by id, the sessions of one
 * principal, invalidate them all), its principal index self-cleaning and free of names and ids.
 */
class RegistryIT {

    @BeforeEach
    void reset() {
        ExpiryRecorder.reset();
    }

    private static EmbeddedTomcat instance(RedisProcess redis, String keyset, String tag, String... params) {
        EmbeddedTomcat app = TestApps.app(redis.url(), keyset).param("test.instance", tag)
                .param("sessionfilter.listeners", ExpiryRecorder.class.getName());
        for (int i = 0; i < params.length; i += 2) {
            app.param(params[i], params[i + 1]);
        }
        return app.start();
    }

    @Test
    void logOutEverywhere_endsThePrincipalsSessionsOnBothInstances_once_andNoOneElses() {
        try (RedisProcess redis = RedisServers.standalone()) {
            String keyset = TestApps.newKeyset();
            try (EmbeddedTomcat a = instance(redis, keyset, "A", "sessionfilter.principalAttribute", "user");
                 EmbeddedTomcat b = instance(redis, keyset, "B", "sessionfilter.principalAttribute", "user")) {
                List<Browser> alice = new ArrayList<>();
                for (EmbeddedTomcat on : List.of(a, b, a)) {
                    Browser br = new Browser();
                    assertEquals("ok", br.get(on.url("/ops/set?n=user&v=alice")).body());
                    alice.add(br);
                }
                Browser bob = new Browser();
                bob.get(b.url("/ops/set?n=user&v=bob"));
                // An id change (a login does one) keeps the session in its principal's index.
                String[] ids = alice.get(2).get(b.url("/ops/change")).body().split(" ");
                assertEquals(Set.of(alice.get(0).cookies.get("SESSION"), alice.get(1).cookies.get("SESSION"), ids[1]),
                        Set.of(new Browser().get(b.url("/ops/registry-of?p=alice")).body().split(",")),
                        "the three sessions of alice, the changed one under its new id");
                String bobId = bob.cookies.get("SESSION");
                assertEquals("principal=bob user=bob max=1800 names=[user]",
                        new Browser().get(a.url("/ops/registry-find?id=" + bobId)).body());

                assertNoNamesOrIds(redis, List.of("alice", "bob"), List.of(ids[0], ids[1], bobId,
                        alice.get(0).cookies.get("SESSION"), alice.get(1).cookies.get("SESSION")));

                assertEquals("3", new Browser().get(a.url("/ops/registry-end-all?p=alice")).body());
                Map<String, Long> perSession = ExpiryRecorder.EVENTS.stream()
                        .collect(Collectors.groupingBy(ExpiryRecorder.Event::id, Collectors.counting()));
                assertEquals(3, perSession.size(), ExpiryRecorder.EVENTS.toString());
                assertTrue(perSession.values().stream().allMatch(n -> n == 1), "each listener once: " + perSession);
                assertTrue(ExpiryRecorder.EVENTS.stream().allMatch(e -> "alice".equals(e.user())));
                for (Browser br : alice) {
                    assertEquals("no-session", br.get(b.url("/ops/get?n=user")).body());
                    assertEquals("no-session", br.get(a.url("/ops/get?n=user")).body());
                }
                assertEquals("bob", bob.get(a.url("/ops/get?n=user")).body(), "another principal untouched");
                assertEquals("", new Browser().get(b.url("/ops/registry-of?p=alice")).body());
                assertEquals("0", new Browser().get(b.url("/ops/registry-end-all?p=alice")).body());
                ExpiryIT.sleep(1_000);
                assertEquals(3, ExpiryRecorder.EVENTS.size(), "no second event from anywhere");

                // By id: once, and false for a session that is gone.
                assertEquals("true", new Browser().get(b.url("/ops/registry-end?id=" + bobId)).body());
                assertEquals("false", new Browser().get(a.url("/ops/registry-end?id=" + bobId)).body());
                assertEquals(4, ExpiryRecorder.EVENTS.size());
                assertEquals("none", new Browser().get(a.url("/ops/registry-find?id=" + bobId)).body());
                try (Jedis j = redis.jedis()) {
                    assertEquals(Set.of(), j.keys("sessionfilter:app:p:*"), "no principal index left behind");
                }
            }
        }
    }

    @Test
    void containerLogin_getRemoteUser_isThePrincipal_andARequestWithoutItDoesNotClearIt() {
        try (RedisProcess redis = RedisServers.standalone()) {
            Filter login = TestApps.remoteUserFromHeader();
            try (EmbeddedTomcat app = new EmbeddedTomcat("/app").param("sessionfilter.redis.url", redis.url())
                    .param("sessionfilter.keyset", TestApps.newKeyset())
                    .filter("login", login, Map.of()).filter("sessions", new SessionFilter(), Map.of())
                    .servlet("ops", new OpsServlet(), "/ops/*").start()) {
                Browser carol = new Browser();
                carol.get(app.url("/ops/set?n=x&v=1"));
                assertEquals("", new Browser().get(app.url("/ops/registry-of?p=carol")).body());
                Map<String, Long> d = redis.commandsDuring(() -> carol.get(app.url("/ops/get?n=x"),
                        Map.of("X-Test-User", "carol")), Set.of("info", "ping"));
                assertTrue(d.containsKey("zremrangebyscore") && d.get("zadd") == 2L,
                        "the login request indexes (the index script beside the session's own deadline): " + d);
                String id = carol.cookies.get("SESSION");
                assertEquals(id, new Browser().get(app.url("/ops/registry-of?p=carol")).body());
                // The next requests with the same user, or with none: no index write.
                d = redis.commandsDuring(() -> carol.get(app.url("/ops/get?n=x"), Map.of("X-Test-User", "carol")),
                        Set.of("info", "ping"));
                assertEquals(Map.of("hgetall", 1L), d, "costs nothing when the principal did not change");
                carol.get(app.url("/ops/set?n=y&v=2"));
                assertEquals(id, new Browser().get(app.url("/ops/registry-of?p=carol")).body());
                assertTrue(new Browser().get(app.url("/ops/registry-find?id=" + id)).body().startsWith("principal=carol "));
            }
        }
    }

    @Test
    void thousandExpiredSessions_leaveNoIndexEntryBehind_figures() {
        try (RedisProcess redis = RedisServers.standalone()) {
            String keyset = TestApps.newKeyset();
            try (EmbeddedTomcat a = instance(redis, keyset, "A", "sessionfilter.principalAttribute", "user",
                    "sessionfilter.timeout", "3s", "sessionfilter.expiry.notifyWithin", "1s")) {
                List<String> ids = new ArrayList<>();
                for (int i = 0; i < 1000; i++) {
                    Browser br = new Browser();
                    br.get(a.url("/ops/set?n=user&v=user" + (i % 100)));
                    ids.add(br.cookies.get("SESSION"));
                }
                long indexBytes;
                long sessionBytes;
                try (Jedis j = redis.jedis()) {
                    indexBytes = memory(j, "sessionfilter:app:e:*") + memory(j, "sessionfilter:app:p:*");
                    sessionBytes = memory(j, "sessionfilter:app:s:*");
                }
                Map<String, Long> sweep = redis.commandsDuring(() -> {
                    long end = System.currentTimeMillis() + 15_000;
                    while (ExpiryRecorder.EVENTS.size() < 1000 && System.currentTimeMillis() < end) {
                        ExpiryIT.sleep(100);
                    }
                }, Set.of("info", "ping"));
                assertEquals(1000, ExpiryRecorder.EVENTS.stream().map(ExpiryRecorder.Event::id).distinct().count());
                assertEquals(new TreeSet<>(ids), ExpiryRecorder.EVENTS.stream().map(ExpiryRecorder.Event::id)
                        .collect(Collectors.toCollection(TreeSet::new)));
                try (Jedis j = redis.jedis()) {
                    ExpiryIT.sleep(500);
                    Set<String> left = j.keys("sessionfilter:app:*");
                    assertEquals(Set.of(), left, "nothing outlives its session");
                }
                // Each claim script runs two ZRANGEBYSCOREs (taken-over leases, due sessions): the fixed cost.
                long claims = sweep.getOrDefault("zrangebyscore", 0L) / 2;
                long notified = sweep.getOrDefault("del", 0L);
                long perSession = sweep.getOrDefault("evalsha", 0L) + sweep.getOrDefault("hgetall", 0L) - claims;
                System.out.printf("[registry] 1000 sessions: indexes %d bytes/session (session itself %d); "
                                + "sweep: %.2f round trips per expired session with a principal, plus %d claim "
                                + "scripts (64 per round) for %d sessions (%s)%n", indexBytes / 1000,
                        sessionBytes / 1000, (double) perSession / notified, claims, notified, sweep);
                assertFalse(sweep.containsKey("scan") || sweep.containsKey("keys"), "never a scan of the keyspace");
            }
        }
    }

    private static long memory(Jedis j, String pattern) {
        long sum = 0;
        for (String k : j.keys(pattern)) {
            Long m = j.memoryUsage(k);
            sum += m == null ? 0 : m;
        }
        return sum;
    }

    /** Every key name, field, member and value of the dump: none holds a principal name or a session id. */
    static void assertNoNamesOrIds(RedisProcess redis, List<String> names, List<String> ids) {
        try (Jedis j = redis.jedis()) {
            List<byte[]> all = new ArrayList<>();
            for (byte[] k : j.keys("*".getBytes(StandardCharsets.UTF_8))) {
                all.add(k);
                switch (j.type(k)) {
                    case "hash" -> j.hgetAll(k).forEach((f, v) -> {
                        all.add(f);
                        all.add(v);
                    });
                    case "zset" -> all.addAll(j.zrange(k, 0, -1));
                    case "string" -> all.add(j.get(k));
                    default -> {
                    }
                }
            }
            for (byte[] b : all) {
                String s = new String(b, StandardCharsets.ISO_8859_1);
                for (String secret : names) {
                    assertFalse(s.contains(secret), "a principal name in Redis: " + s);
                }
                for (String secret : ids) {
                    assertFalse(s.contains(secret), "a session id in Redis");
                }
            }
        }
    }
}

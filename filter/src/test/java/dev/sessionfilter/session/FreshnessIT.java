package dev.sessionfilter.session;

import dev.sessionfilter.testing.Browser;
import dev.sessionfilter.testing.EmbeddedTomcat;
import dev.sessionfilter.testing.RedisProcess;
import dev.sessionfilter.testing.RedisServers;
import dev.sessionfilter.testing.TestApps;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Guarantee 13 with the near cache on (sessionfilter.nearCache.maxEntries): two instances, one user
 * alternating between them.
 * Each round writes on one instance and reads on the other at once, then invalidates on one and reads on
 * the other: every read must see the write just made, and an invalidated session is never served again.
 * With version checks (the default once the cache is on) that holds by construction, and the count must be 0.
 * With Redis' invalidation messages (nearCache.invalidation=tracking) the invalidation connections of both
 * instances are killed every 100 rounds, in the middle of the alternation; there Redis may write the
 * writer's reply before the other instance's invalidation message (performance.md), so a read at once on
 * the other instance can, rarely, see the value before: counted, reported and bounded, not hidden.
 */
class FreshnessIT {
    private static final int ROUNDS = 1000;
    /** Tracking's window (performance.md): seen 0-1 in 1,000 here; a real hole shows as many more. */
    private static final int TRACKING_BOUND = 10;

    @Test
    void standalone_tracking_alternatingInstances_staleOnlyInTheDocumentedWindow() {
        try (RedisProcess redis = RedisServers.standalone()) {
            String keyset = TestApps.newKeyset();
            try (EmbeddedTomcat a = tracked(TestApps.app(redis.url(), keyset)).start();
                 EmbeddedTomcat b = tracked(TestApps.app(redis.url(), keyset)).start()) {
                int killed = alternate(a, b, () -> kill(redis), TRACKING_BOUND);
                assertTrue(killed >= 18, "invalidation connections killed: " + killed);
                // Redis lost everything (a restart without persistence): nothing cached is served.
                Browser user = new Browser();
                assertEquals("ok", user.get(a.url("/ops/set?n=k&v=before")).body());
                assertEquals("before", user.get(b.url("/ops/get?n=k")).body()); // B caches it too
                try (var j = redis.jedis()) {
                    j.flushAll();
                }
                assertEquals("no-session", user.get(a.url("/ops/get?n=k")).body());
                assertEquals("no-session", user.get(b.url("/ops/get?n=k")).body());
            }
        }
    }

    @Test
    void standalone_versionChecks_neverReadStale() {
        try (RedisProcess redis = RedisServers.standalone()) {
            String keyset = TestApps.newKeyset();
            try (EmbeddedTomcat a = cached(TestApps.app(redis.url(), keyset)).start();
                 EmbeddedTomcat b = cached(TestApps.app(redis.url(), keyset)).start()) {
                assertEquals(0, alternate(a, b, () -> kill(redis), 0), "no invalidation connection to kill");
            }
        }
    }

    /** Sentinel: no invalidation feed (documented); the near cache checks every copy's version. */
    @Test
    void sentinel_nearCacheFallsBackToVersionChecks_neverReadStale() {
        try (RedisServers.Sentinel sentinel = new RedisServers.Sentinel()) {
            String keyset = TestApps.newKeyset();
            try (EmbeddedTomcat a = tracked(TestApps.app("redis://127.0.0.1:1", keyset))
                         .param("sessionfilter.redis.sentinel.master", RedisServers.Sentinel.MASTER)
                         .param("sessionfilter.redis.sentinel.nodes", sentinel.nodes())
                         .param("sessionfilter.expiry.notifyWithin", "1h").start(); // no sweeps in the counts
                 EmbeddedTomcat b = tracked(TestApps.app("redis://127.0.0.1:1", keyset))
                         .param("sessionfilter.redis.sentinel.master", RedisServers.Sentinel.MASTER)
                         .param("sessionfilter.redis.sentinel.nodes", sentinel.nodes())
                         .param("sessionfilter.expiry.notifyWithin", "1h").start()) {
                assertEquals(0, alternate(a, b, () -> kill(sentinel.master), 0), "no invalidation connection on Sentinel");
                Browser user = new Browser();
                user.get(a.url("/ops/set?n=k&v=1"));
                user.get(a.url("/ops/get?n=k"));
                assertEquals(RoundTripBudgetIT.CHECKED_READ, sentinel.master.commandsDuring(
                        () -> assertEquals("1", user.get(a.url("/ops/get?n=k")).body()),
                        java.util.Set.of("info", "ping", "hello", "client|setinfo", "client|setname", "select",
                                "auth", "eval", "role", "replconf", "publish", "subscribe", "psync", "client|kill", "client|list")), "a cached read checks its version");
            }
        }
    }

    private static int kill(RedisProcess node) {
        try (var j = node.jedis()) {
            return (int) RoundTripBudgetIT.killTracking(j);
        }
    }

    @Test
    void cluster_tracking_alternatingInstances_staleOnlyInTheDocumentedWindow() {
        try (RedisServers.Cluster cluster = new RedisServers.Cluster()) {
            String keyset = TestApps.newKeyset();
            try (EmbeddedTomcat a = tracked(TestApps.app("redis://127.0.0.1:1", keyset))
                         .param("sessionfilter.redis.cluster.nodes", cluster.nodes()).start();
                 EmbeddedTomcat b = tracked(TestApps.app("redis://127.0.0.1:1", keyset))
                         .param("sessionfilter.redis.cluster.nodes", cluster.nodes()).start()) {
                int killed = alternate(a, b, () -> {
                    int n = 0;
                    for (RedisProcess node : cluster.masters) {
                        n += kill(node);
                    }
                    return n;
                }, TRACKING_BOUND);
                assertTrue(killed >= 18, "invalidation connections killed: " + killed);
            }
        }
    }

    private static EmbeddedTomcat cached(EmbeddedTomcat app) {
        return app.param("sessionfilter.nearCache.maxEntries", "10000");
    }

    private static EmbeddedTomcat tracked(EmbeddedTomcat app) {
        return cached(app).param("sessionfilter.nearCache.invalidation", "tracking");
    }

    /**
     * @param bound stale reads, and invalidated sessions served, tolerated (each)
     * @return the invalidation connections killed along the way
     */
    private static int alternate(EmbeddedTomcat a, EmbeddedTomcat b, java.util.function.IntSupplier killTracking,
                                 int bound) {
        int stale = 0;
        java.util.List<String> staleExamples = new java.util.ArrayList<>();
        int served = 0;
        int killed = 0;
        Browser user = new Browser();
        for (int i = 0; i < ROUNDS; i++) {
            if (i % 100 == 50) {
                killed += killTracking.getAsInt();
            }
            EmbeddedTomcat writer = i % 2 == 0 ? a : b;
            EmbeddedTomcat reader = i % 2 == 0 ? b : a;
            assertEquals("ok", user.get(writer.url("/ops/set?n=counter&v=" + i)).body());
            String read = user.get(reader.url("/ops/get?n=counter")).body();
            if (!String.valueOf(i).equals(read)) {
                stale++;
                staleExamples.add("round " + i + " read " + read + " on " + (reader == a ? "A" : "B"));
            }
            if (i % 10 == 9) { // every tenth round: invalidate on one, read on the other (and the first)
                String before = user.cookies.get("SESSION");
                user.get(writer.url("/ops/invalidate"));
                Browser replay = Browser.withSession(before); // a client that kept the old cookie
                if (!"no-session".equals(replay.get(reader.url("/ops/get?n=counter")).body())
                        || !"no-session".equals(replay.get(writer.url("/ops/get?n=counter")).body())) {
                    served++;
                }
            }
        }
        System.out.println("[freshness] " + ROUNDS + " rounds: " + stale + " reads missed the other instance's write just "
                + "before " + staleExamples + ", " + served + " of " + ROUNDS / 10 + " invalidated sessions served again");
        assertTrue(stale <= bound, "reads that missed the other instance's write just before, of " + ROUNDS + ": " + staleExamples);
        assertTrue(served <= bound, served + " invalidated sessions served again");
        assertTrue(user.get(a.url("/ops/get?n=counter")).body().matches("\\d+|no-session"));
        return killed;
    }
}

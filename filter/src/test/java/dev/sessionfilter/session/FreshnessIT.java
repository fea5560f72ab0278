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
 * With Redis' invalidation messages (the default) the invalidation connections of both instances are
 * killed every 100 rounds, in the middle of the alternation.
 */
class FreshnessIT {
    private static final int ROUNDS = 1000;

    @Test
    void standalone_alternatingInstances_neverReadStale() {
        try (RedisProcess redis = RedisServers.standalone()) {
            String keyset = TestApps.newKeyset();
            try (EmbeddedTomcat a = cached(TestApps.app(redis.url(), keyset)).start();
                 EmbeddedTomcat b = cached(TestApps.app(redis.url(), keyset)).start()) {
                int killed = alternate(a, b, () -> kill(redis));
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
    void standalone_versionChecksOnly_neverReadStale() {
        try (RedisProcess redis = RedisServers.standalone()) {
            String keyset = TestApps.newKeyset();
            try (EmbeddedTomcat a = cached(TestApps.app(redis.url(), keyset))
                         .param("sessionfilter.nearCache.invalidation", "version").start();
                 EmbeddedTomcat b = cached(TestApps.app(redis.url(), keyset))
                         .param("sessionfilter.nearCache.invalidation", "version").start()) {
                assertEquals(0, alternate(a, b, () -> kill(redis)), "no invalidation connection to kill");
            }
        }
    }

    /** Sentinel: no invalidation feed (documented); the near cache checks every copy's version. */
    @Test
    void sentinel_nearCacheFallsBackToVersionChecks_neverReadStale() {
        try (RedisServers.Sentinel sentinel = new RedisServers.Sentinel()) {
            String keyset = TestApps.newKeyset();
            try (EmbeddedTomcat a = cached(TestApps.app("redis://127.0.0.1:1", keyset))
                         .param("sessionfilter.redis.sentinel.master", RedisServers.Sentinel.MASTER)
                         .param("sessionfilter.redis.sentinel.nodes", sentinel.nodes())
                         .param("sessionfilter.expiry.notifyWithin", "1h").start(); // no sweeps in the counts
                 EmbeddedTomcat b = cached(TestApps.app("redis://127.0.0.1:1", keyset))
                         .param("sessionfilter.redis.sentinel.master", RedisServers.Sentinel.MASTER)
                         .param("sessionfilter.redis.sentinel.nodes", sentinel.nodes())
                         .param("sessionfilter.expiry.notifyWithin", "1h").start()) {
                assertEquals(0, alternate(a, b, () -> kill(sentinel.master)), "no invalidation connection on Sentinel");
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
    void cluster_alternatingInstances_neverReadStale() {
        try (RedisServers.Cluster cluster = new RedisServers.Cluster()) {
            String keyset = TestApps.newKeyset();
            try (EmbeddedTomcat a = cached(TestApps.app("redis://127.0.0.1:1", keyset))
                         .param("sessionfilter.redis.cluster.nodes", cluster.nodes()).start();
                 EmbeddedTomcat b = cached(TestApps.app("redis://127.0.0.1:1", keyset))
                         .param("sessionfilter.redis.cluster.nodes", cluster.nodes()).start()) {
                int killed = alternate(a, b, () -> {
                    int n = 0;
                    for (RedisProcess node : cluster.masters) {
                        n += kill(node);
                    }
                    return n;
                });
                assertTrue(killed >= 18, "invalidation connections killed: " + killed);
            }
        }
    }

    private static EmbeddedTomcat cached(EmbeddedTomcat app) {
        return app.param("sessionfilter.nearCache.maxEntries", "10000");
    }

    /** @return the invalidation connections killed along the way */
    private static int alternate(EmbeddedTomcat a, EmbeddedTomcat b, java.util.function.IntSupplier killTracking) {
        int stale = 0;
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
            if (!String.valueOf(i).equals(user.get(reader.url("/ops/get?n=counter")).body())) {
                stale++;
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
        assertEquals(0, stale, "reads that missed the other instance's write just before, of " + ROUNDS);
        assertEquals(0, served, "invalidated sessions served again");
        assertTrue(user.get(a.url("/ops/get?n=counter")).body().matches("\\d+|no-session"));
        return killed;
    }
}

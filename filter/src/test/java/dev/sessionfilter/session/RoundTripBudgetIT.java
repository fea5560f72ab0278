package dev.sessionfilter.session;

import dev.sessionfilter.testing.Browser;
import dev.sessionfilter.testing.EmbeddedTomcat;
import dev.sessionfilter.testing.RedisProcess;
import dev.sessionfilter.testing.RedisServers;
import dev.sessionfilter.testing.TestApps;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Guarantee 6, counted by Redis itself (INFO commandstats deltas). Script-internal commands show up in
 * commandstats too, so the expected maps list them: the round trips are the hgetall and evalsha entries.
 * If any count grows, this test fails.
 */
class RoundTripBudgetIT {
    /** Our own measuring, and connection housekeeping that is not per request. */
    private static final Set<String> IGNORED = Set.of("info", "ping", "hello", "client|setinfo", "client|setname",
            "select", "auth", "script|load");
    static RedisProcess redis;
    static EmbeddedTomcat app;
    /** The same app without the near cache (the default): every load reads the whole session. */
    static EmbeddedTomcat uncached;

    @BeforeAll
    static void start() {
        redis = RedisServers.standalone();
        // The expiry sweeper's own commands would show in the counts: its first round comes after the test.
        app = TestApps.app(redis.url(), TestApps.newKeyset()).param("sessionfilter.expiry.notifyWithin", "1h")
                .param("sessionfilter.nearCache.maxEntries", "10000").start();
        uncached = TestApps.app(redis.url(), TestApps.newKeyset()).param("sessionfilter.expiry.notifyWithin", "1h")
                .start(); // the default: no near cache
        // Redis learns each script once (EVALSHA, NOSCRIPT, EVAL): not a per-request cost.
        Browser warm = new Browser();
        warm.get(app.url("/ops/set?n=w&v=1"));
        warm.get(app.url("/ops/set?n=w&v=2"));
    }

    @AfterAll
    static void stop() {
        app.close();
        uncached.close();
        redis.close();
    }

    private Map<String, Long> delta(Runnable request) {
        return redis.commandsDuring(request, IGNORED);
    }

    private Browser sessionWithFiveAttributes() {
        Browser b = new Browser();
        for (int i = 0; i < 5; i++) {
            b.get(app.url("/ops/set?n=a" + i + "&v=value" + i));
        }
        return b;
    }

    @Test
    void requestThatNeverAsks_costsZeroCommands() {
        Browser b = sessionWithFiveAttributes();
        assertEquals(Map.of(), delta(() -> assertEquals("untouched", b.get(app.url("/ops/none")).body())));
    }

    /**
     * With the near cache holding the session: one script that compares the session's version (its HGET)
     * and returns 1 instead of the whole hash.
     */
    static final Map<String, Long> CACHED_READ = Map.of("evalsha", 1L, "hget", 1L);

    @Test
    void readOnlyRequest_costsOneRoundTrip() {
        Browser b = sessionWithFiveAttributes();
        assertEquals(CACHED_READ, delta(() -> assertEquals("value3", b.get(app.url("/ops/get?n=a3")).body())));
        // Reading all five attributes is still one round trip.
        assertEquals(CACHED_READ, delta(() -> assertEquals("a0,a1,a2,a3,a4", b.get(app.url("/ops/names")).body())));
    }

    @Test
    void withoutTheNearCache_aReadIsOneHgetall_andAWriteTheSameTwoRoundTrips() {
        Browser b = new Browser();
        for (int i = 0; i < 5; i++) {
            b.get(uncached.url("/ops/set?n=a" + i + "&v=value" + i));
        }
        assertEquals(Map.of("hgetall", 1L), delta(() -> assertEquals("value3", b.get(uncached.url("/ops/get?n=a3")).body())));
        Map<String, Long> write = new java.util.HashMap<>(COMMIT_IN_SCRIPT);
        write.put("hgetall", 1L); // HGETALL and one EVALSHA: two round trips, as with the cache
        write.put("evalsha", 1L);
        write.put("hget", 1L); // the previous version, inside the commit script
        assertEquals(write, delta(() -> b.get(uncached.url("/ops/set?n=a2&v=changed"))));
    }

    @Test
    void aSessionChangedElsewhere_isReadWhole_once() {
        Browser b = sessionWithFiveAttributes();
        // Another instance (the uncached app shares nothing with this one but Redis) cannot change this
        // app's sessions (other keyset), so the change comes through this app; a direct write of the
        // version field stands for another instance's commit.
        try (var j = redis.jedis()) {
            String key = j.keys("*:s:*").stream().filter(k -> j.type(k).equals("hash") && j.hexists(k, "v")
                    && j.hlen(k) == 8).findFirst().orElseThrow();
            j.hset(key, "v", "changed-elsewhere");
        }
        Map<String, Long> first = delta(() -> b.get(app.url("/ops/get?n=a3")));
        assertEquals(Map.of("evalsha", 1L, "hget", 1L, "hgetall", 1L), first,
                "the version differs: the whole session, in the same round trip");
        assertEquals(CACHED_READ, delta(() -> b.get(app.url("/ops/get?n=a3"))));
    }

    @Test
    void writingRequest_costsTwoRoundTrips_andWritesOnlyTheChange() {
        Browser b = sessionWithFiveAttributes();
        Map<String, Long> d = delta(() -> b.get(app.url("/ops/set?n=a2&v=changed")));
        // Round trips: HGETALL + EVALSHA. Inside the script: EXISTS and ZSCORE (alive, not being notified of
        // its expiry), one HSET (a2 + last-access), the deadline index's ZADD, PEXPIRE.
        assertEquals(COMMIT_IN_SCRIPT, d);
    }

    @Test
    void readingAListWithoutChangingIt_writesNothing() {
        Browser b = new Browser();
        b.get(app.url("/ops/cart-add?v=1"));
        b.get(app.url("/ops/cart-add?v=2"));
        assertEquals(CACHED_READ, delta(() -> assertEquals("[1, 2]", b.get(app.url("/ops/get?n=cart")).body())));
        assertEquals(CACHED_READ, delta(() -> assertEquals("[1, 2]", b.get(app.url("/ops/get?n=cart")).body())));
    }

    @Test
    void inPlaceMutation_costsTwoRoundTrips() {
        Browser b = new Browser();
        b.get(app.url("/ops/cart-add?v=1"));
        Map<String, Long> d = delta(() -> b.get(app.url("/ops/cart-add?v=2")));
        assertEquals(COMMIT_IN_SCRIPT, d);
    }

    /**
     * A cached load and a commit: two round trips (two EVALSHA); the rest runs inside the scripts: the
     * load's HGET of the version, the commit's HGET of the version it replaces, EXISTS, ZSCORE, one HSET,
     * ZADD, PEXPIRE.
     */
    static final Map<String, Long> COMMIT_IN_SCRIPT = Map.of("evalsha", 2L, "hget", 2L, "exists", 1L,
            "zscore", 1L, "hset", 1L, "zadd", 1L, "pexpire", 1L);

    /** The same budget on a 3-master Cluster: the deadline index lives in the session's slot, no extra hop. */
    @Test
    void onCluster_readsAndWritesCostTheSame() {
        try (dev.sessionfilter.testing.RedisServers.Cluster cluster = new dev.sessionfilter.testing.RedisServers.Cluster();
             EmbeddedTomcat c = TestApps.app("redis://127.0.0.1:1", TestApps.newKeyset())
                     .param("sessionfilter.redis.cluster.nodes", cluster.nodes())
                     .param("sessionfilter.expiry.notifyWithin", "1h")
                     .param("sessionfilter.nearCache.maxEntries", "10000").start()) {
            Set<String> ignored = new java.util.HashSet<>(IGNORED);
            ignored.addAll(Set.of("cluster|slots", "cluster|shards", "cluster|nodes", "cluster|info", "readonly"));
            for (int i = 0; i < 6; i++) { // sessions on different shards and masters
                Browser b = new Browser();
                for (int k = 0; k < 5; k++) {
                    b.get(c.url("/ops/set?n=a" + k + "&v=value" + k));
                }
                assertEquals(CACHED_READ, onCluster(cluster, ignored,
                        () -> assertEquals("value3", b.get(c.url("/ops/get?n=a3")).body())));
                assertEquals(COMMIT_IN_SCRIPT, onCluster(cluster, ignored, () -> b.get(c.url("/ops/set?n=a2&v=changed"))));
            }
        }
    }

    private static Map<String, Long> onCluster(dev.sessionfilter.testing.RedisServers.Cluster cluster,
                                               Set<String> ignored, Runnable request) {
        java.util.List<Map<String, Long>> before = cluster.masters.stream().map(RedisProcess::commandStats).toList();
        request.run();
        Map<String, Long> delta = new java.util.HashMap<>();
        for (int i = 0; i < cluster.masters.size(); i++) {
            Map<String, Long> b = before.get(i);
            cluster.masters.get(i).commandStats().forEach((k, v) -> {
                long n = v - b.getOrDefault(k, 0L);
                if (n != 0 && !ignored.contains(k)) {
                    delta.merge(k, n, Long::sum);
                }
            });
        }
        return delta;
    }
}

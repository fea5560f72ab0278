package dev.sessionfilter.session;

import dev.sessionfilter.testing.Browser;
import dev.sessionfilter.testing.EmbeddedTomcat;
import dev.sessionfilter.testing.RedisProcess;
import dev.sessionfilter.testing.RedisServers;
import dev.sessionfilter.testing.TestApps;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.ClientKillParams;

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
            "select", "auth", "script|load", "client|id", "client|tracking", "subscribe");
    static RedisProcess redis;
    /** The near cache with Redis' invalidation messages (sessionfilter.nearCache.invalidation=tracking). */
    static EmbeddedTomcat app;
    /** The near cache with version checks only (sessionfilter.nearCache.invalidation=version). */
    static EmbeddedTomcat versioned;
    /** No near cache (the default): every load reads the whole session. */
    static EmbeddedTomcat uncached;

    @BeforeAll
    static void start() {
        redis = RedisServers.standalone();
        // The expiry sweeper's own commands would show in the counts: its first round comes after the test.
        app = TestApps.app(redis.url(), TestApps.newKeyset()).param("sessionfilter.expiry.notifyWithin", "1h")
                .param("sessionfilter.nearCache.maxEntries", "10000")
                .param("sessionfilter.nearCache.invalidation", "tracking").start();
        versioned = TestApps.app(redis.url(), TestApps.newKeyset()).param("sessionfilter.expiry.notifyWithin", "1h")
                .param("sessionfilter.nearCache.maxEntries", "10000")
                .param("sessionfilter.nearCache.invalidation", "version").start();
        uncached = TestApps.app(redis.url(), TestApps.newKeyset()).param("sessionfilter.expiry.notifyWithin", "1h")
                .start();
        // Redis learns each script once (EVALSHA, NOSCRIPT, EVAL): not a per-request cost.
        for (EmbeddedTomcat t : new EmbeddedTomcat[] {app, versioned}) {
            Browser warm = new Browser();
            warm.get(t.url("/ops/set?n=w&v=1"));
            warm.get(t.url("/ops/set?n=w&v=2"));
            settle(t);
        }
    }

    @AfterAll
    static void stop() {
        app.close();
        versioned.close();
        uncached.close();
        redis.close();
    }

    /**
     * Waits until the app applied every invalidation it received and confirmed its own commits, so that
     * what is counted next belongs to the next request (and a confirmation to the request before it).
     */
    static void settle(EmbeddedTomcat t) {
        assertEquals("idle", new Browser().get(t.url("/ops/near-cache-idle")).body());
    }

    private Map<String, Long> delta(Runnable request) {
        return redis.commandsDuring(request, IGNORED);
    }

    /** A request on {@code t} and what follows from it in the background (the confirmation of a commit). */
    private Map<String, Long> settled(EmbeddedTomcat t, Runnable request) {
        return delta(() -> {
            request.run();
            settle(t);
        });
    }

    private Browser sessionWithFiveAttributes(EmbeddedTomcat t) {
        Browser b = new Browser();
        for (int i = 0; i < 5; i++) {
            b.get(t.url("/ops/set?n=a" + i + "&v=value" + i));
        }
        settle(t);
        return b;
    }

    @Test
    void requestThatNeverAsks_costsZeroCommands() {
        Browser b = sessionWithFiveAttributes(app);
        assertEquals(Map.of(), delta(() -> assertEquals("untouched", b.get(app.url("/ops/none")).body())));
    }

    /** A session this instance holds and Redis announced no change of: no round trip at all. */
    static final Map<String, Long> TRACKED_READ = Map.of();

    /**
     * With version checks only: one script that compares the session's version (its HGET) and returns 1
     * instead of the whole hash.
     */
    static final Map<String, Long> CHECKED_READ = Map.of("evalsha", 1L, "hget", 1L);

    @Test
    void readOnlyRequest_costsNoRoundTrip_whenRedisAnnouncedNoChange() {
        Browser b = sessionWithFiveAttributes(app);
        assertEquals(TRACKED_READ, delta(() -> assertEquals("value3", b.get(app.url("/ops/get?n=a3")).body())));
        assertEquals(TRACKED_READ, delta(() -> assertEquals("a0,a1,a2,a3,a4", b.get(app.url("/ops/names")).body())));
    }

    @Test
    void readOnlyRequest_costsOneRoundTrip_withVersionChecks() {
        Browser b = sessionWithFiveAttributes(versioned);
        assertEquals(CHECKED_READ, delta(() -> assertEquals("value3", b.get(versioned.url("/ops/get?n=a3")).body())));
        assertEquals(CHECKED_READ, delta(() -> assertEquals("a0,a1,a2,a3,a4", b.get(versioned.url("/ops/names")).body())));
    }

    @Test
    void withoutTheNearCache_aReadIsOneHgetall_andAWriteTwoRoundTrips() {
        Browser b = new Browser();
        for (int i = 0; i < 5; i++) {
            b.get(uncached.url("/ops/set?n=a" + i + "&v=value" + i));
        }
        assertEquals(Map.of("hgetall", 1L), delta(() -> assertEquals("value3", b.get(uncached.url("/ops/get?n=a3")).body())));
        Map<String, Long> write = new java.util.HashMap<>(COMMIT);
        write.put("hgetall", 1L); // HGETALL and the commit script: two round trips
        assertEquals(write, delta(() -> b.get(uncached.url("/ops/set?n=a2&v=changed"))));
    }

    /** Stands for another instance's commit: a new version written straight into the session's hash. */
    private static void changeVersionInRedis(Browser b) {
        byte[] key = new dev.sessionfilter.store.SessionKey("sessionfilter:app", b.cookies.get("SESSION")).key();
        try (var j = redis.jedis()) {
            assertEquals(0L, j.hset(key, "v".getBytes(), "changed-elsewhere".getBytes()), "an existing session");
        }
    }

    @Test
    void aSessionChangedElsewhere_isReadWhole_once() {
        Browser b = sessionWithFiveAttributes(app);
        changeVersionInRedis(b);
        settle(app); // the invalidation is applied
        assertEquals(Map.of("evalsha", 1L, "hget", 1L, "hgetall", 1L), delta(() -> b.get(app.url("/ops/get?n=a3"))),
                "announced as changed: the version check, answered with the whole session in the same round trip");
        assertEquals(TRACKED_READ, delta(() -> b.get(app.url("/ops/get?n=a3"))));
    }

    @Test
    void aSessionChangedElsewhere_isReadWhole_once_withVersionChecks() {
        Browser b = sessionWithFiveAttributes(versioned);
        changeVersionInRedis(b);
        assertEquals(Map.of("evalsha", 1L, "hget", 1L, "hgetall", 1L), delta(() -> b.get(versioned.url("/ops/get?n=a3"))));
        assertEquals(CHECKED_READ, delta(() -> b.get(versioned.url("/ops/get?n=a3"))));
    }

    /**
     * The commit script alone, one round trip: EXISTS and ZSCORE (alive, not being notified of its expiry),
     * the HGET of the version it replaces, one HSET (the change + last-access + new version), the deadline
     * index's ZADD, PEXPIRE.
     */
    static final Map<String, Long> COMMIT = Map.of("evalsha", 1L, "hget", 1L, "exists", 1L,
            "zscore", 1L, "hset", 1L, "zadd", 1L, "pexpire", 1L);

    /**
     * A cached write with invalidation messages: the commit script is the request's only round trip; once
     * Redis announced that commit, the instance confirms off the request path, with one small script (its
     * HGET), that its copy is still what Redis holds, so the next request needs no round trip.
     */
    static final Map<String, Long> TRACKED_WRITE = plus(COMMIT, Map.of("evalsha", 1L, "hget", 1L));

    /** With version checks only: the load's script and the commit script, two round trips on the request. */
    static final Map<String, Long> CHECKED_WRITE = plus(COMMIT, Map.of("evalsha", 1L, "hget", 1L));

    private static Map<String, Long> plus(Map<String, Long> a, Map<String, Long> b) {
        Map<String, Long> m = new java.util.HashMap<>(a);
        b.forEach((k, v) -> m.merge(k, v, Long::sum));
        return Map.copyOf(m);
    }

    @Test
    void writingRequest_costsTheCommitOnly_andWritesOnlyTheChange() {
        Browser b = sessionWithFiveAttributes(app);
        assertEquals(TRACKED_WRITE, settled(app, () -> b.get(app.url("/ops/set?n=a2&v=changed"))));
        // Confirmed: reading it back, and writing it again, need no load.
        assertEquals(TRACKED_READ, delta(() -> assertEquals("changed", b.get(app.url("/ops/get?n=a2")).body())));
        assertEquals(TRACKED_WRITE, settled(app, () -> b.get(app.url("/ops/set?n=a2&v=again"))));
    }

    @Test
    void writingRequest_costsTwoRoundTrips_withVersionChecks() {
        Browser b = sessionWithFiveAttributes(versioned);
        assertEquals(CHECKED_WRITE, delta(() -> b.get(versioned.url("/ops/set?n=a2&v=changed"))));
    }

    @Test
    void readingAListWithoutChangingIt_writesNothing() {
        Browser b = new Browser();
        b.get(app.url("/ops/cart-add?v=1"));
        b.get(app.url("/ops/cart-add?v=2"));
        settle(app);
        assertEquals(TRACKED_READ, delta(() -> assertEquals("[1, 2]", b.get(app.url("/ops/get?n=cart")).body())));
        assertEquals(TRACKED_READ, delta(() -> assertEquals("[1, 2]", b.get(app.url("/ops/get?n=cart")).body())));
    }

    @Test
    void inPlaceMutation_isOneCommit() {
        Browser b = new Browser();
        b.get(app.url("/ops/cart-add?v=1"));
        settle(app);
        assertEquals(TRACKED_WRITE, settled(app, () -> b.get(app.url("/ops/cart-add?v=2"))));
    }

    /**
     * The invalidation connection killed, and the session changed in Redis right after (nobody announces that
     * change if the feed is not back yet): the next read checks the version and reads the change; once the
     * feed is back, reads cost nothing again.
     */
    @Test
    void trackingConnectionKilled_aChangeMeanwhileIsSeen_andReadsAreFreeAgainOnceItIsBack() {
        Browser b = sessionWithFiveAttributes(app);
        assertEquals(TRACKED_READ, delta(() -> b.get(app.url("/ops/get?n=a3"))));
        try (var j = redis.jedis()) {
            // Not waiting for the feed to come back: this read is to find it down (or just noticed down).
            assertEquals(1, trackingIds(j).stream().mapToLong(id -> j.clientKill(ClientKillParams.clientKillParams().id(id))).sum(),
                    "the app's invalidation connection");
        }
        changeVersionInRedis(b);
        assertEquals(Map.of("evalsha", 1L, "hget", 1L, "hgetall", 1L), delta(() -> b.get(app.url("/ops/get?n=a3"))));
        long end = System.currentTimeMillis() + 10_000;
        Map<String, Long> d;
        do {
            settle(app);
            d = delta(() -> assertEquals("value3", b.get(app.url("/ops/get?n=a3")).body()));
        } while (!d.isEmpty() && System.currentTimeMillis() < end);
        assertEquals(TRACKED_READ, d, "no round trip again once resubscribed");
    }

    /**
     * Kills every sessionfilter invalidation connection on this node and waits until each instance has
     * noticed and subscribed again (a new connection per killed one); returns how many were killed. Until an
     * instance's feed thread has read the end of its connection it cannot know of it (a closed socket has
     * no byte to read): that window is documented in performance.md, and not what these tests measure.
     */
    static long killTracking(Jedis j) {
        java.util.Set<String> killed = new java.util.HashSet<>();
        for (String id : trackingIds(j)) {
            if (j.clientKill(ClientKillParams.clientKillParams().id(id)) > 0) {
                killed.add(id);
            }
        }
        long deadline = System.currentTimeMillis() + 10_000;
        while (true) {
            java.util.Set<String> now = trackingIds(j);
            now.removeAll(killed);
            if (now.size() >= killed.size()) {
                return killed.size();
            }
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("the invalidation connections did not come back: " + j.clientList());
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    private static java.util.Set<String> trackingIds(Jedis j) {
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (String line : j.clientList().split("\n")) {
            if (line.contains(" name=sessionfilter-tracking ")) {
                ids.add(line.substring(line.indexOf("id=") + 3, line.indexOf(' ', line.indexOf("id="))));
            }
        }
        return ids;
    }

    /** The same budget on a 3-master Cluster: the deadline index lives in the session's slot, no extra hop. */
    @Test
    void onCluster_readsAndWritesCostTheSame() {
        try (dev.sessionfilter.testing.RedisServers.Cluster cluster = new dev.sessionfilter.testing.RedisServers.Cluster();
             EmbeddedTomcat c = TestApps.app("redis://127.0.0.1:1", TestApps.newKeyset())
                     .param("sessionfilter.redis.cluster.nodes", cluster.nodes())
                     .param("sessionfilter.expiry.notifyWithin", "1h")
                     .param("sessionfilter.nearCache.maxEntries", "10000")
                     .param("sessionfilter.nearCache.invalidation", "tracking").start()) {
            Set<String> ignored = new java.util.HashSet<>(IGNORED);
            ignored.addAll(Set.of("cluster|slots", "cluster|shards", "cluster|nodes", "cluster|info", "readonly"));
            Browser warm = new Browser(); // the scripts, once per master
            for (int i = 0; i < 24; i++) {
                warm.get(c.url("/ops/set?n=w&v=" + i));
                new Browser().get(c.url("/ops/set?n=w&v=" + i));
            }
            settle(c);
            for (int i = 0; i < 6; i++) { // sessions on different shards and masters
                Browser b = new Browser();
                for (int k = 0; k < 5; k++) {
                    b.get(c.url("/ops/set?n=a" + k + "&v=value" + k));
                }
                settle(c);
                assertEquals(TRACKED_READ, onCluster(cluster, ignored,
                        () -> assertEquals("value3", b.get(c.url("/ops/get?n=a3")).body())));
                assertEquals(TRACKED_WRITE, onCluster(cluster, ignored, () -> {
                    b.get(c.url("/ops/set?n=a2&v=changed"));
                    settle(c);
                }));
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

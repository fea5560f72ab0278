package dev.sessionfilter.hardening;

import dev.sessionfilter.RateLimitFilter;
import dev.sessionfilter.HealthServlet;
import dev.sessionfilter.testing.Browser;
import dev.sessionfilter.testing.EmbeddedTomcat;
import dev.sessionfilter.testing.RedisProcess;
import dev.sessionfilter.testing.RedisServers;
import dev.sessionfilter.testing.TcpProxy;
import dev.sessionfilter.testing.TestApps;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 9 items 5, 6 and 8: the outage path, against real Redis processes stopped, restarted and paused. */
class OutageHardeningIT {
    static final String TOKEN = "outage-test-health-token-0123";

    static EmbeddedTomcat app(String url, String keyset, String ns) {
        return TestApps.app(url, keyset).param("sessionfilter.namespace", ns)
                .param("sessionfilter.health.token", TOKEN)
                .servlet("health", new HealthServlet(), "/health/*");
    }

    /**
     * Item 5: Redis SIGKILLed-style stop and restarted empty. A session that existed before and changed
     * during the outage is written back whole (not only its delta: its key is gone, and no tombstone says it
     * was invalidated), so both the write acknowledged during the outage and the older attributes survive.
     */
    @Test
    void emptyRestart_aSessionChangedDuringTheOutage_isWrittenBackWhole() throws Exception {
        String keyset = TestApps.newKeyset();
        try (RedisProcess redis = RedisServers.standalone();
             EmbeddedTomcat a = app(redis.url(), keyset, "empty").param("sessionfilter.redis.timeout", "300ms").start()) {
            Browser user = new Browser();
            assertEquals("ok", user.get(a.url("/ops/set?n=old&v=from-before")).body());
            redis.stop();
            assertEquals("ok", user.get(a.url("/ops/set?n=new&v=during-outage")).body());
            redis.restart(); // empty: no persistence
            String cookie = user.cookies.get("SESSION");
            String seen = awaitFromRedis(redis, keyset, "empty", cookie, "new", "during-outage");
            assertEquals("during-outage", seen, "the write acknowledged during the outage survives");
            try (EmbeddedTomcat b = app(redis.url(), keyset, "empty").start()) {
                assertEquals("from-before", Browser.withSession(cookie).get(b.url("/ops/get?n=old")).body());
                assertEquals("during-outage", Browser.withSession(cookie).get(b.url("/ops/get?n=new")).body());
            }
        }
    }

    /** Item 5: a session invalidated elsewhere during a partition stays invalidated: the tombstone wins. */
    @Test
    void partition_aSessionInvalidatedElsewhere_isNotBroughtBackByTheWriteBack() throws Exception {
        String keyset = TestApps.newKeyset();
        try (RedisProcess redis = RedisServers.standalone();
             TcpProxy partition = new TcpProxy(redis.port());
             EmbeddedTomcat a = app(partition.url(), keyset, "tomb").param("sessionfilter.redis.timeout", "300ms").start();
             EmbeddedTomcat b = app(redis.url(), keyset, "tomb").start()) {
            Browser user = new Browser();
            assertEquals("ok", user.get(a.url("/ops/set?n=user&v=ann")).body());
            String cookie = user.cookies.get("SESSION");
            partition.cut();
            assertEquals("invalidated", Browser.withSession(cookie).get(b.url("/ops/invalidate")).body());
            assertEquals("ok", Browser.withSession(cookie).get(a.url("/ops/set?n=late&v=x")).body());
            partition.restore();
            awaitNoPendingWriteBack(a);
            assertEquals("no-session", Browser.withSession(cookie).get(b.url("/ops/get?n=user")).body());
        }
    }

    /**
     * Item 5: during an outage a local copy is served only until its session's own deadline, not for a
     * fixed hour: an idled-out session is not brought back by the fallback.
     */
    @Test
    void outage_aLocalCopyIsNotServedPastItsSessionsDeadline() throws Exception {
        try (RedisProcess redis = RedisServers.standalone();
             EmbeddedTomcat a = app(redis.url(), TestApps.newKeyset(), "deadline")
                     .param("sessionfilter.redis.timeout", "300ms").start()) {
            Browser user = new Browser();
            assertEquals("ok", user.get(a.url("/ops/setmax?v=2")).body());
            assertEquals("ok", user.get(a.url("/ops/set?n=user&v=ann")).body());
            String cookie = user.cookies.get("SESSION");
            // A read-only request: the local copy is refreshed from Redis by a load, not by a commit.
            assertEquals("ann", Browser.withSession(cookie).get(a.url("/ops/get?n=user")).body());
            redis.pause();
            try {
                assertEquals("ann", Browser.withSession(cookie).get(a.url("/ops/get?n=user")).body(),
                        "within its deadline the local copy serves");
                Thread.sleep(2_500);
                assertEquals("no-session", Browser.withSession(cookie).get(a.url("/ops/get?n=user")).body(),
                        "past its idle deadline it is gone, outage or not");
            } finally {
                redis.resume();
            }
        }
    }

    /**
     * Item 5: after Redis restarted, the pool's connections are dead ("Unexpected end of stream" on first
     * use). They are retried on fresh connections: no outage is declared and nothing is served from the
     * local copy.
     */
    @Test
    void restartedRedis_brokenPooledConnectionsAreRetried_notTakenForAnOutage() throws Exception {
        String keyset = TestApps.newKeyset();
        try (RedisProcess redis = RedisServers.standalone();
             EmbeddedTomcat a = app(redis.url(), keyset, "broken").start()) {
            Browser user = new Browser();
            for (int i = 0; i < 5; i++) {
                assertEquals("ok", user.get(a.url("/ops/set?n=n&v=" + i)).body());
            }
            redis.stop();
            redis.restart();
            Browser fresh = new Browser();
            assertEquals("ok", fresh.get(a.url("/ops/set?n=after&v=restart")).body());
            String details = new Browser().get(a.url("/health/ready"), Map.of("Authorization", "Bearer " + TOKEN)).body();
            assertTrue(details.contains("\"mode\":\"redis\"") && details.contains("\"redisOutages\":0"), details);
            try (redis.clients.jedis.Jedis j = redis.jedis()) {
                assertEquals(1, j.keys("broken:s:{*}:???????????????????????????????????????????").size(), "the new session went to Redis");
            }
        }
    }

    /**
     * Item 6: with a hung Redis and the pool exhausted, no request waits longer than one
     * sessionfilter.redis.timeout (pool wait and command share it), and once one request timed out the others
     * stop waiting on Redis.
     */
    @Test
    void hungRedis_noRequestWaitsLongerThanTheTimeout_evenWithThePoolExhausted() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try (RedisProcess redis = RedisServers.standalone();
             EmbeddedTomcat a = app(redis.url(), TestApps.newKeyset(), "budget")
                     .param("sessionfilter.redis.timeout", "1s").param("sessionfilter.redis.pool.maxTotal", "2").start()) {
            List<String> cookies = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                Browser b = new Browser();
                assertEquals("ok", b.get(a.url("/ops/set?n=x&v=" + i)).body());
                cookies.add(b.cookies.get("SESSION"));
            }
            redis.pause();
            try {
                List<CompletableFuture<Long>> times = new ArrayList<>();
                for (String c : cookies) {
                    times.add(CompletableFuture.supplyAsync(() -> {
                        long t0 = System.nanoTime();
                        Browser.Response r = Browser.withSession(c).get(a.url("/ops/set?n=y&v=during"));
                        assertEquals(200, r.status(), r.body());
                        return (System.nanoTime() - t0) / 1_000_000;
                    }, pool));
                }
                long worst = 0;
                for (CompletableFuture<Long> t : times) {
                    worst = Math.max(worst, t.join());
                }
                assertTrue(worst < 1_400, "the slowest request took " + worst + " ms with a 1 s timeout");
            } finally {
                redis.resume();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Item 8: one monitor per pool. Once a session request found Redis hung, readiness (memory mode) and the
     * rate limiter answer from the shared state at once; and readiness never waits longer than its bound.
     */
    @Test
    void hungRedis_readinessAndRateLimitsAnswerFromTheSharedMonitor() throws Exception {
        try (RedisProcess redis = RedisServers.standalone();
             EmbeddedTomcat a = app(redis.url(), TestApps.newKeyset(), "monitor")
                     .filter("limit", new RateLimitFilter(), Map.of("sessionfilter.ratelimit.limits", "100 per minute"),
                             "/ops/x/*").start()) {
            Browser user = new Browser();
            assertEquals("ok", user.get(a.url("/ops/set?n=x&v=1")).body());
            redis.pause();
            try {
                long t0 = System.nanoTime();
                Browser.Response ready = new Browser().get(a.url("/health/ready"));
                long readyMs = (System.nanoTime() - t0) / 1_000_000;
                assertEquals(200, ready.status(), "memory mode stays ready: " + ready.body());
                assertTrue(readyMs < 900, "readiness answered in " + readyMs + " ms (bound 500 ms, timeout 2 s)");

                assertEquals("ok", user.get(a.url("/ops/set?n=x&v=2")).body()); // marks Redis down, if not yet
                for (String path : new String[] {"/ops/x/none", "/health/ready", "/ops/get?n=x"}) {
                    long s = System.nanoTime();
                    Browser.Response r = user.get(a.url(path));
                    long ms = (System.nanoTime() - s) / 1_000_000;
                    assertEquals(200, r.status(), path);
                    assertTrue(ms < 300, path + " waited " + ms + " ms on a Redis already known to be down");
                }
            } finally {
                redis.resume();
            }
        }
    }

    /** Polls a fresh instance until it reads {@code expected} for the attribute from Redis. */
    static String awaitFromRedis(RedisProcess redis, String keyset, String ns, String cookie, String n, String expected)
            throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        String seen = null;
        try (redis.clients.jedis.Jedis j = redis.jedis()) {
            dev.sessionfilter.store.SessionKey key = new dev.sessionfilter.store.SessionKey(ns, cookie);
            while (System.currentTimeMillis() < deadline) {
                if (j.hexists(key.key(), key.attributeField(n).getBytes(java.nio.charset.StandardCharsets.US_ASCII))) {
                    return expected;
                }
                Thread.sleep(100);
            }
        }
        return seen;
    }

    static void awaitNoPendingWriteBack(EmbeddedTomcat a) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (System.currentTimeMillis() < deadline) {
            String d = new Browser().get(a.url("/health/ready"), Map.of("Authorization", "Bearer " + TOKEN)).body();
            if (d.contains("\"mode\":\"redis\"") && d.contains("\"pendingWriteBacks\":0")) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the write-back did not finish within 30 s");
    }
}

package dev.sessionfilter.session;

import dev.sessionfilter.testing.Browser;
import dev.sessionfilter.testing.EmbeddedTomcat;
import dev.sessionfilter.testing.RedisProcess;
import dev.sessionfilter.testing.RedisServers;
import dev.sessionfilter.testing.TestApps;
import dev.sessionfilter.store.SessionKey;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Guarantee 5: concurrent requests on one session. */
class ConcurrencyIT {
    static final String NS = "conc";
    static RedisProcess redis;
    static EmbeddedTomcat app;
    static ExecutorService pool = Executors.newFixedThreadPool(4);

    @BeforeAll
    static void start() {
        redis = RedisServers.standalone();
        app = TestApps.app(redis.url(), TestApps.newKeyset()).param("sessionfilter.namespace", NS).start();
    }

    @AfterAll
    static void stop() {
        pool.shutdownNow();
        app.close();
        redis.close();
    }

    @Test
    void twoRequestsChangingDifferentAttributes_neverLoseAChange_1000Trials() {
        Browser b = new Browser();
        b.get(app.url("/ops/set?n=a&v=start"));
        String cookie = b.cookies.get("SESSION");
        int lost = 0;
        for (int i = 0; i < 1000; i++) {
            int trial = i;
            // Both load before either commits (each sleeps 2 ms between load and setAttribute).
            CompletableFuture<String> x = CompletableFuture.supplyAsync(
                    () -> Browser.withSession(cookie).get(app.url("/ops/slow-set?ms=2&n=a&v=a" + trial)).body(), pool);
            CompletableFuture<String> y = CompletableFuture.supplyAsync(
                    () -> Browser.withSession(cookie).get(app.url("/ops/slow-set?ms=2&n=b&v=b" + trial)).body(), pool);
            assertEquals("ok", x.join());
            assertEquals("ok", y.join());
            String a = Browser.withSession(cookie).get(app.url("/ops/get?n=a")).body();
            String bb = Browser.withSession(cookie).get(app.url("/ops/get?n=b")).body();
            if (!a.equals("a" + trial) || !bb.equals("b" + trial)) {
                lost++;
            }
        }
        assertEquals(0, lost, "trials that lost an update");
    }

    @Test
    void invalidateWins_overARequestStillInFlight() throws Exception {
        for (int i = 0; i < 20; i++) {
            Browser b = new Browser();
            b.get(app.url("/ops/set?n=user&v=u" + i));
            String cookie = b.cookies.get("SESSION");
            SessionKey key = new SessionKey(NS, cookie);
            CompletableFuture<Browser.Response> slow = CompletableFuture.supplyAsync(
                    () -> Browser.withSession(cookie).get(app.url("/ops/slow-set?ms=300&n=late&v=resurrect")), pool);
            Thread.sleep(100); // the slow request has loaded the session
            assertEquals("invalidated", Browser.withSession(cookie).get(app.url("/ops/invalidate")).body());
            Browser.Response r = slow.join();
            assertEquals(200, r.status(), "the in-flight request finishes normally");
            assertEquals("no-session", Browser.withSession(cookie).get(app.url("/ops/get?n=late")).body());
            try (Jedis j = redis.jedis()) {
                Set<String> keys = j.keys(key.toString() + "*");
                assertEquals(Set.of(new String(key.tombstone())), keys, "only the tombstone remains");
                long ttl = j.pttl(key.tombstone());
                org.junit.jupiter.api.Assertions.assertTrue(ttl > 0 && ttl <= 120_000, "tombstone is short-lived");
            }
        }
    }
}

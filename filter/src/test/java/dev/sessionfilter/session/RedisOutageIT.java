package dev.sessionfilter.session;

import dev.sessionfilter.store.SessionKey;
import dev.sessionfilter.testing.Browser;
import dev.sessionfilter.testing.EmbeddedTomcat;
import dev.sessionfilter.testing.RedisProcess;
import dev.sessionfilter.testing.RedisServers;
import dev.sessionfilter.testing.TcpProxy;
import dev.sessionfilter.testing.TestApps;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Guarantee 8: what requests see while Redis is unreachable, in both modes, and the write-back after. */
class RedisOutageIT {

    @Test
    void memoryMode_servesDuringAnOutage_andWritesBackWithin30Seconds() throws Exception {
        String keyset = TestApps.newKeyset();
        try (RedisProcess redis = RedisServers.standalone();
             EmbeddedTomcat app = TestApps.app(redis.url(), keyset).param("sessionfilter.namespace", "out")
                     .param("sessionfilter.redis.timeout", "300ms").start()) {
            Browser known = new Browser();
            known.get(app.url("/ops/set?n=x&v=before"));
            known.get(app.url("/ops/set?n=keep&v=kept"));
            SessionKey knownKey = new SessionKey("out", known.cookies.get("SESSION"));

            redis.pause(); // accepts connections, answers nothing: the worst kind of outage
            try {
                Browser.Response r = known.get(app.url("/ops/get?n=x"));
                assertEquals(200, r.status());
                assertEquals("before", r.body(), "a session this instance holds a copy of stays readable");
                assertEquals("ok", known.get(app.url("/ops/set?n=x&v=during")).body());
                assertEquals("during", known.get(app.url("/ops/get?n=x")).body());
                Browser fresh = new Browser();
                assertEquals("ok", fresh.get(app.url("/ops/set?n=y&v=born-in-outage")).body());
                assertEquals("born-in-outage", fresh.get(app.url("/ops/get?n=y")).body());
                for (int i = 0; i < 20; i++) {
                    long t0 = System.nanoTime();
                    assertEquals(200, known.get(app.url("/ops/get?n=keep")).status());
                    assertTrue((System.nanoTime() - t0) / 1_000_000 < 300, "no request waits on a dead Redis");
                }
                redis.resume();

                // Within 30 s the sessions created or changed meanwhile are in Redis.
                SessionKey freshKey = new SessionKey("out", fresh.cookies.get("SESSION"));
                long deadline = System.currentTimeMillis() + 30_000;
                boolean back = false;
                while (!back && System.currentTimeMillis() < deadline) {
                    Thread.sleep(100);
                    try (Jedis j = redis.jedis()) {
                        back = j.exists(freshKey.key());
                    }
                }
                assertTrue(back, "a session created during the outage is written back");
            } finally {
                redis.resume();
            }
            // A second instance that never saw the outage reads both from Redis.
            try (EmbeddedTomcat other = TestApps.app(redis.url(), keyset).param("sessionfilter.namespace", "out")
                    .start()) {
                assertEquals("during", withCookie(known).get(other.url("/ops/get?n=x")).body());
                assertEquals("kept", withCookie(known).get(other.url("/ops/get?n=keep")).body());
            }
            try (Jedis j = redis.jedis()) {
                assertTrue(j.hexists(knownKey.key(), knownKey.attributeField("x").getBytes(StandardCharsets.US_ASCII)));
            }
        }
    }

    @Test
    void failMode_answers503ToSessionRequests_andLeavesOthersAlone() throws Exception {
        try (RedisProcess redis = RedisServers.standalone();
             EmbeddedTomcat app = TestApps.app(redis.url(), TestApps.newKeyset())
                     .param("sessionfilter.onRedisFailure", "fail")
                     .param("sessionfilter.redis.timeout", "300ms").start()) {
            Browser b = new Browser();
            b.get(app.url("/ops/set?n=x&v=1"));
            redis.stop();
            Browser.Response existing = b.get(app.url("/ops/get?n=x"));
            assertEquals(503, existing.status());
            assertEquals("5", existing.header("Retry-After"));
            assertFalse(existing.body().contains("Exception"), existing.body());
            assertEquals(503, new Browser().get(app.url("/ops/new")).status());
            assertEquals(200, b.get(app.url("/ops/none")).status(), "requests that never touch the session work");
            redis.restart();
            long deadline = System.currentTimeMillis() + 30_000;
            int status = 0;
            while (status != 200 && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
                status = new Browser().get(app.url("/ops/new")).status();
            }
            assertEquals(200, status, "sessions work again once Redis is back");
        }
    }

    static Browser withCookie(Browser from) {
        Browser b = new Browser();
        b.cookies.putAll(from.cookies);
        return b;
    }

    @Test
    void memoryMode_writeBack_keepsTheNewerWriteOfAnAttributeChangedOnBothSides() throws Exception {
        String keyset = TestApps.newKeyset();
        try (RedisProcess redis = RedisServers.standalone();
             TcpProxy partition = new TcpProxy(redis.port());
             EmbeddedTomcat a = TestApps.app(partition.url(), keyset).param("sessionfilter.namespace", "wb")
                     .param("sessionfilter.redis.timeout", "300ms").start();
             EmbeddedTomcat b = TestApps.app(redis.url(), keyset).param("sessionfilter.namespace", "wb").start()) {
            Browser user = new Browser();
            user.get(a.url("/ops/set?n=x&v=orig"));
            user.get(a.url("/ops/set?n=w&v=orig"));
            String cookie = user.cookies.get("SESSION");
            SessionKey key = new SessionKey("wb", cookie);

            partition.cut(); // instance A loses Redis; B keeps it
            assertEquals("orig", user.get(a.url("/ops/get?n=x")).body());
            assertEquals("ok", user.get(a.url("/ops/set?n=x&v=from-A-early")).body());
            Thread.sleep(50);
            assertEquals("ok", Browser.withSession(cookie).get(b.url("/ops/set?n=x&v=from-B-later")).body());
            assertEquals("ok", Browser.withSession(cookie).get(b.url("/ops/set?n=w&v=from-B-early")).body());
            Thread.sleep(50);
            assertEquals("ok", user.get(a.url("/ops/set?n=w&v=from-A-later")).body());
            assertEquals("ok", user.get(a.url("/ops/set?n=z&v=only-on-A")).body());
            partition.restore();

            long deadline = System.currentTimeMillis() + 30_000;
            boolean back = false;
            while (!back && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
                try (Jedis j = redis.jedis()) {
                    back = j.hexists(key.key(), key.attributeField("z").getBytes(StandardCharsets.US_ASCII));
                }
            }
            assertTrue(back, "A wrote its outage changes back");
            Browser viaB = Browser.withSession(cookie);
            assertEquals("from-B-later", viaB.get(b.url("/ops/get?n=x")).body(), "B's newer write is kept");
            assertEquals("from-A-later", viaB.get(b.url("/ops/get?n=w")).body(), "A's newer write wins");
            assertEquals("only-on-A", viaB.get(b.url("/ops/get?n=z")).body());
        }
    }
}

package dev.sessionfilter.session;

import dev.sessionfilter.store.SessionKey;
import dev.sessionfilter.testing.Browser;
import dev.sessionfilter.testing.EmbeddedTomcat;
import dev.sessionfilter.testing.RedisProcess;
import dev.sessionfilter.testing.RedisServers;
import dev.sessionfilter.testing.TestApps;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.util.JedisClusterCRC16;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Guarantee 7: a 3-master Redis Cluster and Sentinel (with a real failover), against real servers. */
class TopologiesIT {

    @Test
    void cluster_sessionsWork_keysShareASlot_andChangeSessionIdNeedsNoCrossSlotRename() {
        try (RedisServers.Cluster cluster = new RedisServers.Cluster();
             EmbeddedTomcat app = TestApps.app("redis://127.0.0.1:1", TestApps.newKeyset())
                     .param("sessionfilter.redis.cluster.nodes", cluster.nodes())
                     .param("sessionfilter.namespace", "cl").start()) {
            Set<Integer> slots = new HashSet<>();
            for (int i = 0; i < 12; i++) {
                Browser b = new Browser();
                b.get(app.url("/ops/set?n=user&v=u" + i));
                b.get(app.url("/ops/cart-add?v=item" + i));
                String before = b.cookies.get("SESSION");
                String[] ids = b.get(app.url("/ops/change")).body().split(" ");
                assertEquals(before, ids[0]);
                assertEquals("u" + i, b.get(app.url("/ops/get?n=user")).body());
                assertEquals("[item" + i + ", again]", b.get(app.url("/ops/cart-add?v=again")).body());
                assertEquals("no-session", Browser.withSession(before).get(app.url("/ops/get?n=user")).body());
                SessionKey k = new SessionKey("cl", ids[1]);
                assertEquals(JedisClusterCRC16.getSlot(k.key()), JedisClusterCRC16.getSlot(k.tombstone()));
                slots.add(JedisClusterCRC16.getSlot(k.key()) * 3 / 16384);
            }
            assertTrue(slots.size() >= 2, "sessions spread over several masters: " + slots);
        }
    }

    @Test
    void sentinel_sessionsSurviveAFailover() throws Exception {
        try (RedisServers.Sentinel sentinel = new RedisServers.Sentinel();
             EmbeddedTomcat app = TestApps.app("redis://127.0.0.1:1", TestApps.newKeyset())
                     .param("sessionfilter.redis.sentinel.master", RedisServers.Sentinel.MASTER)
                     .param("sessionfilter.redis.sentinel.nodes", sentinel.nodes())
                     .param("sessionfilter.redis.timeout", "500ms").start()) {
            Browser b = new Browser();
            b.get(app.url("/ops/set?n=user&v=before-failover"));
            try (Jedis m = sentinel.master.jedis()) {
                assertEquals(1, m.waitReplicas(1, 2000), "replicated before the master dies");
            }
            int oldMaster = sentinel.master.port();
            sentinel.master.stop();
            // Requests keep working during the failover (memory fallback), never a 5xx.
            long deadline = System.currentTimeMillis() + 30_000;
            boolean promoted = false;
            while (System.currentTimeMillis() < deadline && !promoted) {
                Browser.Response r = b.get(app.url("/ops/get?n=user"));
                assertTrue(r.status() < 500, "status " + r.status());
                assertEquals("before-failover", r.body());
                try (Jedis s = sentinel.sentinels.get(0).jedis()) {
                    promoted = !s.sentinelGetMasterAddrByName(RedisServers.Sentinel.MASTER).get(1)
                            .equals(String.valueOf(oldMaster));
                }
                Thread.sleep(200);
            }
            assertTrue(promoted, "sentinel promoted the replica");
            // After the failover the session is served by the new master.
            deadline = System.currentTimeMillis() + 30_000;
            String seen = null;
            SessionKey key = new SessionKey("sessionfilter:app", b.cookies.get("SESSION"));
            byte[] field = utf8(key.attributeField("after"));
            while (System.currentTimeMillis() < deadline) {
                b.get(app.url("/ops/set?n=after&v=on-new-master"));
                try (Jedis r = sentinel.replica.jedis()) {
                    if (r.info("replication").contains("role:master") && r.hexists(key.key(), field)) {
                        seen = b.get(app.url("/ops/get?n=after")).body();
                        break;
                    }
                }
                Thread.sleep(200);
            }
            assertEquals("on-new-master", seen, "written to the promoted master itself");
            assertEquals("before-failover", b.get(app.url("/ops/get?n=user")).body());
            assertNotEquals(oldMaster, sentinel.replica.port());
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Issue 9 item 9: sentinels that require a password of their own are reached with the sentinel credentials. */
    @Test
    void sentinelsWithTheirOwnPassword_areReachedWithTheSentinelCredentials() {
        try (RedisServers.Sentinel sentinel = new RedisServers.Sentinel("sentinel-s3cret")) {
            try (redis.clients.jedis.Jedis anonymous = new redis.clients.jedis.Jedis("127.0.0.1",
                    sentinel.sentinels.get(0).port())) {
                redis.clients.jedis.exceptions.JedisDataException e = org.junit.jupiter.api.Assertions.assertThrows(
                        redis.clients.jedis.exceptions.JedisDataException.class, anonymous::ping);
                assertTrue(String.valueOf(e.getMessage()).startsWith("NOAUTH"), e.getMessage());
            }
            try (EmbeddedTomcat app = TestApps.app("redis://unused:6379", TestApps.newKeyset())
                    .param("sessionfilter.redis.sentinel.master", RedisServers.Sentinel.MASTER)
                    .param("sessionfilter.redis.sentinel.nodes", sentinel.nodes())
                    .param("sessionfilter.redis.sentinel.password", "sentinel-s3cret").start()) {
                Browser b = new Browser();
                b.get(app.url("/ops/set?n=user&v=via-sentinel"));
                assertEquals("via-sentinel", b.get(app.url("/ops/get?n=user")).body());
                try (redis.clients.jedis.Jedis j = sentinel.master.jedis()) {
                    assertEquals(1, j.keys("sessionfilter:app:s:{*}:???????????????????????????????????????????").size(), "written to the master the sentinels named");
                }
            }
        }
    }
}

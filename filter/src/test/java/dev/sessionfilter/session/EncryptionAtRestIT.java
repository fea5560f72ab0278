package dev.sessionfilter.session;

import com.google.crypto.tink.KeysetHandle;
import dev.sessionfilter.crypto.Keysets;
import dev.sessionfilter.store.SessionKey;
import dev.sessionfilter.testing.Browser;
import dev.sessionfilter.testing.EmbeddedTomcat;
import dev.sessionfilter.testing.RedisProcess;
import dev.sessionfilter.testing.RedisServers;
import dev.sessionfilter.testing.TestApps;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Guarantees 1 and 2: nothing readable in Redis, values bound to their place, keyset rotation. */
class EncryptionAtRestIT {
    static final String NS = "enc-test";
    static RedisProcess redis;
    static KeysetHandle oldKeys;
    static KeysetHandle rotated;
    static EmbeddedTomcat oldApp;
    static EmbeddedTomcat newApp;

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServers.standalone();
        oldKeys = Keysets.generate();
        rotated = Keysets.rotate(oldKeys);
        oldApp = TestApps.app(redis.url(), Keysets.toJson(oldKeys)).param("sessionfilter.namespace", NS).start();
        newApp = TestApps.app(redis.url(), Keysets.toJson(rotated)).param("sessionfilter.namespace", NS).start();
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {oldApp, newApp, redis}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // keep closing the rest
            }
        }
    }

    /** Every key and every value (hash fields and values, strings) the filter wrote, as text. */
    static List<String> dump() {
        List<String> out = new ArrayList<>();
        try (Jedis j = redis.jedis()) {
            for (byte[] k : j.keys("*".getBytes(StandardCharsets.UTF_8))) {
                out.add(new String(k, StandardCharsets.ISO_8859_1));
                String type = j.type(k);
                if ("hash".equals(type)) {
                    for (Map.Entry<byte[], byte[]> e : j.hgetAll(k).entrySet()) {
                        out.add(new String(e.getKey(), StandardCharsets.ISO_8859_1));
                        out.add(new String(e.getValue(), StandardCharsets.ISO_8859_1));
                    }
                } else if ("string".equals(type)) {
                    out.add(new String(j.get(k), StandardCharsets.ISO_8859_1));
                }
            }
        }
        return out;
    }

    @Test
    void redisDump_holdsNoIdNoNameNoValueInClear() {
        Browser b = new Browser();
        b.get(oldApp.url("/ops/set?n=cardNumber&v=4111111111111111"));
        b.get(oldApp.url("/ops/set?n=isAdmin&v=yes-admin-flag"));
        b.get(oldApp.url("/ops/cart-add?v=secret-cart-item"));
        String id = b.cookies.get("SESSION");
        b.get(oldApp.url("/ops/change"));
        String newId = b.cookies.get("SESSION");
        Browser other = new Browser();
        other.get(oldApp.url("/ops/set?n=x&v=to-be-invalidated"));
        String invalidatedId = other.cookies.get("SESSION");
        other.get(oldApp.url("/ops/invalidate"));

        List<String> dump = dump();
        assertFalse(dump.isEmpty());
        String all = String.join("\n", dump);
        for (String secret : List.of(id, newId, invalidatedId, "4111111111111111", "cardNumber", "isAdmin",
                "yes-admin-flag", "secret-cart-item", "cart", "to-be-invalidated")) {
            assertFalse(all.contains(secret), "found in clear in Redis: " + secret);
        }
        // And the id's hash is what names the key (so the test looked at the right data).
        assertTrue(all.contains(new SessionKey(NS, newId).hash()));
    }

    @Test
    void valueCopiedToAnotherSessionOrAttribute_doesNotOpen() {
        Browser a = new Browser();
        a.get(oldApp.url("/ops/set?n=role&v=admin"));
        a.get(oldApp.url("/ops/set?n=nick&v=al"));
        Browser b = new Browser();
        b.get(oldApp.url("/ops/set?n=role&v=guest"));
        SessionKey ka = new SessionKey(NS, a.cookies.get("SESSION"));
        SessionKey kb = new SessionKey(NS, b.cookies.get("SESSION"));
        try (Jedis j = redis.jedis()) {
            byte[] adminValue = j.hget(ka.key(), ka.attributeField("role").getBytes(StandardCharsets.US_ASCII));
            assertNotNull(adminValue);
            // Another session's field:
            j.hset(kb.key(), kb.attributeField("role").getBytes(StandardCharsets.US_ASCII), adminValue);
            // Another attribute of the same session:
            j.hset(ka.key(), ka.attributeField("nick").getBytes(StandardCharsets.US_ASCII), adminValue);
            BadInputIT.unversion(j, ka);
            BadInputIT.unversion(j, kb);
        }
        assertEquals("null", b.get(oldApp.url("/ops/get?n=role")).body());
        assertEquals("null", a.get(oldApp.url("/ops/get?n=nick")).body());
        assertEquals("admin", a.get(oldApp.url("/ops/get?n=role")).body(), "the original still opens");
    }

    @Test
    void afterRotation_oldSessionsRead_andChangedValuesUseTheNewPrimary() {
        Browser user = new Browser();
        user.get(oldApp.url("/ops/set?n=kept&v=written-under-old-key"));
        user.get(oldApp.url("/ops/set?n=changed&v=v1"));
        SessionKey k = new SessionKey(NS, user.cookies.get("SESSION"));
        int oldPrimary = oldKeys.getPrimary().getId();
        int newPrimary = rotated.getPrimary().getId();
        assertNotEquals(oldPrimary, newPrimary);
        assertEquals(oldPrimary, keyIdOf(k, "changed"));

        // The same user now hits an instance running the rotated keyset: no re-login.
        assertEquals("written-under-old-key", user.get(newApp.url("/ops/get?n=kept")).body());
        user.get(newApp.url("/ops/set?n=changed&v=v2"));
        assertEquals(newPrimary, keyIdOf(k, "changed"), "a changed value is sealed with the new primary");
        assertEquals(oldPrimary, keyIdOf(k, "kept"), "an unchanged value is not rewritten");
        // Instances still on the old keyset cannot open the new value (why rotation adds keys first).
        assertEquals("v2", user.get(newApp.url("/ops/get?n=changed")).body());
    }

    /** Tink's 5-byte prefix: version byte 1, then the key id. */
    static int keyIdOf(SessionKey k, String attribute) {
        try (Jedis j = redis.jedis()) {
            byte[] v = j.hget(k.key(), k.attributeField(attribute).getBytes(StandardCharsets.US_ASCII));
            assertEquals(1, v[0]);
            return ByteBuffer.wrap(v, 1, 4).getInt();
        }
    }
}

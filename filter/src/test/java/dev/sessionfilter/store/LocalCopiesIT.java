package dev.sessionfilter.store;

import dev.sessionfilter.config.RedisConfig;
import dev.sessionfilter.testing.RedisProcess;
import dev.sessionfilter.testing.RedisServers;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The write-back journal against real Redis: changes racing with a write-back are never lost (issue 9, item 5). */
class LocalCopiesIT {

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aChangeMadeWhileTheWriteBackRuns_isKeptForTheNextPass() {
        try (RedisProcess redis = RedisServers.standalone();
             JedisRedisApi api = new JedisRedisApi(RedisConfig.standalone("127.0.0.1", redis.port(), Duration.ofSeconds(2), 4))) {
            RedisSessionBackend store = new RedisSessionBackend(api);
            LocalCopies copies = new LocalCopies(1 << 20);
            SessionKey key = new SessionKey("lc", "a".repeat(43));
            store.commit(key, new Delta(true, Map.of("m", b("meta"), "a:one", b("1")), List.of(), 60_000));
            copies.loaded(key, store.load(key));
            copies.commitLocally(key, new Delta(false, Map.of("a:one", b("1-outage")), List.of(), 60_000));

            // The first write-back pass reads Redis' write times: a request commits locally right then.
            AtomicBoolean raced = new AtomicBoolean();
            int written = copies.writeBack(store, (k, f, sealed) -> {
                if (raced.compareAndSet(false, true)) {
                    copies.commitLocally(key, new Delta(false, Map.of("a:two", b("2-racing")), List.of(), 60_000));
                }
                return -1;
            });
            assertEquals(1, written);
            assertEquals(1, copies.pending(), "the racing change is still pending, not forgotten");
            assertNull(store.load(key).get("a:two"));

            assertEquals(1, copies.writeBack(store, (k, f, sealed) -> -1));
            assertEquals(0, copies.pending());
            Map<String, byte[]> stored = store.load(key);
            assertArrayEquals(b("1-outage"), stored.get("a:one"));
            assertArrayEquals(b("2-racing"), stored.get("a:two"));
        }
    }

    /**
     * Issue 13: another instance writes the same attribute between the write-back's read of Redis and its
     * commit. The commit is refused (the version moved), the write-back compares again and keeps the newer
     * write instead of overwriting it with what it had compared against before.
     */
    @Test
    void aWriteFromElsewhereBetweenTheWriteBacksReadAndItsCommit_isNotOverwritten() {
        try (RedisProcess redis = RedisServers.standalone();
             JedisRedisApi api = new JedisRedisApi(RedisConfig.standalone("127.0.0.1", redis.port(), Duration.ofSeconds(2), 4))) {
            RedisSessionBackend store = new RedisSessionBackend(api);
            LocalCopies copies = new LocalCopies(1 << 20);
            SessionKey key = new SessionKey("lc", "c".repeat(43));
            store.commit(key, new Delta(true, Map.of("m", b("meta"), "a:one", b("1")), List.of(), 60_000));
            copies.loaded(key, store.load(key));
            copies.commitLocally(key, new Delta(false, Map.of("a:one", b("1-outage")), List.of(), 60_000));

            AtomicBoolean raced = new AtomicBoolean();
            copies.writeBack(store, (k, f, sealed) -> {
                if (java.util.Arrays.equals(sealed, b("1-elsewhere-later"))) {
                    return Long.MAX_VALUE; // the other instance's write is the newer one
                }
                if (raced.compareAndSet(false, true)) {
                    store.commit(key, new Delta(false, Map.of("a:one", b("1-elsewhere-later")), List.of(), 60_000));
                }
                return -1;
            });
            assertEquals(0, copies.pending());
            assertArrayEquals(b("1-elsewhere-later"), store.load(key).get("a:one"),
                    "the write that came in between is kept, not overwritten by the older comparison");
        }
    }

    /** A key Redis refuses (something else planted under it) is dropped; the other sessions are written back. */
    @Test
    void aSessionRedisRefusesToTakeBack_isDropped_andDoesNotHoldUpTheOthers() {
        try (RedisProcess redis = RedisServers.standalone();
             JedisRedisApi api = new JedisRedisApi(RedisConfig.standalone("127.0.0.1", redis.port(), Duration.ofSeconds(2), 4));
             redis.clients.jedis.Jedis j = redis.jedis()) {
            RedisSessionBackend store = new RedisSessionBackend(api);
            LocalCopies copies = new LocalCopies(1 << 20);
            SessionKey planted = new SessionKey("lc", "d".repeat(43));
            SessionKey fine = new SessionKey("lc", "e".repeat(43));
            for (SessionKey k : List.of(planted, fine)) {
                store.commit(k, new Delta(true, Map.of("m", b("meta"), "a:one", b("1")), List.of(), 60_000));
                copies.loaded(k, store.load(k));
                copies.commitLocally(k, new Delta(false, Map.of("a:one", b("1-outage")), List.of(), 60_000));
            }
            j.del(planted.key());
            j.set(planted.key(), b("not a hash"));
            assertEquals(2, copies.writeBack(store, (k, f, sealed) -> -1));
            assertEquals(0, copies.pending(), "nothing left pending to block the switch back to Redis");
            assertArrayEquals(b("1-outage"), store.load(fine).get("a:one"));
        }
    }

    @Test
    void aCopyIsNotServedPastItsDeadline_andAPendingOneOfADeadSessionIsDropped() {
        AtomicLong now = new AtomicLong(1_000_000);
        LocalCopies copies = new LocalCopies(1 << 20, now::get);
        SessionKey key = new SessionKey("lc", "b".repeat(43));
        copies.loaded(key, Map.of("m", b("meta")));
        copies.deadline(key, now.get() + 5_000);
        copies.commitLocally(key, new Delta(false, Map.of("a:x", b("x")), List.of(), 5_000));
        assertEquals(1, copies.pending());
        now.addAndGet(5_001);
        assertNull(copies.get(key));
        assertEquals(0, copies.pending(), "a dead session has nothing to write back");
    }
}

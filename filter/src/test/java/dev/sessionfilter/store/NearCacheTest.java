package dev.sessionfilter.store;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * When the near cache may serve a copy without asking Redis: the stamps taken before a round trip, what an
 * invalidation or a reset does to them, and the confirmation of own commits. The Redis side (the feed, the
 * scripts) is covered by FreshnessIT and RoundTripBudgetIT.
 */
class NearCacheTest {
    private static final SessionKey KEY = new SessionKey("sessionfilter:test", "A".repeat(43));
    private static final byte[] V1 = "v1".getBytes();

    /** A feed whose confirmations run when the test says. */
    private static final class TestFeed implements NearCache.Feed {
        final AtomicBoolean quiet = new AtomicBoolean(true);
        final List<Runnable> pending = new ArrayList<>();

        @Override
        public boolean quiet() {
            return quiet.get();
        }

        @Override
        public void execute(Runnable confirmation) {
            pending.add(confirmation);
        }

        void runPending() {
            List<Runnable> now = new ArrayList<>(pending);
            pending.clear();
            now.forEach(Runnable::run);
        }
    }

    private static Map<String, byte[]> fields(byte[] version) {
        return Map.of(SessionKey.VERSION, version, SessionKey.META, new byte[] {1});
    }

    private final NearCache cache = new NearCache(100, 1 << 20);
    private final TestFeed feed = new TestFeed();

    private NearCache.Entry load(byte[] version) {
        long epoch = cache.epoch();
        long stripe = cache.stripe(KEY.hash());
        cache.loaded(KEY, fields(version), epoch, stripe);
        return cache.get(KEY.hash());
    }

    @Test
    void withoutAFeed_nothingIsServedWithoutARoundTrip() {
        NearCache.Entry e = load(V1);
        assertFalse(cache.current(KEY.hash(), e));
    }

    @Test
    void aCopyLoadedWhileTheFeedListens_isCurrent_untilItsKeyIsAnnounced() {
        cache.feed(feed);
        NearCache.Entry e = load(V1);
        assertTrue(cache.current(KEY.hash(), e));
        cache.invalidated(KEY.hash());
        assertFalse(cache.current(KEY.hash(), e));
    }

    @Test
    void anAnnouncementDuringTheRoundTrip_leavesItsResultUnvouched() {
        cache.feed(feed);
        long epoch = cache.epoch();
        long stripe = cache.stripe(KEY.hash());
        cache.invalidated(KEY.hash()); // arrives while the HGETALL is in flight
        cache.loaded(KEY, fields(V1), epoch, stripe);
        assertFalse(cache.current(KEY.hash(), cache.get(KEY.hash())));
    }

    @Test
    void aResetOrANoisyFeed_makesEveryCopyCheckItsVersion() {
        cache.feed(feed);
        NearCache.Entry e = load(V1);
        feed.quiet.set(false); // something unread on the subscriber's socket
        assertFalse(cache.current(KEY.hash(), e));
        feed.quiet.set(true);
        assertTrue(cache.current(KEY.hash(), e));
        cache.reset(); // reconnected, flushed, or a new node
        assertFalse(cache.current(KEY.hash(), e));
        // A version check after the reset vouches for it again, as of that check's own stamp.
        cache.verified(KEY.hash(), e, cache.epoch(), cache.stripe(KEY.hash()));
        assertTrue(cache.current(KEY.hash(), cache.get(KEY.hash())));
    }

    @Test
    void anOwnCommit_isConfirmedOnceAnnounced_ifRedisStillHoldsItsVersion() {
        cache.feed(feed);
        load(V1);
        List<List<SessionKey>> asked = new ArrayList<>();
        byte[][] redisHolds = new byte[1][];
        cache.versions(keys -> {
            asked.add(keys);
            return java.util.Collections.nCopies(keys.size(), redisHolds[0]);
        });
        byte[] v2 = "v2".getBytes();
        cache.committing(KEY.hash());
        long epoch = cache.epoch();
        long stripe = cache.stripe(KEY.hash());
        cache.invalidated(KEY.hash()); // our own commit's announcement, before its reply was handled
        cache.committed(KEY, new Delta(false, Map.of("a:x", new byte[] {2}), List.of(), 1000), V1, v2, epoch, stripe);
        NearCache.Entry e = cache.get(KEY.hash());
        assertNotNull(e);
        assertFalse(cache.current(KEY.hash(), e), "announced: not vouched for until confirmed");
        assertEquals(1, feed.pending.size(), "one confirmation, not one per trigger");
        redisHolds[0] = v2;
        feed.runPending();
        assertEquals(1, asked.size());
        assertTrue(cache.current(KEY.hash(), cache.get(KEY.hash())));
        assertEquals(1, cache.confirmations());
        assertTrue(cache.idle());
    }

    @Test
    void anOwnCommitOverwrittenElsewhere_isNotConfirmed() {
        cache.feed(feed);
        load(V1);
        cache.versions(keys -> java.util.Collections.nCopies(keys.size(), "someone-else".getBytes()));
        long epoch = cache.epoch();
        long stripe = cache.stripe(KEY.hash());
        cache.committing(KEY.hash());
        cache.committed(KEY, new Delta(false, Map.of("a:x", new byte[] {2}), List.of(), 1000), V1, "v2".getBytes(),
                epoch, stripe);
        cache.invalidated(KEY.hash()); // the announcement: ours, or a later write's merged into it
        feed.runPending();
        NearCache.Entry e = cache.get(KEY.hash());
        assertFalse(cache.current(KEY.hash(), e));
        assertFalse(e.mine(), "the version check will read the other write");
        assertEquals(0, cache.confirmations());
    }

    @Test
    void whatWasMadeOfAField_followsTheArray_notTheName() {
        cache.feed(feed);
        NearCache.Entry e = load(V1);
        byte[] meta = e.fields().get(SessionKey.META);
        e.fields().opened(SessionKey.META, meta, "opened");
        assertSame("opened", e.fields().opened(SessionKey.META, meta));
        assertEquals(null, e.fields().opened(SessionKey.META, new byte[] {1}), "an equal array is another value");
    }
}

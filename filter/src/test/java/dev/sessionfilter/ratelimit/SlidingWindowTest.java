package dev.sessionfilter.ratelimit;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sliding-window counter (issue 9 item 10), on the in-memory twin of the Redis script with a clock we
 * drive: the accuracy docs/rate-limiting.md states, and O(1) state whatever the limit.
 */
class SlidingWindowTest {
    final AtomicLong now = new AtomicLong(1_000_000_000L);
    final LocalRateLimiter limiter = new LocalRateLimiter(1000, now::get);
    final List<Limit> fivePerMinute = Limit.parse("5 per minute");

    Decision hit() {
        return limiter.decide("f", "c", fivePerMinute, true);
    }

    @Test
    void aBurstFromIdle_getsExactlyTheLimit_thenRetryAfterTellsWhenTheNextFits() {
        for (int i = 0; i < 5; i++) {
            Decision d = hit();
            assertTrue(d.allowed());
            assertEquals(4 - i, d.quotas().get(0).remaining());
        }
        Decision refused = hit();
        assertFalse(refused.allowed());
        // 5 in this window: the next fits once the window ended and 1/5 of it passed (previous x 4/5 + 0 + 1 = 5).
        assertEquals(72, refused.quotas().get(0).retrySeconds());
        assertEquals(60, refused.retryAfterSeconds(), "Retry-After never exceeds the window");
        now.addAndGet(71_000);
        assertFalse(hit().allowed());
        now.addAndGet(1_000);
        assertTrue(hit().allowed(), "at 72 s one more fits");
        assertFalse(hit().allowed());
    }

    @Test
    void saturatingTraffic_getsBetweenNMinusOneAndNPerWindow() {
        int allowed = 0;
        for (int i = 0; i < 600; i++) { // 10 minutes, one request every second
            if (hit().allowed()) {
                allowed++;
            }
            now.addAndGet(1_000);
        }
        // An exact sliding window lets 50 through in 10 minutes; the counter settles at (N-1)/N of that under
        // saturating traffic (docs/rate-limiting.md), never above it.
        assertTrue(allowed >= 40 && allowed <= 50, "allowed " + allowed + " of 600 at 5/min over 10 min");
    }

    @Test
    void anyWindow_neverSeesMoreThanTwiceTheLimit() {
        // Adversarial: the previous window's requests all at its very end, the next ones as early as allowed.
        List<Long> times = new java.util.ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            if (hit().allowed()) {
                times.add(now.get());
            }
            now.addAndGet(97); // ~10 tries a second
        }
        int worst = 0;
        for (int i = 0, j = 0; i < times.size(); i++) {
            while (times.get(i) - times.get(j) >= 60_000) {
                j++;
            }
            worst = Math.max(worst, i - j + 1);
        }
        assertTrue(worst <= 2 * 5 - 1, "a 60 s window saw " + worst + " requests under 5 per minute");
    }

    @Test
    void stateIsConstantPerClientAndItem_andKeysAreBounded() {
        LocalRateLimiter small = new LocalRateLimiter(100, now::get);
        for (int i = 0; i < 10_000; i++) {
            small.decide("f", "client-" + i, Limit.parse("100000 per day"), true);
        }
        assertEquals(100, small.size(), "least recently used clients dropped past maxKeys");
    }
}

package dev.sessionfilter.ratelimit;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LimitTest {
    @Test
    void parse_flaskLimiterForms() {
        assertEquals(List.of(new Limit(200, 3600, "200/1h"), new Limit(20, 60, "20/1m")),
                Limit.parse("200 per hour, 20 per minute"));
        assertEquals(List.of(new Limit(5, 60, "5/1m")), Limit.parse("5/minute"));
        assertEquals(List.of(new Limit(10, 300, "10/5m"), new Limit(3, 1, "3/1s"), new Limit(1000, 86400, "1000/1d")),
                Limit.parse("10 per 5 minutes; 3/second ; 1000 per day"));
        assertEquals(1, Limit.parse("5 per minute, 5/minute").size(), "duplicates collapse");
    }

    @Test
    void parse_badItems_nameTheItemAndTheSyntax() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Limit.parse("5 per fortnight"));
        assertTrue(e.getMessage().contains("`5 per fortnight`") && e.getMessage().contains("N per [M]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Limit.parse("0 per minute"));
        assertThrows(IllegalArgumentException.class, () -> Limit.parse(""));
        assertThrows(IllegalArgumentException.class, () -> Limit.parse("lots"));
    }

    @Test
    void retryAfter_isAtLeastOneAndAtMostTheBlockingWindow() {
        Limit perMinute = new Limit(1, 60, "1/1m");
        assertEquals(1, new Decision(false, List.of(new Decision.Quota(perMinute, 0, 0, 0))).retryAfterSeconds());
        assertEquals(42, new Decision(false, List.of(new Decision.Quota(perMinute, 0, 90, 42))).retryAfterSeconds());
        assertEquals(60, new Decision(false, List.of(new Decision.Quota(perMinute, 0, 600, 600))).retryAfterSeconds());
    }
}

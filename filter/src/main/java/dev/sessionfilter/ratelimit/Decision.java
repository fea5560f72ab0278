package dev.sessionfilter.ratelimit;

import java.util.List;

/**
 * The outcome of one request against all items of a limit string, decided atomically.
 *
 * @param allowed whether the request may proceed (it was counted against every item)
 * @param quotas  each item's state after the decision, the least remaining first
 * @param blockedSeconds seconds the client is still blocked by the meta limit (0: not blocked)
 * @param counted what was counted (null when nothing was, or by the local fallback)
 */
public record Decision(boolean allowed, List<Quota> quotas, long blockedSeconds, Counted counted) {

    public Decision(boolean allowed, List<Quota> quotas) {
        this(allowed, quotas, 0, null);
    }

    /**
     * What a counted request added, to take it back (a {@code countWhen} response that did not match).
     *
     * @param cost         units counted
     * @param windowStarts each item's window start the units went into
     */
    public record Counted(int cost, long[] windowStarts) {
    }

    /**
     * @param limit        the item
     * @param remaining    requests left now
     * @param resetSeconds seconds until the current window ends, at most the window (0 when nothing is
     *                     counted); its count then fades out over the next window
     * @param retrySeconds seconds until one more request would be allowed (0 when one is allowed now)
     */
    public record Quota(Limit limit, int remaining, long resetSeconds, long retrySeconds) {
    }

    /** Seconds to wait before retrying a refused request: at least 1, at most the longest blocking window. */
    public long retryAfterSeconds() {
        if (blockedSeconds > 0) {
            return blockedSeconds;
        }
        long wait = 1;
        for (Quota q : quotas) {
            if (q.retrySeconds() > 0 || q.remaining() <= 0) {
                wait = Math.max(wait, Math.min(q.limit().windowSeconds(), Math.max(1, q.retrySeconds())));
            }
        }
        return wait;
    }
}

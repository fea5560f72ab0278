package dev.sessionfilter.cdi;

import java.util.List;

/**
 * One decision of the rate limiter.
 *
 * @param allowed           whether the call was counted and may go on
 * @param limits            the state of each item after the decision, the least remaining first; empty when
 *                          Redis is down and the configured fallback allowed the call unlimited
 * @param retryAfterSeconds for a refusal, the seconds until a retry can pass (at least 1); else 0
 */
public record RateLimitResult(boolean allowed, List<Quota> limits, long retryAfterSeconds) {

    public RateLimitResult {
        limits = List.copyOf(limits);
    }

    /**
     * @param name         the item as written, e.g. {@code 5 per minute}
     * @param limit        calls allowed per window
     * @param windowSeconds the window
     * @param remaining    calls left now
     * @param resetSeconds seconds until the window's count is spent
     */
    public record Quota(String name, int limit, long windowSeconds, int remaining, long resetSeconds) {
    }

    /** Calls left under the tightest item; -1 when nothing limits. */
    public int remaining() {
        return limits.isEmpty() ? -1 : limits.get(0).remaining();
    }

    /** Seconds until the tightest item resets; 0 when nothing limits. */
    public long resetSeconds() {
        return limits.isEmpty() ? 0 : limits.get(0).resetSeconds();
    }

    /** The IETF {@code RateLimit-Policy} header value, as the filter sends it; null when nothing limits. */
    public String policyHeader() {
        return header(q -> "q=" + q.limit() + ";w=" + q.windowSeconds());
    }

    /** The IETF {@code RateLimit} header value, as the filter sends it; null when nothing limits. */
    public String stateHeader() {
        return header(q -> "r=" + q.remaining() + ";t=" + q.resetSeconds());
    }

    private String header(java.util.function.Function<Quota, String> params) {
        if (limits.isEmpty()) {
            return null;
        }
        StringBuilder sb = new StringBuilder();
        for (Quota q : limits) {
            sb.append(sb.length() > 0 ? ", " : "").append('"').append(q.name()).append("\";").append(params.apply(q));
        }
        return sb.toString();
    }
}

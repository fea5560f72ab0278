package dev.sessionfilter.cdi;

/**
 * The application's rate limiter, for limits decided in code: {@code @Inject RateLimiter limiter;}. Counts
 * in Redis, shared by every instance, on the application's one connection pool; while Redis is down it
 * follows {@code sessionfilter.ratelimit.onRedisFailure} as the filter does.
 */
public interface RateLimiter {

    /**
     * Counts one call of {@code key} against {@code limits} if every item allows it.
     *
     * @param key    who is counted, e.g. {@code "login:" + userName}
     * @param limits e.g. {@code "5 per minute, 100 per day"}
     * @throws IllegalArgumentException when {@code limits} does not parse
     * @throws IllegalStateException    when Redis is down and {@code onRedisFailure=deny}
     */
    RateLimitResult tryAcquire(String key, String limits);
}

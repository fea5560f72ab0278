package dev.sessionfilter.cdi;

/** The readiness view of the health servlet, for code: {@code @Inject RedisHealth health;}. */
public interface RedisHealth {

    /**
     * Redis' state now, from the pool's shared monitor; waits at most 500 ms (or the Redis timeout).
     */
    Status check();

    /**
     * @param up        whether sessions are served from Redis
     * @param mode      {@code redis}, {@code memory-fallback} or {@code unavailable}, as the health servlet says
     * @param latencyMs the last PING's round trip, -1 when unknown
     */
    record Status(boolean up, String mode, double latencyMs) {
    }
}

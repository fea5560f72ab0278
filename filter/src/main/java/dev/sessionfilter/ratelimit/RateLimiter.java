package dev.sessionfilter.ratelimit;

import dev.sessionfilter.store.RedisApi;
import dev.sessionfilter.store.RedisUnavailableException;

import dev.sessionfilter.store.RedisMonitor;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Decides requests in Redis and, while the pool's {@link RedisMonitor} says Redis is down, per
 * {@code onRedisFailure}: {@code local} (the same limits in this JVM), {@code allow} or {@code deny}. No
 * request waits on a Redis the monitor knows to be down. Logs once when it switches each way.
 */
public final class RateLimiter implements AutoCloseable, RedisMonitor.Listener {
    private static final System.Logger LOG = System.getLogger("dev.sessionfilter.ratelimit");

    public enum FailureMode { LOCAL, ALLOW, DENY }

    private final String namespace;
    private final RedisRateLimiter redis;
    private final LocalRateLimiter local;
    private final FailureMode failureMode;
    private final RedisMonitor monitor;

    public RateLimiter(String namespace, RedisApi api, FailureMode failureMode, int maxKeys, LongSupplier clock) {
        this(namespace, api, failureMode, maxKeys, clock, ClientHash.keyedBy(null));
    }

    public RateLimiter(String namespace, RedisApi api, FailureMode failureMode, int maxKeys, LongSupplier clock,
                       ClientHash clientHash) {
        this.namespace = namespace;
        this.redis = new RedisRateLimiter(api, namespace, clientHash);
        this.local = new LocalRateLimiter(maxKeys, clock);
        this.failureMode = failureMode;
        this.monitor = api.monitor();
        monitor.addListener(this);
    }

    /** The decision, or null when Redis is down and the mode is {@code deny} (the caller answers 503). */
    public Decision decide(String scope, String client, List<Limit> limits, boolean consume) {
        return decide(scope, client, limits, consume, 1, null);
    }

    /**
     * The decision for a request of {@code cost} units under an optional meta limit (not kept by the local
     * fallback), or null when Redis is down and the mode is {@code deny}.
     */
    public Decision decide(String scope, String client, List<Limit> limits, boolean consume, int cost,
                           RedisRateLimiter.Meta meta) {
        if (monitor.available()) {
            try {
                return redis.decide(scope, client, limits, consume, cost, meta);
            } catch (RedisUnavailableException e) {
                monitor.failed(e);
            }
        }
        return switch (failureMode) {
            case LOCAL -> local.decide(scope, client, limits, consume, cost);
            case ALLOW -> new Decision(true, List.of());
            case DENY -> null;
        };
    }

    /** Takes back a counted request; where it was counted (Redis, or locally when it has no record of Redis). */
    public void refund(String scope, String client, List<Limit> limits, Decision d, int cost) {
        if (!d.allowed() || cost == 0) {
            return;
        }
        if (d.counted() == null) {
            if (failureMode == FailureMode.LOCAL) {
                local.refund(scope, client, limits, cost);
            }
            return;
        }
        try {
            redis.refund(scope, client, limits, d.counted());
        } catch (RedisUnavailableException e) {
            monitor.failed(e); // the request stays counted: errs on the side of the limit
        }
    }

    public boolean redisAvailable() {
        return monitor.available();
    }

    @Override
    public void down(RedisUnavailableException e) {
        LOG.log(Level.WARNING, () -> namespace + " - rate limiting: " + switch (failureMode) {
            case LOCAL -> "enforcing the limits per instance until Redis returns";
            case ALLOW -> "allowing every request until Redis returns";
            case DENY -> "answering 503 on limited paths until Redis returns";
        });
    }

    @Override
    public void up() {
        LOG.log(Level.INFO, () -> namespace + " - rate limiting: Redis is reachable again; shared limits resume");
    }

    @Override
    public void close() {
        monitor.removeListener(this);
    }
}

package dev.sessionfilter.ratelimit;

import dev.sessionfilter.store.RedisApi;
import dev.sessionfilter.store.RedisUnavailableException;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Decides requests in Redis and, while Redis is unreachable, per {@code onRedisFailure}: {@code local}
 * (the same limits in this JVM), {@code allow} or {@code deny}. While Redis is down no request waits on it:
 * a background probe (250 ms doubling to 8 s) notices its return. Logs once when it switches each way.
 */
public final class RateLimiter implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.sessionfilter.ratelimit");

    public enum FailureMode { LOCAL, ALLOW, DENY }

    private final String namespace;
    private final RedisApi api;
    private final RedisRateLimiter redis;
    private final LocalRateLimiter local;
    private final FailureMode failureMode;
    private final ScheduledExecutorService prober;
    private volatile boolean down;
    private long backoffMs = 250;

    public RateLimiter(String namespace, RedisApi api, FailureMode failureMode, int maxKeys, LongSupplier clock) {
        this.namespace = namespace;
        this.api = api;
        this.redis = new RedisRateLimiter(api, namespace);
        this.local = new LocalRateLimiter(maxKeys, clock);
        this.failureMode = failureMode;
        this.prober = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sessionfilter-ratelimit-prober[" + namespace + "]");
            t.setDaemon(true);
            return t;
        });
    }

    /** The decision, or null when Redis is down and the mode is {@code deny} (the caller answers 503). */
    public Decision decide(String scope, String client, List<Limit> limits, boolean consume) {
        if (!down) {
            try {
                return redis.decide(scope, client, limits, consume);
            } catch (RedisUnavailableException e) {
                markDown(e);
            }
        }
        return switch (failureMode) {
            case LOCAL -> local.decide(scope, client, limits, consume);
            case ALLOW -> new Decision(true, List.of());
            case DENY -> null;
        };
    }

    public boolean redisAvailable() {
        return !down;
    }

    private synchronized void markDown(RedisUnavailableException e) {
        if (down) {
            return;
        }
        down = true;
        backoffMs = 250;
        LOG.log(Level.WARNING, () -> namespace + " - rate limiting: Redis unreachable (" + e.getMessage()
                + "); " + switch (failureMode) {
                    case LOCAL -> "enforcing the limits per instance until it returns";
                    case ALLOW -> "allowing every request until it returns";
                    case DENY -> "answering 503 on limited paths until it returns";
                });
        schedule();
    }

    private void schedule() {
        try {
            prober.schedule(this::probe, backoffMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closed) {
            // shutting down
        }
    }

    private void probe() {
        try {
            api.ping();
            down = false;
            LOG.log(Level.INFO, () -> namespace + " - rate limiting: Redis is reachable again; shared limits resume");
        } catch (RuntimeException e) {
            synchronized (this) {
                backoffMs = Math.min(8_000, backoffMs * 2);
            }
            schedule();
        }
    }

    @Override
    public void close() {
        prober.shutdownNow();
    }
}

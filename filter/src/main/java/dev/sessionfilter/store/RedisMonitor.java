package dev.sessionfilter.store;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Whether one connection pool's Redis is serving, shared by every component on that pool (sessions, rate
 * limits, health): the first command that fails marks Redis down for all of them at once, so no later
 * request waits on it again; one background prober then PINGs with capped exponential backoff (250 ms
 * doubling to 1 s: the cap bounds how long requests stay on the fallback after Redis is back) and, once Redis
 * answers, lets each component catch up ({@link Listener#recovering}, e.g. the session write-back) before it is
 * declared up.
 */
public final class RedisMonitor implements AutoCloseable {
    private static final Logger LOG = System.getLogger("dev.sessionfilter.store");
    static final long MIN_BACKOFF_MS = 250;
    static final long MAX_BACKOFF_MS = 1_000;
    /** A readiness answer may reuse a PING this recent instead of sending another. */
    static final long PING_REUSE_MS = 1_000;

    /** What a component does when Redis goes down and comes back. */
    public interface Listener {
        /** Redis just became unreachable (called once per outage, on the failing request's thread). */
        default void down(RedisUnavailableException cause) {
        }

        /**
         * Redis answers PING again but is not yet declared up: catch up now (write back); throwing
         * {@link RedisUnavailableException} keeps Redis down and the prober retries.
         */
        default void recovering() {
        }

        /** Redis is declared up: requests use it again. */
        default void up() {
        }
    }

    /**
     * What readiness reports.
     *
     * @param available Redis is serving, as far as this instance knows
     * @param latencyMs the last PING's duration, or -1 when none answered within the bound
     */
    public record State(boolean available, double latencyMs) {
    }

    private final String name;
    private final Runnable ping;
    private final ScheduledExecutorService prober;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong outages = new AtomicLong();
    private volatile boolean down;
    private long backoffMs = MIN_BACKOFF_MS;
    private volatile double lastLatencyMs = -1;
    private volatile long lastPingAt;
    private volatile CompletableFuture<Double> pingInFlight;

    RedisMonitor(String name, Runnable ping) {
        this.name = name;
        this.ping = ping;
        this.prober = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sessionfilter-redis-monitor[" + name + "]");
            t.setDaemon(true);
            return t;
        });
    }

    public void addListener(Listener l) {
        listeners.add(l);
    }

    public void removeListener(Listener l) {
        listeners.remove(l);
    }

    /** Whether requests should use Redis now. No round trip. */
    public boolean available() {
        return !down;
    }

    /** How many times Redis became unreachable since start. */
    public long outages() {
        return outages.get();
    }

    /** A command failed because Redis cannot serve: everyone stops using it until the prober says otherwise. */
    public void failed(RedisUnavailableException e) {
        synchronized (this) {
            if (down) {
                return;
            }
            down = true;
            outages.incrementAndGet();
            backoffMs = MIN_BACKOFF_MS;
        }
        lastLatencyMs = -1;
        LOG.log(Level.WARNING, () -> name + " - Redis unreachable (" + e.getMessage() + ")");
        for (Listener l : listeners) {
            try {
                l.down(e);
            } catch (RuntimeException ex) {
                LOG.log(Level.WARNING, name + " - outage listener failed", ex);
            }
        }
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
            timedPing();
            for (Listener l : listeners) {
                l.recovering();
            }
            down = false;
            for (Listener l : listeners) {
                l.up();
            }
            LOG.log(Level.INFO, () -> name + " - Redis is reachable again");
        } catch (RuntimeException e) {
            synchronized (this) {
                backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
            }
            schedule();
        }
    }

    private double timedPing() {
        long t0 = System.nanoTime();
        ping.run();
        double ms = Math.round((System.nanoTime() - t0) / 10_000.0) / 100.0;
        lastLatencyMs = ms;
        lastPingAt = System.currentTimeMillis();
        return ms;
    }

    /**
     * For readiness probes: never waits longer than {@code boundMs}. While Redis is down the answer comes
     * from this state at once; otherwise a PING (or one from the last second) times it. A PING still
     * running at the bound makes the answer "not available" and is left to finish in the background
     * (marking Redis down for everyone if it fails), so concurrent probes share one PING.
     */
    public State state(long boundMs) {
        if (down) {
            return new State(false, -1);
        }
        if (System.currentTimeMillis() - lastPingAt < PING_REUSE_MS && lastLatencyMs >= 0) {
            return new State(true, lastLatencyMs);
        }
        CompletableFuture<Double> f;
        synchronized (this) {
            f = pingInFlight;
            if (f == null || f.isDone()) {
                f = new CompletableFuture<>();
                pingInFlight = f;
                CompletableFuture<Double> target = f;
                try {
                    prober.execute(() -> {
                        try {
                            target.complete(timedPing());
                        } catch (RedisUnavailableException e) {
                            failed(e);
                            target.completeExceptionally(e);
                        } catch (RuntimeException e) {
                            target.completeExceptionally(e);
                        }
                    });
                } catch (RejectedExecutionException closed) {
                    return new State(!down, -1);
                }
            }
        }
        try {
            return new State(true, f.get(boundMs, TimeUnit.MILLISECONDS));
        } catch (TimeoutException e) {
            return new State(false, -1); // no answer within the bound: not ready, whatever comes later
        } catch (ExecutionException e) {
            return new State(!down, -1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new State(!down, -1);
        }
    }

    @Override
    public void close() {
        prober.shutdownNow();
    }
}

package dev.sessionfilter.session;

import dev.sessionfilter.store.RedisUnavailableException;
import dev.sessionfilter.store.ResilientSessionBackend;
import dev.sessionfilter.store.SessionBackend;
import dev.sessionfilter.store.SessionKey;
import dev.sessionfilter.store.Shards;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Turns deadlines into events. Every instance sweeps every shard's deadline index a few times per
 * {@code sessionfilter.expiry.notifyWithin}; a Lua script moves the due sessions to the shard's claims with a
 * lease, atomically, so exactly one instance gets each. It opens the session (its data outlives the deadline
 * by {@code sessionfilter.expiry.retention}, but no request is served it past the deadline), fires what an
 * invalidation fires, and deletes it. An instance that dies holding a claim leaves it to whichever sweeper
 * finds the lease ended: that session's events may then fire twice (at-least-once), never zero times.
 * Sessions born in memory during a Redis outage expire from memory.
 */
public final class ExpirySweeper implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.sessionfilter.session.expiry");
    /** Sessions claimed per script call; a full batch is followed by another one at once. */
    static final int BATCH = 100;

    private final SessionEngine engine;
    private final long intervalMillis;
    private final long leaseMillis;
    private final ScheduledExecutorService executor;
    private final AtomicLong notified = new AtomicLong();
    private final AtomicLong lost = new AtomicLong();
    private final AtomicLong claimCalls = new AtomicLong();
    private volatile boolean closed;

    /**
     * @param threads where the sweeper's thread comes from: the container's managed thread factory when it
     *                has one (so listeners can use the app's JNDI names), else a plain daemon thread
     */
    public ExpirySweeper(SessionEngine engine, ThreadFactory threads) {
        this.engine = engine;
        Duration within = engine.config.notifyWithin();
        this.intervalMillis = Math.max(200, within.toMillis() / 4);
        this.leaseMillis = lease(within);
        this.executor = Executors.newSingleThreadScheduledExecutor(threads);
        engine.sweeper(this);
    }

    /** How long a claim is held before another instance may take it over: 6 x notifyWithin. */
    public static long lease(Duration notifyWithin) {
        return notifyWithin.toMillis() * 6;
    }

    public void start() {
        // Spread over half an interval, so instances started together do not sweep in step.
        long first = intervalMillis / 2 + ThreadLocalRandom.current().nextLong(intervalMillis / 2 + 1);
        executor.scheduleWithFixedDelay(this::sweepQuietly, first, intervalMillis, TimeUnit.MILLISECONDS);
    }

    /**
     * Counters since start.
     *
     * @param notified   sessions whose expiry this instance notified
     * @param lost       expired sessions whose data was gone when claimed (no events possible)
     * @param claimCalls claim scripts run (the sweep's fixed cost: one per shard per round)
     */
    public record Counters(long notified, long lost, long claimCalls) {
    }

    public Counters counters() {
        return new Counters(notified.get(), lost.get(), claimCalls.get());
    }

    private void sweepQuietly() {
        try {
            sweep();
        } catch (RedisUnavailableException e) {
            LOG.log(Level.DEBUG, () -> engine.config.namespace() + " - expiry sweep stopped: " + e.getMessage());
        } catch (RuntimeException | Error e) {
            LOG.log(Level.WARNING, engine.config.namespace() + " - expiry sweep failed", e);
        }
    }

    /** One round: local expiries, then (while Redis serves and nothing waits for write-back) every shard. */
    void sweep() {
        SessionBackend store = engine.store;
        for (SessionBackend.LocallyExpired e : store.takeLocallyExpired()) {
            RedisHttpSession s = engine.open(e.key(), e.fields(), true);
            if (s != null) {
                fire(s);
            }
        }
        if (!store.redisAvailable() || (store instanceof ResilientSessionBackend r && r.pendingWriteBacks() > 0)) {
            return; // what the write-back brings decides which sessions are still alive
        }
        int start = ThreadLocalRandom.current().nextInt(Shards.COUNT); // instances start at different shards
        for (int i = 0; i < Shards.COUNT && !closed; i++) {
            int shard = (start + i) % Shards.COUNT;
            List<String> claimed;
            do {
                long now = engine.now();
                long leaseUntil = now + leaseMillis;
                claimCalls.incrementAndGet();
                claimed = store.claimExpired(engine.config.namespace(), shard, now, leaseUntil, BATCH);
                for (String hash : claimed) {
                    notifyExpired(SessionKey.ofHash(engine.config.namespace(), hash), leaseUntil);
                }
            } while (claimed.size() == BATCH && !closed);
        }
    }

    private void notifyExpired(SessionKey key, long leaseUntil) {
        SessionBackend store = engine.store;
        Map<String, byte[]> fields = store.loadClaimed(key);
        RedisHttpSession s = fields == null ? null : engine.open(key, fields, true);
        if (s == null) {
            lost.incrementAndGet();
            LOG.log(Level.DEBUG, () -> engine.config.namespace() + " - expired session " + key.hash()
                    + (fields == null ? " was gone (retention passed?)" : " did not open") + "; no events");
        } else {
            fire(s);
        }
        store.finishExpired(key, leaseUntil);
        byte[] p = fields == null ? null : fields.get(SessionKey.PRINCIPAL);
        if (p != null) {
            engine.unindex(new String(p, java.nio.charset.StandardCharsets.ISO_8859_1), key.hash());
        }
    }

    private void fire(RedisHttpSession s) {
        Thread t = Thread.currentThread();
        ClassLoader before = t.getContextClassLoader();
        if (engine.servletContext != null) {
            t.setContextClassLoader(engine.servletContext.getClassLoader());
        }
        try {
            s.expire();
            notified.incrementAndGet();
        } finally {
            t.setContextClassLoader(before);
        }
    }

    @Override
    public void close() {
        closed = true;
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package dev.sessionfilter.store;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Redis first; while the pool's {@link RedisMonitor} says Redis is down either fail fast ({@code fail}) or
 * serve from a bounded local copy ({@code memory}) and write the sessions created or changed meanwhile back
 * once Redis answers again. No request waits on a Redis the monitor knows to be down.
 */
public final class ResilientSessionBackend implements SessionBackend, RedisMonitor.Listener {
    private static final Logger LOG = System.getLogger("dev.sessionfilter.store");
    /** Bytes of sealed values this instance keeps as recent copies. */
    static final long DEFAULT_CACHE_BYTES = 64L * 1024 * 1024;

    private final String namespace;
    private final RedisSessionBackend redis;
    private final RedisMonitor monitor;
    private final boolean memoryFallback;
    private final LocalCopies copies;
    private volatile WriteTimes writeTimes = (key, field, sealed) -> -1;
    /**
     * Memory mode: sessions stay on the local copies from the outage until the write-back has left nothing
     * pending, which may be a little after the monitor declared Redis up. Cleared only under the copies' lock,
     * so a request either commits locally before the last pass reads the journal or goes to Redis after it;
     * never to Redis while an older local change of its session is still to be written over it.
     */
    private volatile boolean local;

    /** Reads when a sealed attribute was written (-1 when unknown); only the session layer can open it. */
    public interface WriteTimes {
        long of(SessionKey key, String field, byte[] sealed);
    }

    /** Lets the write-back keep the newer of two writes to one attribute (ours during the outage, or Redis'). */
    public void writeTimes(WriteTimes times) {
        this.writeTimes = times;
    }

    public ResilientSessionBackend(String namespace, RedisApi api, boolean memoryFallback) {
        this(namespace, api, memoryFallback, DEFAULT_CACHE_BYTES, RedisSessionBackend.DEFAULT_RETENTION_MILLIS, null);
    }

    private final NearCache nearCache;

    /** The near cache, or null when there is none. */
    public NearCache nearCache() {
        return nearCache;
    }

    public ResilientSessionBackend(String namespace, RedisApi api, boolean memoryFallback, long retentionMillis) {
        this(namespace, api, memoryFallback, DEFAULT_CACHE_BYTES, retentionMillis, null);
    }

    /** @param nearCache null for none */
    public ResilientSessionBackend(String namespace, RedisApi api, boolean memoryFallback, long retentionMillis,
                                   NearCache nearCache) {
        this(namespace, api, memoryFallback, DEFAULT_CACHE_BYTES, retentionMillis, nearCache);
    }

    ResilientSessionBackend(String namespace, RedisApi api, boolean memoryFallback, long cacheBytes,
                            long retentionMillis, NearCache nearCache) {
        this.namespace = namespace;
        this.nearCache = nearCache;
        this.redis = new RedisSessionBackend(api, retentionMillis, nearCache);
        this.monitor = api.monitor();
        this.memoryFallback = memoryFallback;
        this.copies = new LocalCopies(memoryFallback ? cacheBytes : 0);
        monitor.addListener(this);
    }

    @Override
    public Map<String, byte[]> load(SessionKey key) {
        return redisOrLocal(() -> {
            Map<String, byte[]> fields = redis.load(key);
            if (memoryFallback) {
                // Written during the outage and not yet back (the write-back is under way): ours is newer.
                Map<String, byte[]> mine = copies.pendingCopy(key);
                if (mine != null) {
                    return mine;
                }
            }
            copies.loaded(key, fields);
            return fields;
        }, () -> copies.get(key));
    }

    @Override
    public void expiresAt(SessionKey key, long deadline) {
        copies.deadline(key, deadline);
    }

    @Override
    public boolean commit(SessionKey key, Delta delta) {
        return redisOrLocal(() -> {
            boolean ok = redis.commit(key, delta);
            copies.committed(key, delta, ok);
            return ok;
        }, () -> copies.commitLocally(key, delta));
    }

    @Override
    public Ended delete(SessionKey key) {
        return redisOrLocal(() -> {
            Ended e = redis.delete(key);
            copies.remove(key);
            return e;
        }, () -> {
            copies.deleteLocally(key);
            return new Ended(true, null);
        });
    }

    @Override
    public Ended retire(SessionKey key) {
        return redisOrLocal(() -> {
            Ended e = redis.retire(key);
            copies.remove(key);
            return e;
        }, () -> new Ended(copies.retireLocally(key), null));
    }

    @Override
    public List<String> claimExpired(String namespace, int shard, long now, long leaseUntil, int batch) {
        return redisOnly(() -> redis.claimExpired(namespace, shard, now, leaseUntil, batch));
    }

    @Override
    public Map<String, byte[]> loadClaimed(SessionKey key) {
        return redisOnly(() -> redis.loadClaimed(key));
    }

    @Override
    public boolean finishExpired(SessionKey key, long leaseUntil) {
        return redisOnly(() -> redis.finishExpired(key, leaseUntil));
    }

    @Override
    public void indexPrincipal(String namespace, String principal, String member, String replaced,
                               long absoluteDeadline) {
        redisOnly(() -> {
            redis.indexPrincipal(namespace, principal, member, replaced, absoluteDeadline);
            return null;
        });
    }

    @Override
    public Admission admitPrincipal(String namespace, String principal, String member, String replaced, double score,
                                    int limit, String mode, long pendingGraceMillis) {
        return redisOnly(() -> redis.admitPrincipal(namespace, principal, member, replaced, score, limit, mode,
                pendingGraceMillis));
    }

    @Override
    public Liveness live(SessionKey key) {
        return redisOnly(() -> redis.live(key));
    }

    @Override
    public List<String> principalMembers(String namespace, String principal) {
        return redisOnly(() -> redis.principalMembers(namespace, principal));
    }

    @Override
    public List<LocallyExpired> takeLocallyExpired() {
        return copies.takeExpiredCreations();
    }

    /** Work that only Redis can do (sweeping, the principal index): never answered from the local copies. */
    private <T> T redisOnly(Supplier<T> inRedis) {
        if (!monitor.available()) {
            throw new RedisUnavailableException(namespace + " - Redis is unreachable", null);
        }
        try {
            return inRedis.get();
        } catch (RedisUnavailableException e) {
            monitor.failed(e);
            throw e;
        }
    }

    /**
     * Redis while the monitor says it serves; else (memory mode) the local copies, or (fail mode) an
     * outage. The local branch is chosen under the journal's lock: a request that saw Redis down just
     * before it came back either lands in the journal before the final write-back pass reads it, or goes
     * to Redis after all.
     */
    private <T> T redisOrLocal(Supplier<T> inRedis, Supplier<T> locally) {
        while (true) {
            if (serving()) {
                try {
                    return inRedis.get();
                } catch (RedisUnavailableException e) {
                    monitor.failed(e);
                }
            }
            if (!memoryFallback) {
                throw unavailable();
            }
            synchronized (copies) {
                if (!serving()) {
                    return locally.get();
                }
            }
        }
    }

    private boolean serving() {
        return !local && monitor.available();
    }

    @Override
    public boolean redisAvailable() {
        return serving();
    }

    /** How many times Redis became unreachable since start. */
    public long outages() {
        return monitor.outages();
    }

    /** The local copies: how many, and their estimated bytes. */
    public long[] localCopies() {
        return copies.figures();
    }

    /** Sessions created or changed locally and not yet written back. */
    public int pendingWriteBacks() {
        return copies.pending();
    }

    private RedisUnavailableException unavailable() {
        return new RedisUnavailableException(namespace + " - Redis is unreachable and sessionfilter.onRedisFailure=fail", null);
    }

    @Override
    public void down(RedisUnavailableException cause) {
        if (memoryFallback) {
            local = true;
        }
        if (nearCache != null) {
            nearCache.reset(); // whatever the feed says, copies are checked again once Redis is back
        }
        LOG.log(Level.WARNING, () -> namespace + " - " + (memoryFallback
                ? "serving sessions from local memory until Redis returns"
                : "answering 503 to requests that need a session until Redis returns"));
    }

    @Override
    public void recovering() {
        if (memoryFallback) {
            copies.writeBack(redis, writeTimes); // a failure keeps Redis down: the monitor retries
        }
    }

    @Override
    public void up() {
        if (!memoryFallback) {
            LOG.log(Level.INFO, () -> namespace + " - Redis is reachable again; sessions are served from it");
            return;
        }
        // What requests committed locally while the first pass ran, until a pass leaves nothing behind. No
        // pass holds the lock while it talks to Redis: on a link too slow to catch up, requests keep being
        // served from the copies (they would only queue behind it otherwise).
        int passes = 1;
        int w = 0;
        try {
            while (true) {
                w += copies.writeBack(redis, writeTimes);
                passes++;
                synchronized (copies) {
                    if (copies.nothingToWriteBack()) { // not pending() == 0: that would spin on expired creations
                        local = false;
                        break;
                    }
                }
            }
        } catch (RedisUnavailableException e) {
            monitor.failed(e);
            return;
        }
        int written = w;
        int n = passes;
        LOG.log(Level.INFO, () -> namespace + " - Redis is reachable again; session changes made during the "
                + "outage written back" + (written > 0 ? " (" + written + " after Redis answered again, in " + n
                + " passes)" : ""));
    }

    @Override
    public void close() {
        monitor.removeListener(this);
    }
}

package dev.sessionfilter.store;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Redis first; while Redis is unreachable either fail fast ({@code fail}) or serve from a bounded local copy
 * ({@code memory}) and write the sessions created or changed meanwhile back once Redis answers again.
 *
 * <p>While Redis is down no request waits on it: one background prober retries with capped exponential
 * backoff (250 ms doubling to 8 s), so recovery is noticed within seconds.
 */
public final class ResilientSessionStore implements SessionStore {
    private static final Logger LOG = System.getLogger("dev.sessionfilter.store");
    static final long MIN_BACKOFF_MS = 250;
    static final long MAX_BACKOFF_MS = 8_000;
    /** Bytes of sealed values this instance keeps as recent copies. */
    static final long DEFAULT_CACHE_BYTES = 64L * 1024 * 1024;

    private final String namespace;
    private final RedisSessionStore redis;
    private final RedisApi api;
    private final boolean memoryFallback;
    private final LocalCopies copies;
    private final ScheduledExecutorService prober;
    private volatile boolean down;
    private long backoffMs = MIN_BACKOFF_MS;
    private final AtomicLong outages = new AtomicLong();
    private volatile WriteTimes writeTimes = (key, field, sealed) -> -1;

    /** Reads when a sealed attribute was written (-1 when unknown); only the session layer can open it. */
    public interface WriteTimes {
        long of(SessionKey key, String field, byte[] sealed);
    }

    /** Lets the write-back keep the newer of two writes to one attribute (ours during the outage, or Redis'). */
    public void writeTimes(WriteTimes times) {
        this.writeTimes = times;
    }

    public ResilientSessionStore(String namespace, RedisApi api, boolean memoryFallback) {
        this(namespace, api, memoryFallback, DEFAULT_CACHE_BYTES);
    }

    ResilientSessionStore(String namespace, RedisApi api, boolean memoryFallback, long cacheBytes) {
        this.namespace = namespace;
        this.api = api;
        this.redis = new RedisSessionStore(api);
        this.memoryFallback = memoryFallback;
        this.copies = new LocalCopies(memoryFallback ? cacheBytes : 0);
        this.prober = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sessionfilter-redis-prober[" + namespace + "]");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public Map<String, byte[]> load(SessionKey key) {
        if (!down) {
            try {
                Map<String, byte[]> fields = redis.load(key);
                copies.loaded(key, fields);
                return fields;
            } catch (RedisUnavailableException e) {
                markDown(e);
            }
        }
        if (!memoryFallback) {
            throw unavailable();
        }
        return copies.get(key);
    }

    @Override
    public boolean commit(SessionKey key, Delta delta) {
        if (!down) {
            try {
                boolean ok = redis.commit(key, delta);
                copies.committed(key, delta, ok);
                return ok;
            } catch (RedisUnavailableException e) {
                markDown(e);
            }
        }
        if (!memoryFallback) {
            throw unavailable();
        }
        return copies.commitLocally(key, delta);
    }

    @Override
    public void delete(SessionKey key) {
        if (!down) {
            try {
                redis.delete(key);
                copies.remove(key);
                return;
            } catch (RedisUnavailableException e) {
                markDown(e);
            }
        }
        if (!memoryFallback) {
            throw unavailable();
        }
        copies.deleteLocally(key);
    }

    @Override
    public boolean retire(SessionKey key) {
        if (!down) {
            try {
                boolean ok = redis.retire(key);
                copies.remove(key);
                return ok;
            } catch (RedisUnavailableException e) {
                markDown(e);
            }
        }
        if (!memoryFallback) {
            throw unavailable();
        }
        return copies.retireLocally(key);
    }

    @Override
    public boolean redisAvailable() {
        return !down;
    }

    /** How many times Redis became unreachable since start. */
    public long outages() {
        return outages.get();
    }

    /** Sessions created or changed locally and not yet written back. */
    public int pendingWriteBacks() {
        return copies.pending();
    }

    private RedisUnavailableException unavailable() {
        return new RedisUnavailableException(namespace + " - Redis is unreachable and sessionfilter.onRedisFailure=fail", null);
    }

    private synchronized void markDown(RedisUnavailableException e) {
        if (down) {
            return;
        }
        down = true;
        outages.incrementAndGet();
        backoffMs = MIN_BACKOFF_MS;
        LOG.log(Level.WARNING, () -> namespace + " - Redis unreachable (" + e.getMessage() + "); "
                + (memoryFallback ? "serving sessions from local memory until it returns"
                : "answering 503 to requests that need a session until it returns"));
        scheduleProbe();
    }

    private void scheduleProbe() {
        try {
            prober.schedule(this::probe, backoffMs, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // shutting down
        }
    }

    private void probe() {
        try {
            api.ping();
            int written = copies.writeBack(redis, writeTimes);
            synchronized (this) {
                down = false;
            }
            // Changes made by requests racing with the switch-back land here too.
            written += copies.writeBack(redis, writeTimes);
            int w = written;
            LOG.log(Level.INFO, () -> namespace + " - Redis is reachable again; " + w
                    + " session(s) changed during the outage written back");
        } catch (RuntimeException e) {
            synchronized (this) {
                backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
            }
            scheduleProbe();
        }
    }

    @Override
    public void close() {
        prober.shutdownNow();
    }

    /**
     * Recent copies of sessions, bounded by bytes (least recently used dropped first), and the write-back
     * journal of what changed while Redis was down. Sealed bytes only: nothing is decrypted here.
     */
    static final class LocalCopies {
        private final long maxBytes;
        private long bytes;
        private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(64, 0.75f, true);
        // Sessions to write back: by Redis key text.
        private final Map<String, Pending> pending = new HashMap<>();

        LocalCopies(long maxBytes) {
            this.maxBytes = maxBytes;
        }

        synchronized void loaded(SessionKey key, Map<String, byte[]> fields) {
            if (maxBytes == 0) {
                return;
            }
            if (fields == null) {
                drop(key.toString());
            } else {
                // No copy: the map is fresh from Redis and nobody mutates it (commits and reads copy).
                put(key.toString(), new Entry(fields, System.currentTimeMillis() + 3_600_000L));
            }
        }

        synchronized void committed(SessionKey key, Delta delta, boolean ok) {
            if (maxBytes == 0) {
                return;
            }
            if (!ok) {
                drop(key.toString());
                return;
            }
            Entry e = entries.get(key.toString());
            Map<String, byte[]> fields = e == null ? new HashMap<>() : new HashMap<>(e.fields);
            fields.putAll(delta.set());
            fields.keySet().removeAll(delta.remove());
            put(key.toString(), new Entry(fields, expiry(delta)));
        }

        synchronized Map<String, byte[]> get(SessionKey key) {
            Entry e = entries.get(key.toString());
            if (e == null || e.expiresAt < System.currentTimeMillis()) {
                return null;
            }
            return new HashMap<>(e.fields);
        }

        synchronized boolean commitLocally(SessionKey key, Delta delta) {
            String k = key.toString();
            Entry e = entries.get(k);
            Pending p = pending.get(k);
            if (p != null && p.deleted) {
                return false;
            }
            if (!delta.create() && e == null) {
                return false; // unknown here: cannot tell whether it still exists
            }
            Map<String, byte[]> fields = e == null ? new HashMap<>() : new HashMap<>(e.fields);
            fields.putAll(delta.set());
            fields.keySet().removeAll(delta.remove());
            put(k, new Entry(fields, expiry(delta)));
            if (p == null) {
                p = new Pending(key, delta.create());
                pending.put(k, p);
            }
            long now = System.currentTimeMillis();
            for (String f : delta.set().keySet()) {
                p.changedAt.put(f, now);
                p.removed.remove(f);
            }
            for (String f : delta.remove()) {
                p.changedAt.put(f, now);
                p.removed.add(f);
            }
            p.ttlMillis = delta.ttlMillis();
            return true;
        }

        synchronized void deleteLocally(SessionKey key) {
            String k = key.toString();
            drop(k);
            Pending p = pending.computeIfAbsent(k, x -> new Pending(key, false));
            p.deleted = true;
        }

        /** Like {@link #deleteLocally}, but only for a session this instance still holds. */
        synchronized boolean retireLocally(SessionKey key) {
            String k = key.toString();
            Pending p = pending.get(k);
            if ((p != null && p.deleted) || !entries.containsKey(k)) {
                return false;
            }
            deleteLocally(key);
            return true;
        }

        synchronized void remove(SessionKey key) {
            drop(key.toString());
        }

        synchronized int pending() {
            return pending.size();
        }

        /**
         * Writes pending sessions to Redis; stops (keeping the rest) at the first failure. For a session that
         * existed before the outage, an attribute also written in Redis meanwhile keeps the newer write.
         */
        int writeBack(RedisSessionStore redis, WriteTimes times) {
            List<Pending> todo;
            Map<String, Entry> snapshot = new HashMap<>();
            synchronized (this) {
                todo = new ArrayList<>(pending.values());
                for (Pending p : todo) {
                    Entry e = entries.get(p.key.toString());
                    if (e != null) {
                        snapshot.put(p.key.toString(), e);
                    }
                }
            }
            int n = 0;
            for (Pending p : todo) {
                String k = p.key.toString();
                Entry e = snapshot.get(k);
                if (p.deleted) {
                    redis.delete(p.key);
                } else if (e != null && p.created) {
                    long ttl = p.ttlMillis == 0 ? 0 : Math.max(1, e.expiresAt - System.currentTimeMillis());
                    redis.commit(p.key, new Delta(true, e.fields, List.of(), ttl));
                } else if (e != null) {
                    Map<String, byte[]> remote = redis.load(p.key);
                    if (remote != null) { // gone from Redis meanwhile: invalidated or expired, so it stays gone
                        Map<String, byte[]> set = new HashMap<>();
                        p.changedAt.forEach((f, at) -> {
                            byte[] v = e.fields.get(f);
                            if (v != null && !newerInRedis(times, p.key, f, remote, at)) {
                                set.put(f, v);
                            }
                        });
                        List<String> remove = new ArrayList<>();
                        for (String f : p.removed) {
                            if (!newerInRedis(times, p.key, f, remote, p.changedAt.getOrDefault(f, 0L))) {
                                remove.add(f);
                            }
                        }
                        long ttl = p.ttlMillis == 0 ? 0 : Math.max(1, e.expiresAt - System.currentTimeMillis());
                        redis.commit(p.key, new Delta(false, set, remove, ttl));
                    }
                }
                synchronized (this) {
                    pending.remove(k, p);
                }
                n++;
            }
            return n;
        }

        private static boolean newerInRedis(WriteTimes times, SessionKey key, String field,
                                            Map<String, byte[]> remote, long ourChange) {
            if (!field.startsWith(SessionKey.ATTRIBUTE_PREFIX)) {
                return false; // metadata and last access: ours is the latest word
            }
            byte[] theirs = remote.get(field);
            return theirs != null && times.of(key, field, theirs) > ourChange;
        }

        private static long expiry(Delta d) {
            return d.ttlMillis() > 0 ? System.currentTimeMillis() + d.ttlMillis() : Long.MAX_VALUE;
        }

        private void put(String k, Entry e) {
            drop(k);
            entries.put(k, e);
            bytes += e.size;
            Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator();
            while (bytes > maxBytes && it.hasNext()) {
                Map.Entry<String, Entry> oldest = it.next();
                if (pending.containsKey(oldest.getKey())) {
                    continue; // never drop what still has to be written back
                }
                bytes -= oldest.getValue().size;
                it.remove();
            }
        }

        private void drop(String k) {
            Entry old = entries.remove(k);
            if (old != null) {
                bytes -= old.size;
            }
        }

        private static final class Entry {
            final Map<String, byte[]> fields;
            final long expiresAt;
            final long size;

            Entry(Map<String, byte[]> fields, long expiresAt) {
                this.fields = fields;
                this.expiresAt = expiresAt;
                long s = 64;
                for (Map.Entry<String, byte[]> f : fields.entrySet()) {
                    s += f.getKey().length() + f.getValue().length + 32;
                }
                this.size = s;
            }
        }

        private static final class Pending {
            final SessionKey key;
            final boolean created;
            /** Field to when this instance last changed it (set or removed). */
            final Map<String, Long> changedAt = new HashMap<>();
            final Set<String> removed = new HashSet<>();
            long ttlMillis;
            boolean deleted;

            Pending(SessionKey key, boolean created) {
                this.key = key;
                this.created = created;
            }
        }
    }
}

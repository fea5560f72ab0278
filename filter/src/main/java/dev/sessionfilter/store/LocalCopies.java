package dev.sessionfilter.store;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Recent copies of sessions, bounded by bytes (least recently used dropped first) and by each session's
 * own deadline, and the write-back journal of what changed while Redis was down. Sealed bytes only:
 * nothing is decrypted here.
 */
final class LocalCopies {
    private static final System.Logger LOG = System.getLogger("dev.sessionfilter.store");
    /** How long a copy is served before its real deadline is known (the session layer reports it). */
    static final long UNKNOWN_DEADLINE_MS = 60_000;

    private final long maxBytes;
    private long bytes;
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(64, 0.75f, true);
    // Sessions to write back, by Redis key text.
    private final Map<String, Pending> pending = new HashMap<>();
    /** {@code !pending.isEmpty()}, readable without the lock: the request path skips it in normal times. */
    private volatile boolean anyPending;
    private final Clock clock;
    /** Every this many stores, copies past their session's deadline are dropped (they could never be served). */
    static final int PURGE_EVERY = 1024;
    /** Compare-and-commit attempts of one session's write-back before the last one commits regardless. */
    static final int MAX_WRITE_BACK_ATTEMPTS = 5;
    private int stores;

    /** Milliseconds since the epoch; replaceable in tests. */
    interface Clock {
        long millis();
    }

    LocalCopies(long maxBytes) {
        this(maxBytes, System::currentTimeMillis);
    }

    LocalCopies(long maxBytes, Clock clock) {
        this.maxBytes = maxBytes;
        this.clock = clock;
    }

    synchronized void loaded(SessionKey key, Map<String, byte[]> fields) {
        if (maxBytes == 0) {
            return;
        }
        String k = key.toString();
        if (fields == null) {
            drop(k);
            return;
        }
        Entry same = entries.get(k);
        if (same == null || same.fields != fields) { // the near cache may hand out the map this copy already is
            // No copy: the map is fresh from Redis and nobody mutates it (commits and reads copy).
            put(k, new Entry(fields, clock.millis() + UNKNOWN_DEADLINE_MS));
        }
    }

    /** The session layer opened the copy and knows when the session dies: never serve it past that. */
    synchronized void deadline(SessionKey key, long at) {
        Entry e = entries.get(key.toString());
        if (e != null) {
            e.expiresAt = at;
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

    /** The copy, or null when there is none or its session's deadline has passed. */
    synchronized Map<String, byte[]> get(SessionKey key) {
        String k = key.toString();
        Entry e = entries.get(k);
        if (e == null) {
            return null;
        }
        if (e.expiresAt <= clock.millis()) {
            Pending p = pending.get(k);
            if (p != null && p.bornHere()) {
                return null; // kept for its expiry notification
            }
            drop(k);
            pending.remove(k); // dead anyway: nothing to write back
            anyPending = !pending.isEmpty();
            return null;
        }
        return new HashMap<>(e.fields);
    }

    /**
     * Sessions created here during an outage (Redis never saw them) whose deadline passed: removed and
     * returned once, for their expiry notification. Sessions that existed in Redis are notified from Redis.
     */
    List<SessionBackend.LocallyExpired> takeExpiredCreations() {
        if (!anyPending) {
            return List.of();
        }
        List<SessionBackend.LocallyExpired> out = new ArrayList<>();
        synchronized (this) {
            long now = clock.millis();
            for (Iterator<Pending> it = pending.values().iterator(); it.hasNext(); ) {
                Pending p = it.next();
                Entry e = entries.get(p.key.toString());
                if (p.bornHere() && e != null && e.expiresAt <= now) {
                    out.add(new SessionBackend.LocallyExpired(p.key, new HashMap<>(e.fields)));
                    drop(p.key.toString());
                    it.remove();
                }
            }
            anyPending = !pending.isEmpty();
        }
        return out;
    }

    /** The copy of a session still waiting to be written back, or null. */
    Map<String, byte[]> pendingCopy(SessionKey key) {
        if (!anyPending) {
            return null;
        }
        synchronized (this) {
            Pending p = pending.get(key.toString());
            return p == null || p.deleted ? null : get(key);
        }
    }

    synchronized boolean commitLocally(SessionKey key, Delta delta) {
        String k = key.toString();
        Entry e = entries.get(k);
        Pending p = pending.get(k);
        if (p != null && p.deleted) {
            return false;
        }
        if (e != null && e.expiresAt <= clock.millis()) {
            get(key); // drops it
            e = null;
        }
        if (!delta.create() && e == null) {
            return false; // unknown here: cannot tell whether it still exists
        }
        Map<String, byte[]> fields = e == null ? new HashMap<>() : new HashMap<>(e.fields);
        fields.putAll(delta.set());
        fields.keySet().removeAll(delta.remove());
        if (p == null) {
            p = new Pending(key, delta.create());
            pending.put(k, p);
            anyPending = true;
        }
        long expiresAt = expiry(delta);
        put(k, new Entry(fields, delta.extendOnly() && e != null ? Math.max(e.expiresAt, expiresAt) : expiresAt));
        long now = clock.millis();
        for (String f : delta.set().keySet()) {
            p.changedAt.put(f, now);
            p.removed.remove(f);
        }
        for (String f : delta.remove()) {
            p.changedAt.put(f, now);
            p.removed.add(f);
        }
        p.ttlMillis = delta.ttlMillis();
        p.version++;
        return true;
    }

    synchronized void deleteLocally(SessionKey key) {
        String k = key.toString();
        drop(k);
        Pending p = pending.computeIfAbsent(k, x -> new Pending(key, false));
        anyPending = true;
        p.deleted = true;
        p.version++;
    }

    /** Like {@link #deleteLocally}, but only for a session this instance still holds. */
    synchronized boolean retireLocally(SessionKey key) {
        String k = key.toString();
        Pending p = pending.get(k);
        if ((p != null && p.deleted) || get(key) == null) {
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
     * Whether a write-back pass would find nothing to write: nothing pending but sessions born here whose
     * deadline passed (they wait for their local expiry notification, never for Redis).
     */
    synchronized boolean nothingToWriteBack() {
        long now = clock.millis();
        for (Pending p : pending.values()) {
            Entry e = entries.get(p.key.toString());
            if (p.deleted || e == null || e.expiresAt > now || !p.bornHere()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Writes pending sessions to Redis; stops (keeping the rest) at the first failure. Works on a
     * snapshot taken under the lock, and forgets a pending entry only if no request changed it since
     * (its version), so a change racing with the write-back is written by the next pass, never lost.
     *
     * <ul>
     *   <li>created here during the outage: written whole, unless a tombstone says its id was retired;</li>
     *   <li>existed before and still in Redis: the fields changed here, each unless Redis holds a newer
     *       write of it (newer write wins);</li>
     *   <li>existed before but its key is gone (Redis restarted empty, or failed over to a replica that
     *       never had it): written whole, unless a tombstone says it was invalidated;</li>
     *   <li>its deadline passed meanwhile: dropped.</li>
     * </ul>
     */
    int writeBack(RedisSessionBackend redis, ResilientSessionBackend.WriteTimes times) {
        List<Snapshot> todo = new ArrayList<>();
        synchronized (this) {
            long now = clock.millis();
            for (Iterator<Pending> it = pending.values().iterator(); it.hasNext(); ) {
                Pending p = it.next();
                Entry e = entries.get(p.key.toString());
                if (!p.deleted && (e == null || e.expiresAt <= now)) {
                    if (p.bornHere() && e != null) {
                        continue; // left for its local expiry notification
                    }
                    it.remove(); // evicted or dead: there is nothing (left) to write back
                    continue;
                }
                todo.add(new Snapshot(p, p.version, p.deleted, p.created, new HashMap<>(p.changedAt),
                        new HashSet<>(p.removed), e == null ? null : new HashMap<>(e.fields),
                        e == null ? 0 : e.expiresAt, p.ttlMillis));
            }
            anyPending = !pending.isEmpty();
        }
        int n = 0;
        for (Snapshot s : todo) {
            SessionKey key = s.pending.key;
            long ttl = s.ttlMillis == 0 ? 0 : Math.max(1, s.expiresAt - clock.millis());
            try {
                writeBack(redis, times, s, key, ttl);
            } catch (RedisUnavailableException e) {
                throw e; // Redis went again: the monitor keeps it down and retries the pass
            } catch (RuntimeException e) {
                // Redis answers but refuses this one session (e.g. something else planted under its key):
                // dropped, so one bad key cannot keep every other session on the fallback for ever.
                LOG.log(System.Logger.Level.WARNING, "a session changed during the outage could not be written back"
                        + " and is dropped (session " + key.hash() + "): " + e.getMessage());
            }
            synchronized (this) {
                if (pending.get(key.toString()) == s.pending && s.pending.version == s.version) {
                    pending.remove(key.toString());
                    anyPending = !pending.isEmpty();
                }
            }
            n++;
        }
        return n;
    }

    private void writeBack(RedisSessionBackend redis, ResilientSessionBackend.WriteTimes times, Snapshot s,
                           SessionKey key, long ttl) {
        if (s.deleted) {
            redis.delete(key);
        } else if (s.created) {
            redis.commit(key, new Delta(true, s.fields, List.of(), ttl));
        } else {
            // Compare with what Redis holds and commit only if nobody wrote in between (another instance
            // may be writing the same session right now); on a conflict, compare again.
            for (int attempt = 1; ; attempt++) {
                Map<String, byte[]> remote = redis.loadFromRedis(key);
                if (remote == null) {
                    redis.commit(key, new Delta(true, s.fields, List.of(), ttl));
                    break;
                }
                Map<String, byte[]> set = new HashMap<>();
                s.changedAt.forEach((f, at) -> {
                    byte[] v = s.fields.get(f);
                    if (v != null && !newerInRedis(times, key, f, remote, at)) {
                        set.put(f, v);
                    }
                });
                List<String> remove = new ArrayList<>();
                for (String f : s.removed) {
                    if (!newerInRedis(times, key, f, remote, s.changedAt.getOrDefault(f, 0L))) {
                        remove.add(f);
                    }
                }
                Delta d = new Delta(false, set, remove, ttl);
                if (attempt == MAX_WRITE_BACK_ATTEMPTS) {
                    redis.commit(key, d); // a session written this hard elsewhere: ours is the last word
                    break;
                }
                if (redis.commitIfUnchanged(key, d, remote.get(SessionKey.VERSION)) != -1) {
                    break;
                }
            }
        }
    }

    private static boolean newerInRedis(ResilientSessionBackend.WriteTimes times, SessionKey key, String field,
                                        Map<String, byte[]> remote, long ourChange) {
        if (!field.startsWith(SessionKey.ATTRIBUTE_PREFIX)) {
            return false; // metadata and last access: ours is the latest word
        }
        byte[] theirs = remote.get(field);
        return theirs != null && times.of(key, field, theirs) > ourChange;
    }

    private long expiry(Delta d) {
        return d.ttlMillis() > 0 ? clock.millis() + d.ttlMillis() : Long.MAX_VALUE;
    }

    private void put(String k, Entry e) {
        drop(k);
        entries.put(k, e);
        bytes += e.size;
        if (++stores % PURGE_EVERY == 0) {
            purgeDead();
        }
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

    /**
     * Drops the copies of sessions whose deadline passed, so the copies follow the live sessions, not the
     * byte budget, under churn. What still has to be written back (or notified as expired) stays.
     */
    private void purgeDead() {
        long now = clock.millis();
        for (Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Entry> c = it.next();
            if (c.getValue().expiresAt <= now && !pending.containsKey(c.getKey())) {
                bytes -= c.getValue().size;
                it.remove();
            }
        }
    }

    /** Copies held and their estimated bytes. */
    synchronized long[] figures() {
        return new long[] {entries.size(), bytes};
    }

    private void drop(String k) {
        Entry old = entries.remove(k);
        if (old != null) {
            bytes -= old.size;
        }
    }

    private static final class Entry {
        final Map<String, byte[]> fields;
        long expiresAt;
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
        /** Bumped by every local change: the write-back forgets only the version it wrote. */
        long version;

        Pending(SessionKey key, boolean created) {
            this.key = key;
            this.created = created;
        }

        /** Created here during the outage and not deleted: Redis never saw it, so its expiry is ours to notify. */
        boolean bornHere() {
            return created && !deleted;
        }
    }

    private record Snapshot(Pending pending, long version, boolean deleted, boolean created,
                            Map<String, Long> changedAt, Set<String> removed, Map<String, byte[]> fields,
                            long expiresAt, long ttlMillis) {
    }
}

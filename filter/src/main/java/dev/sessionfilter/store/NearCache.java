package dev.sessionfilter.store;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Sessions as this instance last read or wrote them, each with the version token its commit stored in the
 * session's field {@code v}. Never a source of truth: a load uses an entry only after Redis said, with
 * {@code HGET v}, that the session still has that version (one small round trip instead of the whole hash,
 * and the same sealed arrays, whose opened plaintext the session layer keeps). Bounded in entries and
 * bytes, least recently used first out; segmented so requests for different sessions share no lock.
 *
 * <p>With an invalidation feed (Redis {@code CLIENT TRACKING}, see {@link TrackingFeed}) an entry is also
 * served with no round trip at all while it is <em>current</em>: it was loaded or checked after the feed's
 * last (re)connection and no invalidation for its key has arrived since. Each entry carries the feed epoch
 * and its key's stripe counter as they were before the round trip that produced it; an invalidation bumps the
 * stripe, any doubt about the feed bumps the epoch, and either makes the entry fall back to the version check.
 *
 * <p>Redis announces this instance's own commits too, and cannot say who wrote. An entry this instance
 * committed is therefore <em>confirmed</em> when its invalidation arrives: off the request path, the feed's
 * thread reads the version Redis now holds (one small script per shard for a batch) with a stamp taken
 * before, and the entry is current again when it is still the version this instance wrote.
 */
public final class NearCache {
    private static final int SEGMENTS = 16;

    /** Invalidation counters: a power of two, many more than the sessions written at once. */
    private static final int STRIPES = 8192;

    /**
     * One session's stored fields (never mutated) at one version, and the feed epoch and stripe count read
     * before the round trip that produced it.
     */
    record Entry(SessionKey key, byte[] version, CachedFields fields, long bytes, long epoch, long stripe,
                 boolean mine) {
        Entry stamped(long epoch, long stripe) {
            return new Entry(key, version, fields, bytes, epoch, stripe, mine);
        }

        Entry notMine() {
            return new Entry(key, version, fields, bytes, epoch, stripe, false);
        }
    }

    /** The version each session key holds in Redis now (null when gone), in order: one round trip per node or slot. */
    public interface Versions {
        List<byte[]> of(List<SessionKey> keys);
    }

    /** What an invalidation feed must say before a cached entry is served without asking Redis. */
    public interface Feed {
        /** Every node is subscribed and nothing received is left unapplied. Called on every cached read. */
        boolean quiet();

        /** After a round trip: the feed still covers every node the client now knows (Cluster topology). */
        default boolean covers() {
            return true;
        }

        /** Runs a confirmation of own commits on the feed's own thread, shortly. */
        void execute(Runnable confirmation);
    }

    private final Segment[] segments = new Segment[SEGMENTS];
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();
    private final AtomicLong freeHits = new AtomicLong();
    private final AtomicLongArray stripes = new AtomicLongArray(STRIPES);
    private final AtomicLong epoch = new AtomicLong(1);
    private volatile Feed feed;
    private volatile Versions versions;
    private final Set<String> toConfirm = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean confirming = new AtomicBoolean();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong confirmed = new AtomicLong();
    /** Sessions with an own commit under way: their announcement is handled when it completes. */
    private final Map<String, Integer> committing = new ConcurrentHashMap<>();

    /**
     * @param maxEntries sessions kept, at least 1 (use no cache at all for none)
     * @param maxBytes   bytes of sealed fields kept
     */
    public NearCache(int maxEntries, long maxBytes) {
        for (int i = 0; i < SEGMENTS; i++) {
            segments[i] = new Segment(Math.max(1, maxEntries / SEGMENTS), Math.max(1, maxBytes / SEGMENTS));
        }
    }

    static long sizeOf(Map<String, byte[]> fields) {
        long n = 64;
        for (Map.Entry<String, byte[]> e : fields.entrySet()) {
            n += 48 + e.getKey().length() + e.getValue().length;
        }
        return n;
    }

    private Segment segment(String hash) {
        return segments[(hash.hashCode() & 0x7fffffff) % SEGMENTS];
    }

    Entry get(String hash) {
        return segment(hash).get(hash);
    }

    private static int stripeOf(String hash) {
        return hash.hashCode() & (STRIPES - 1);
    }

    /** The feed epoch, read before a round trip whose result is cached. */
    long epoch() {
        return epoch.get();
    }

    /** The key's invalidation count, read before a round trip whose result is cached. */
    long stripe(String hash) {
        return stripes.get(stripeOf(hash));
    }

    /**
     * Whether {@code e} may be served with no round trip: see the class comment. The feed is asked first:
     * a message applied after that shows in the counters read next; one still unread then arrived after
     * this request began.
     */
    boolean current(String hash, Entry e) {
        Feed f = feed;
        return f != null && f.quiet() && e.epoch() == epoch.get() && e.stripe() == stripes.get(stripeOf(hash));
    }

    /**
     * After a round trip whose result is cached: when the client learned of a node the feed does not cover
     * (a Cluster re-shard), nothing stamped before is served without a round trip, this result included.
     */
    void roundTripDone() {
        Feed f = feed;
        if (f != null && !f.covers()) {
            reset();
        }
    }

    /** Starts (or with null, stops) serving current entries without a round trip. */
    public void feed(Feed f) {
        reset();
        this.feed = f;
    }

    /** How own commits are confirmed (the store's version script). */
    void versions(Versions v) {
        this.versions = v;
    }

    /** The feed says this session key was written, expired, evicted or deleted. */
    public void invalidated(String hash) {
        stripes.incrementAndGet(stripeOf(hash));
        if (committing.containsKey(hash)) {
            return; // most likely that very commit: committed() sees the stripe moved and confirms once
        }
        Entry e = segment(hash).peek(hash);
        if (e != null && e.mine()) {
            confirmSoon(hash);
        }
    }

    /** Before an own commit's round trip; paired with {@link #committed} or {@link #commitFailed}. */
    void committing(String hash) {
        committing.merge(hash, 1, Integer::sum);
    }

    void commitFailed(String hash) {
        committing.computeIfPresent(hash, (h, n) -> n == 1 ? null : n - 1);
        remove(hash); // it may or may not have been applied
    }

    private void confirmSoon(String hash) {
        Feed f = feed;
        if (f != null && versions != null && toConfirm.add(hash) && confirming.compareAndSet(false, true)) {
            f.execute(this::confirm);
        }
    }

    /**
     * On the feed's thread, a moment after the first request for it (so that a busy instance confirms many
     * commits with one script): makes own commits that Redis still holds current again.
     */
    private void confirm() {
        confirming.set(false);
        List<String> batch = new ArrayList<>(toConfirm);
        inFlight.addAndGet(batch.size());
        try {
            List<Entry> entries = new ArrayList<>(batch.size());
            for (String hash : batch) {
                toConfirm.remove(hash);
                Entry e = segment(hash).peek(hash);
                if (e != null && e.mine()) {
                    entries.add(e);
                }
            }
            if (entries.isEmpty()) {
                return;
            }
            long ep = epoch.get();
            long[] st = new long[entries.size()];
            List<SessionKey> keys = new ArrayList<>(entries.size());
            for (int i = 0; i < st.length; i++) {
                st[i] = stripe(entries.get(i).key().hash());
                keys.add(entries.get(i).key());
            }
            List<byte[]> now = versions.of(keys);
            for (int i = 0; i < st.length; i++) {
                Entry e = entries.get(i);
                String hash = e.key().hash();
                if (i < now.size() && Arrays.equals(now.get(i), e.version())) {
                    segment(hash).replace(hash, e, e.stamped(ep, st[i]));
                    confirmed.incrementAndGet();
                } else {
                    segment(hash).replace(hash, e, e.notMine()); // changed elsewhere: the version check will see it
                }
            }
        } catch (RuntimeException e) {
            // Redis did not answer: the entries stay unconfirmed and reads check their version.
        } finally {
            inFlight.addAndGet(-batch.size());
        }
    }

    /**
     * Nothing is waiting to be applied or confirmed: every invalidation received so far is applied, and
     * every own commit announced so far was confirmed or found overwritten. For tests and diagnostics.
     */
    public boolean idle() {
        Feed f = feed;
        return toConfirm.isEmpty() && inFlight.get() == 0 && (f == null || f.quiet());
    }

    /** Own commits found current by a confirmation. */
    public long confirmations() {
        return confirmed.get();
    }

    /**
     * The feed (re)connected, lost a connection, saw the keyspace flushed, or cannot vouch for what it
     * missed: no entry is served without a round trip until it was checked again.
     */
    public void reset() {
        epoch.incrementAndGet();
    }

    /**
     * Keeps what Redis returned, stamped as read before the round trip.
     *
     * @return the entry's fields, for this request too (so what it opens is kept there at once), or
     *         {@code fields} itself when they are not cached (no version)
     */
    Map<String, byte[]> loaded(SessionKey key, Map<String, byte[]> fields, long epoch, long stripe) {
        byte[] v = fields.get(SessionKey.VERSION);
        if (v == null) {
            return fields;
        }
        CachedFields copy = new CachedFields(fields);
        segment(key.hash()).put(key.hash(), new Entry(key, v, copy, sizeOf(copy), epoch, stripe, false));
        return copy;
    }

    /** Redis confirmed that {@code e} is still its version: current again, as of the stamp. */
    void verified(String hash, Entry e, long epoch, long stripe) {
        segment(hash).replace(hash, e, e.stamped(epoch, stripe));
    }

    /**
     * After this instance's commit of {@code delta}: when Redis held the version this cache has (or the
     * session is new), the entry becomes what Redis now holds; otherwise another instance committed in
     * between and the entry is dropped.
     */
    void committed(SessionKey key, Delta delta, byte[] previous, byte[] version, long epoch, long stripe) {
        String hash = key.hash();
        boolean ours = segment(hash).committed(key, delta, previous, version, epoch, stripe);
        committing.computeIfPresent(hash, (h, n) -> n == 1 ? null : n - 1);
        if (ours && stripe(hash) != stripe) {
            confirmSoon(hash); // its invalidation was applied before the entry was there
        }
    }

    void remove(String hash) {
        segment(hash).remove(hash);
    }

    void hit() {
        hits.incrementAndGet();
    }

    void miss() {
        misses.incrementAndGet();
    }

    void freeHit() {
        hits.incrementAndGet();
        freeHits.incrementAndGet();
    }

    /**
     * Loads served from the cache, loads that read the whole session, and of the first those served with no
     * round trip (an invalidation feed vouched for them; the others after a version check).
     */
    public long[] counters() {
        return new long[] {hits.get(), misses.get(), freeHits.get()};
    }

    /** Sessions held now. */
    public int size() {
        int n = 0;
        for (Segment s : segments) {
            n += s.size();
        }
        return n;
    }

    private static final class Segment {
        private final int maxEntries;
        private final long maxBytes;
        private long bytes;
        private final LinkedHashMap<String, Entry> map = new LinkedHashMap<>(16, 0.75f, true);

        Segment(int maxEntries, long maxBytes) {
            this.maxEntries = maxEntries;
            this.maxBytes = maxBytes;
        }

        synchronized Entry get(String hash) {
            return map.get(hash);
        }

        synchronized int size() {
            return map.size();
        }

        synchronized void put(String hash, Entry e) {
            if (e.bytes() > maxBytes) {
                remove(hash);
                return;
            }
            Entry old = map.put(hash, e);
            bytes += e.bytes() - (old == null ? 0 : old.bytes());
            var it = map.entrySet().iterator();
            while ((map.size() > maxEntries || bytes > maxBytes) && it.hasNext()) {
                Entry eldest = it.next().getValue();
                it.remove();
                bytes -= eldest.bytes();
            }
        }

        /** Like get (and like it, counts as a use for the LRU order). */
        synchronized Entry peek(String hash) {
            return map.get(hash);
        }

        synchronized void replace(String hash, Entry old, Entry e) {
            if (map.get(hash) == old) {
                map.put(hash, e);
            }
        }

        synchronized void remove(String hash) {
            Entry old = map.remove(hash);
            if (old != null) {
                bytes -= old.bytes();
            }
        }

        /** @return whether the entry is now this commit's result */
        synchronized boolean committed(SessionKey key, Delta delta, byte[] previous, byte[] version, long epoch,
                                       long stripe) {
            String hash = key.hash();
            Entry cached = map.get(hash);
            Map<String, byte[]> fields;
            if (delta.create()) {
                fields = new java.util.HashMap<>(delta.set());
            } else if (cached != null && previous != null && Arrays.equals(previous, cached.version())) {
                fields = new java.util.HashMap<>(cached.fields());
                fields.putAll(delta.set());
                fields.keySet().removeAll(delta.remove());
            } else {
                remove(hash);
                return false;
            }
            fields.put(SessionKey.VERSION, version); // what the script stored, whatever the delta carried
            CachedFields copy = new CachedFields(fields);
            if (cached != null) {
                copy.carryOver(cached.fields());
            }
            Entry e = new Entry(key, version, copy, sizeOf(copy), epoch, stripe, true);
            put(hash, e);
            return map.get(hash) == e;
        }
    }
}

package dev.sessionfilter.store;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sessions as this instance last read or wrote them, each with the version token its commit stored in the
 * session's field {@code v}. Never a source of truth: a load uses an entry only after Redis said, with
 * {@code HGET v}, that the session still has that version (one small round trip instead of the whole hash,
 * and the same sealed arrays, whose opened plaintext the session layer keeps). Bounded in entries and
 * bytes, least recently used first out; segmented so requests for different sessions share no lock.
 */
public final class NearCache {
    private static final int SEGMENTS = 16;

    /** One session's stored fields (never mutated) at one version. */
    record Entry(byte[] version, Map<String, byte[]> fields, long bytes) {
    }

    private final Segment[] segments = new Segment[SEGMENTS];
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();

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

    /** Keeps what Redis returned (a fresh map nobody else holds). */
    void loaded(String hash, Map<String, byte[]> fields) {
        byte[] v = fields.get(SessionKey.VERSION);
        if (v != null) {
            Map<String, byte[]> copy = Map.copyOf(fields);
            segment(hash).put(hash, new Entry(v, copy, sizeOf(copy)));
        }
    }

    /**
     * After this instance's commit of {@code delta}: when Redis held the version this cache has (or the
     * session is new), the entry becomes what Redis now holds; otherwise another instance committed in
     * between and the entry is dropped.
     */
    void committed(String hash, Delta delta, byte[] previous, byte[] version) {
        segment(hash).committed(hash, delta, previous, version);
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

    /** Loads served from the cache after a version check, and loads that read the whole session. */
    public long[] counters() {
        return new long[] {hits.get(), misses.get()};
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

        synchronized void remove(String hash) {
            Entry old = map.remove(hash);
            if (old != null) {
                bytes -= old.bytes();
            }
        }

        synchronized void committed(String hash, Delta delta, byte[] previous, byte[] version) {
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
                return;
            }
            fields.put(SessionKey.VERSION, version); // what the script stored, whatever the delta carried
            Map<String, byte[]> copy = Map.copyOf(fields);
            put(hash, new Entry(version, copy, sizeOf(copy)));
        }
    }
}

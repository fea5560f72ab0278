package dev.sessionfilter.session;

import java.util.Map;
import java.util.WeakHashMap;

/**
 * What this instance sealed (the plaintext, or the parsed attribute), keyed by the identity of the sealed
 * array: its own commit hands those arrays to the near cache, so the next load needs no AEAD open. Found
 * once and moved into the near-cache entry ({@code CachedFields}), which is where reads look first.
 * Weakly keyed: an entry goes when nothing holds its array. Striped, so requests rarely share a lock.
 */
final class OpenedCache {
    private static final int STRIPES = 16;
    @SuppressWarnings("unchecked")
    private final Map<byte[], Object>[] stripes = new Map[STRIPES];

    OpenedCache() {
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new WeakHashMap<>(); // arrays hash and compare by identity
        }
    }

    private Map<byte[], Object> stripe(byte[] sealed) {
        return stripes[(System.identityHashCode(sealed) & 0x7fffffff) % STRIPES];
    }

    Object get(byte[] sealed) {
        Map<byte[], Object> m = stripe(sealed);
        synchronized (m) {
            return m.get(sealed);
        }
    }

    void put(byte[] sealed, Object made) {
        Map<byte[], Object> m = stripe(sealed);
        synchronized (m) {
            m.put(sealed, made);
        }
    }
}

package dev.sessionfilter.session;

import java.util.Map;
import java.util.WeakHashMap;

/**
 * What was made from a sealed value (its plaintext, or a decoded immutable value), keyed by the identity of
 * the sealed array. With a near cache an unchanged session comes back as the very same arrays, so each is
 * opened (AEAD) and decoded once per instance, not once per request. Weakly keyed: an entry goes when its
 * near-cache entry does. Striped, so requests for different sessions rarely share a lock.
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

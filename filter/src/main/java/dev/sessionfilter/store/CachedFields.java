package dev.sessionfilter.store;

import java.util.AbstractMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A near-cache entry's sealed fields (immutable), with room for what the session layer made of them: the
 * opened plaintext and the decoded value of each field, valid for exactly the array they were made from.
 * Requests for an unchanged session find them here with one small map lookup, instead of opening (AEAD)
 * and decoding again, and without a shared identity map.
 */
public final class CachedFields extends AbstractMap<String, byte[]> {
    private final Map<String, byte[]> fields;
    private final ConcurrentHashMap<String, Made> opened = new ConcurrentHashMap<>(8);
    private final ConcurrentHashMap<String, Made> decoded = new ConcurrentHashMap<>(8);

    private record Made(byte[] sealed, Object value) {
    }

    CachedFields(Map<String, byte[]> fields) {
        this.fields = Map.copyOf(fields);
    }

    /** What was opened from {@code sealed} (this entry's array for {@code field}), or null. */
    public Object opened(String field, byte[] sealed) {
        Made m = opened.get(field);
        return m != null && m.sealed() == sealed ? m.value() : null;
    }

    public void opened(String field, byte[] sealed, Object value) {
        if (fields.get(field) == sealed) {
            opened.put(field, new Made(sealed, value));
        }
    }

    /** What was decoded from {@code sealed} (an immutable value, or a pristine plain copy), or null. */
    public Object decoded(String field, byte[] sealed) {
        Made m = decoded.get(field);
        return m != null && m.sealed() == sealed ? m.value() : null;
    }

    public void decoded(String field, byte[] sealed, Object value) {
        if (fields.get(field) == sealed) {
            decoded.put(field, new Made(sealed, value));
        }
    }

    /** Keeps what was made of the fields both hold as the very same array (after an own commit). */
    void carryOver(CachedFields from) {
        from.opened.forEach((f, m) -> {
            if (fields.get(f) == m.sealed()) {
                opened.put(f, m);
            }
        });
        from.decoded.forEach((f, m) -> {
            if (fields.get(f) == m.sealed()) {
                decoded.put(f, m);
            }
        });
    }

    @Override
    public byte[] get(Object key) {
        return fields.get(key);
    }

    @Override
    public boolean containsKey(Object key) {
        return fields.containsKey(key);
    }

    @Override
    public int size() {
        return fields.size();
    }

    @Override
    public Set<Entry<String, byte[]>> entrySet() {
        return fields.entrySet();
    }
}

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
    private final Made opened = new Made();
    private final Made decoded = new Made();

    /** What was made of each field, tagged with the array it was made from. */
    private final class Made {
        private record Slot(byte[] sealed, Object value) {
        }

        private final ConcurrentHashMap<String, Slot> slots = new ConcurrentHashMap<>(8);

        Object get(String field, byte[] sealed) {
            Slot s = slots.get(field);
            return s != null && s.sealed() == sealed ? s.value() : null;
        }

        void put(String field, byte[] sealed, Object value) {
            if (fields.get(field) == sealed) {
                slots.put(field, new Slot(sealed, value));
            }
        }

        /** Keeps the slots of the fields both hold as the very same array. */
        void carryOver(Made from) {
            from.slots.forEach((f, s) -> {
                if (fields.get(f) == s.sealed()) {
                    slots.put(f, s);
                }
            });
        }
    }

    CachedFields(Map<String, byte[]> fields) {
        this.fields = Map.copyOf(fields);
    }

    /** What was opened from {@code sealed} (this entry's array for {@code field}), or null. */
    public Object opened(String field, byte[] sealed) {
        return opened.get(field, sealed);
    }

    public void opened(String field, byte[] sealed, Object value) {
        opened.put(field, sealed, value);
    }

    /** What was decoded from {@code sealed} (an immutable value, or a pristine plain copy), or null. */
    public Object decoded(String field, byte[] sealed) {
        return decoded.get(field, sealed);
    }

    public void decoded(String field, byte[] sealed, Object value) {
        decoded.put(field, sealed, value);
    }

    /** Keeps what was made of the fields both hold as the very same array (after an own commit). */
    void carryOver(CachedFields from) {
        opened.carryOver(from.opened);
        decoded.carryOver(from.decoded);
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

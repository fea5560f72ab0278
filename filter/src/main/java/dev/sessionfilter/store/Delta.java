package dev.sessionfilter.store;

import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * One atomic change to a stored session: only the fields that changed.
 *
 * @param create    the session is new: write it unless a tombstone says its id was retired; otherwise write
 *                  only if it still exists (so an invalidated or expired session is never brought back)
 * @param set       fields to write, sealed
 * @param remove    fields to delete
 * @param ttlMillis the key's new time to live; 0 keeps it forever
 * @param extendOnly the expiry may move later, never earlier (a request that must not touch the session:
 *                  another request may have extended it meanwhile)
 */
public record Delta(boolean create, Map<String, byte[]> set, Collection<String> remove, long ttlMillis,
                    boolean extendOnly) {
    public Delta {
        set = Map.copyOf(set);
        remove = List.copyOf(remove);
    }

    public Delta(boolean create, Map<String, byte[]> set, Collection<String> remove, long ttlMillis) {
        this(create, set, remove, ttlMillis, false);
    }
}

package dev.sessionfilter.store;

import java.util.List;
import java.util.Map;

/**
 * Where sessions live, as sealed fields. Implementations: Redis, and Redis with an in-memory fallback.
 *
 * <p>Guarantees every implementation keeps:
 * <ul>
 *   <li>{@link #load} and {@link #commit} each cost at most one Redis round trip;</li>
 *   <li>a commit only touches the fields it names, so two requests changing different attributes of one
 *       session both keep their change;</li>
 *   <li>once {@link #delete} returns, no commit brings the session back (invalidate wins).</li>
 * </ul>
 */
public interface SessionBackend extends AutoCloseable {

    /**
     * The stored fields of a session, or null when there is none (never created, expired, invalidated).
     *
     * @throws RedisUnavailableException when the store cannot answer and has no fallback
     */
    Map<String, byte[]> load(SessionKey key);

    /**
     * Applies a change atomically.
     *
     * @return false when the change was dropped because the session no longer exists
     * @throws RedisUnavailableException when the store cannot answer and has no fallback
     */
    boolean commit(SessionKey key, Delta delta);

    /**
     * Removes a session and leaves a short-lived tombstone, so in-flight requests cannot recreate it.
     *
     * @return whether this call ended a live session (false: already gone, or its expiry is being notified),
     *         and the principal index name it had
     */
    Ended delete(SessionKey key);

    /**
     * What {@link #delete} or {@link #retire} found.
     *
     * @param live      the session existed and nobody else was ending it: the caller fires its events
     * @param principal the keyed hash of its principal (the registry's index name), or null
     */
    record Ended(boolean live, String principal) {
    }

    /**
     * Retires an id that is being changed: atomically, deletes the session and leaves a tombstone only if it
     * still exists. The caller writes the session under its new id only after this returned true, so an id
     * change can never bring back a session another request invalidated meanwhile.
     *
     * @return live false when the session was already gone (invalidated or expired)
     */
    Ended retire(SessionKey key);

    // ---- expiry sweeping and the principal index: Redis only, or RedisUnavailableException ---------------

    /**
     * Claims, with a lease until {@code leaseUntil}, up to {@code batch} sessions of one shard whose deadline
     * passed, and takes over claims whose lease ran out. One round trip.
     *
     * @return the hashes of the claimed sessions
     */
    default List<String> claimExpired(String namespace, int shard, long now, long leaseUntil, int batch) {
        return List.of();
    }

    /** A claimed session's fields (past its deadline, so {@link #load} callers would refuse it), or null. */
    default Map<String, byte[]> loadClaimed(SessionKey key) {
        return null;
    }

    /** Deletes a notified session, unless another instance took its claim over. */
    default boolean finishExpired(SessionKey key, long leaseUntil) {
        return false;
    }

    /**
     * Adds {@code member} (a session hash) to a principal's index and drops {@code replaced} from it
     * (either may be null).
     */
    default void indexPrincipal(String namespace, String principal, String member, String replaced,
                                long absoluteDeadline) {
    }

    /**
     * The admit script's answer: {@link #ADMITTED}, and the members it evicted; {@link #FULL}, and the
     * members with a pending flag each ({@code member, "1"|"0", ...}); or {@link #REPLACED_MISSING}.
     */
    record Admission(int outcome, List<String> members) {
        public static final int FULL = 0;
        public static final int ADMITTED = 1;
        public static final int REPLACED_MISSING = 2;
    }

    /**
     * Admits {@code member} to a principal's index under {@code limit} (see {@code RedisSessionBackend.ADMIT}).
     *
     * @param replaced the member it takes the place of (an id change), or null
     * @param mode     {@code check}, {@code evict} or {@code refuse}
     */
    default Admission admitPrincipal(String namespace, String principal, String member, String replaced, double score,
                                     int limit, String mode, long pendingGraceMillis) {
        return new Admission(Admission.ADMITTED, List.of());
    }

    /** What {@link #live} tells of a session. */
    enum Liveness {
        /** Stored, not past its idle deadline, not claimed by a sweeper. */
        LIVE,
        /** Invalidated, past its deadline, or claimed by a sweeper. */
        ENDED,
        /** Not stored and no tombstone: never saved, or not saved yet. */
        ABSENT
    }

    default Liveness live(SessionKey key) {
        return load(key) != null ? Liveness.LIVE : Liveness.ABSENT;
    }

    /** The session hashes in a principal's index. */
    default List<String> principalMembers(String namespace, String principal) {
        return List.of();
    }

    /** Sessions created during an outage whose deadline passed locally; each returned once. */
    default List<LocallyExpired> takeLocallyExpired() {
        return List.of();
    }

    /** A session that lived and died in this instance's memory during an outage. */
    record LocallyExpired(SessionKey key, Map<String, byte[]> fields) {
    }

    /** The session layer opened a loaded session and knows when it dies; a local copy is never served past it. */
    default void expiresAt(SessionKey key, long deadline) {
    }

    /** Whether sessions are served from Redis right now (false while degraded to memory or failing). */
    boolean redisAvailable();

    @Override
    void close();
}

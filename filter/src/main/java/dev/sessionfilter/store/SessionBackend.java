package dev.sessionfilter.store;

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

    /** Removes a session and leaves a short-lived tombstone, so in-flight requests cannot recreate it. */
    void delete(SessionKey key);

    /**
     * Retires an id that is being changed: atomically, deletes the session and leaves a tombstone only if it
     * still exists. The caller writes the session under its new id only after this returned true, so an id
     * change can never bring back a session another request invalidated meanwhile.
     *
     * @return false when the session was already gone (invalidated or expired)
     */
    boolean retire(SessionKey key);

    /** The session layer opened a loaded session and knows when it dies; a local copy is never served past it. */
    default void expiresAt(SessionKey key, long deadline) {
    }

    /** Whether sessions are served from Redis right now (false while degraded to memory or failing). */
    boolean redisAvailable();

    @Override
    void close();
}

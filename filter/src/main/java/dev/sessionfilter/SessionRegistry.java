package dev.sessionfilter;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The application's sessions, across every instance: look one up, end one, or end all of one user's
 * ("log out everywhere", after a password change or a lock-out). In a servlet app it is the
 * {@code ServletContext} attribute named {@link #ATTRIBUTE} (this interface's class name), set by the
 * {@link SessionFilter} at init.
 *
 * <p>The principal of a session is its request's {@code getRemoteUser()} (container login), or the value of
 * the session attribute named by {@code sessionfilter.principalAttribute} (the app's own login). Ending a
 * session here fires the same events as {@code HttpSession.invalidate()}, once.
 *
 * <p>Methods that need the principal index throw {@link dev.sessionfilter.store.RedisUnavailableException}
 * while Redis is unreachable; lookups by id are answered from the memory fallback like requests are.
 */
public interface SessionRegistry {
    /** The servlet-context attribute holding the registry. */
    String ATTRIBUTE = SessionRegistry.class.getName();

    /** The live session with this id, if any. One Redis round trip. */
    Optional<SessionInfo> find(String id);

    /**
     * Ends the session with this id, firing its listeners (on this thread) as {@code invalidate()} does.
     *
     * @return false when there was no such live session (never existed, expired, already ended)
     */
    boolean invalidate(String id);

    /** The live sessions of one principal, on every instance. */
    List<SessionInfo> sessionsOf(String principal);

    /**
     * Ends every session of one principal.
     *
     * @return how many sessions this call ended
     */
    int invalidateAll(String principal);

    /** A snapshot of one session, read when it was looked up. */
    interface SessionInfo {
        String id();

        long creationTime();

        /** The last access recorded in Redis (at most a tenth of the idle timeout old). */
        long lastAccessedTime();

        /** Seconds; 0 or negative: never idle-expires. */
        int maxInactiveInterval();

        /** The principal name, or null when the session has none. */
        String principal();

        /** An attribute's value, decoded by the same codec (and allow-list) as requests use; null if absent. */
        Object attribute(String name);

        Set<String> attributeNames();
    }
}

package dev.sessionfilter.cdi;

/**
 * The session lifecycle as CDI events, fired by sessionfilter for its Redis sessions: observe the records
 * below with {@code @Observes} or {@code @ObservesAsync}. Payloads are small and immutable (ids and names,
 * never the session itself, which may be gone by the time an observer runs). Expiry is fired once across
 * all instances, by the instance that notices it.
 */
public sealed interface SessionEvent {
    /** The session's id (for a changed id: the new one). */
    String sessionId();

    record Created(String sessionId) implements SessionEvent {
    }

    /** @param expired true when the session timed out, false when it was invalidated */
    record Destroyed(String sessionId, boolean expired) implements SessionEvent {
    }

    record IdChanged(String oldSessionId, String sessionId) implements SessionEvent {
    }

    record AttributeAdded(String sessionId, String name) implements SessionEvent {
    }

    record AttributeReplaced(String sessionId, String name) implements SessionEvent {
    }

    record AttributeRemoved(String sessionId, String name) implements SessionEvent {
    }
}

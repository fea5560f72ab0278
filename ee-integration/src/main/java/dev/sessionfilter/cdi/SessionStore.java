package dev.sessionfilter.cdi;

import dev.sessionfilter.SessionRegistry;

/**
 * The application's Redis sessions, for code: {@code @Inject SessionStore sessions;} (look up or end one
 * session by id, list or end every session of a principal). The same object the {@code SessionFilter}
 * publishes as the {@link SessionRegistry} context attribute; {@code @Inject SessionRegistry} works too.
 */
public interface SessionStore extends SessionRegistry {
}

package dev.sessionfilter.session;

import jakarta.servlet.http.HttpSession;

/**
 * Internal, for sessionfilter-ee: the session lifecycle as the CDI integration needs it. Unlike the servlet
 * listener interfaces it says whether a session expired or was invalidated, and attribute changes carry only
 * the name, so registering it never makes a request decode an old value it would not otherwise read.
 * Called on the thread that caused the change (the request's, or the expiry sweeper's); an exception is
 * logged and does not stop the request.
 */
public interface SessionEvents {
    default void created(HttpSession session) {
    }

    /** Before the session's attributes are unbound: they are still readable. */
    default void destroyed(HttpSession session, boolean expired) {
    }

    default void idChanged(HttpSession session, String oldId) {
    }

    enum Change { ADDED, REPLACED, REMOVED }

    default void attributeChanged(HttpSession session, String name, Change change) {
    }
}

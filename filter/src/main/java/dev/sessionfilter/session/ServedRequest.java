package dev.sessionfilter.session;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;

import java.util.function.Supplier;

/**
 * Internal, for sessionfilter-ee: the request the session filter is serving on the current thread, so a
 * CDI context can keep its state in that request's Redis session and write it back with it.
 */
public interface ServedRequest {

    /** The request being served on this thread (inside the filter's chain), or null. */
    static ServedRequest current() {
        return RequestSessions.SERVING.get();
    }

    /** The request as the application sees it behind the filter (its getSession is the Redis session). */
    HttpServletRequest request();

    /** As {@code request.getSession(create)} on the filter's wrapped request. */
    HttpSession session(boolean create);

    /**
     * This request's hook for {@code owner}, made by {@code hook} on the first call: it runs before each
     * commit of the request's session (there may be one before the response is committed and one at the
     * end), while the session can still be changed.
     */
    <T extends Runnable> T beforeCommit(Object owner, Supplier<T> hook);
}

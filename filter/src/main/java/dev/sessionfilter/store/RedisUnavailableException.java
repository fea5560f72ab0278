package dev.sessionfilter.store;

/**
 * Redis could not serve a command in time (connection refused, timeout, failover in progress), or refused
 * our credentials ({@link #accessDenied()}): both are outages for the request, but only the second is
 * a configuration error at start.
 */
public final class RedisUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final boolean accessDenied;

    public RedisUnavailableException(String message, Throwable cause) {
        this(message, cause, false);
    }

    public RedisUnavailableException(String message, Throwable cause, boolean accessDenied) {
        super(message, cause);
        this.accessDenied = accessDenied;
    }

    /** Redis answered, but refused the user, password or a command (WRONGPASS, NOAUTH, NOPERM). */
    public boolean accessDenied() {
        return accessDenied;
    }
}

package dev.sessionfilter.store;

/** Redis could not be reached in time (connection refused, timeout, failover in progress). */
public final class RedisUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public RedisUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}

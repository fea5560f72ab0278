package dev.sessionfilter.cdi;

/**
 * A {@link RateLimited} method was called once too often. Unchecked, so it passes through business methods;
 * with JAX-RS, {@link RateLimitExceptionMapper} turns it into a 429 response.
 */
public class RateLimitExceededException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient RateLimitResult result;
    private final long retryAfterSeconds;

    public RateLimitExceededException(String message, RateLimitResult result) {
        super(message);
        this.result = result;
        this.retryAfterSeconds = result.retryAfterSeconds();
    }

    /** Seconds until a retry can pass (the {@code Retry-After} value); at least 1. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /** The refused decision, with every item's remaining and reset. */
    public RateLimitResult result() {
        return result;
    }
}

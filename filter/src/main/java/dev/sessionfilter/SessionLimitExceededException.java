package dev.sessionfilter;

/**
 * A login refused because its principal already holds {@code sessionfilter.maxSessionsPerPrincipal}
 * sessions and {@code sessionfilter.maxSessionsPolicy} is {@code refuse}. Thrown by the
 * {@code setAttribute} that names the principal ({@code sessionfilter.principalAttribute}) or by the
 * {@code changeSessionId} after a container login; the session is left as it was before the call, so the
 * app can catch it and answer "log out elsewhere first". Carries no principal name: it may reach a log.
 */
public class SessionLimitExceededException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    private final int limit;

    public SessionLimitExceededException(int limit) {
        super("sessionfilter: this user already has " + limit + " session" + (limit == 1 ? "" : "s")
                + " (sessionfilter.maxSessionsPerPrincipal=" + limit + ", policy refuse); end one to log in here");
        this.limit = limit;
    }

    /** The configured maximum of sessions per principal. */
    public int limit() {
        return limit;
    }
}

package dev.sessionfilter.cdi;

import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

/**
 * Answers a {@link RateLimitExceededException} the way the {@code RateLimitFilter} answers a refused request:
 * 429, {@code application/problem+json}, {@code Retry-After}, {@code RateLimit} and {@code RateLimit-Policy}.
 * Found by JAX-RS' provider scanning; an application whose {@code Application.getClasses()} lists its
 * providers by hand adds this class there.
 */
@Provider
public class RateLimitExceptionMapper implements ExceptionMapper<RateLimitExceededException> {

    @Override
    public Response toResponse(RateLimitExceededException e) {
        RateLimitResult r = e.result();
        String item = r == null || r.limits().isEmpty() ? "" : " " + r.limits().get(0).name();
        Response.ResponseBuilder b = Response.status(429)
                .type("application/problem+json")
                .header("Retry-After", Long.toString(e.retryAfterSeconds()))
                .header("Cache-Control", "no-store")
                .entity("{\"type\":\"about:blank\",\"title\":\"Too Many Requests\",\"status\":429,\"detail\":\"Rate limit"
                        + item + " exceeded; retry in " + e.retryAfterSeconds() + " s.\"}");
        if (r != null && r.policyHeader() != null) {
            b.header("RateLimit-Policy", r.policyHeader()).header("RateLimit", r.stateHeader());
        }
        return b.build();
    }
}

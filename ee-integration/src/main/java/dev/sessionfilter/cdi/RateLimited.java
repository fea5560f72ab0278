package dev.sessionfilter.cdi;

import jakarta.enterprise.util.Nonbinding;
import jakarta.interceptor.InterceptorBinding;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Limits calls of a CDI bean method (or of every method of a class), counted in Redis across all instances,
 * as the {@code RateLimitFilter} counts requests. A refused call throws {@link RateLimitExceededException};
 * with JAX-RS, {@link RateLimitExceptionMapper} answers it with the filter's 429. A limit string or key that
 * does not parse fails the deployment, naming the method.
 *
 * <pre>{@code @RateLimited(value = "5 per minute", key = "ip") @POST public Response login(...)}</pre>
 */
@Inherited
@InterceptorBinding
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
public @interface RateLimited {
    /** Items joined by {@code ,}: {@code N per [M] second|minute|hour|day}, e.g. {@code 5 per minute, 100 per day}. */
    @Nonbinding
    String value();

    /**
     * Who is counted: {@code ip} (the client address, proxy-aware as the filter's
     * {@code sessionfilter.ratelimit.trustedProxies}), {@code session}, {@code principal} or
     * {@code header:NAME}; falls back to the IP when the request has no such value. Outside an HTTP
     * request every caller shares one count.
     */
    @Nonbinding
    String key() default "ip";

    /** The counter's name; the default, {@code Class.method}, gives each method its own. */
    @Nonbinding
    String name() default "";
}

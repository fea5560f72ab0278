package dev.sessionfilter.cdi.internal;

import jakarta.enterprise.context.NormalScope;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The scope {@code @SessionScoped} beans are moved to: their state lives in the Redis session (see
 * {@link RedisSessionContext}). Not for application code: keep writing {@code @SessionScoped}.
 */
@NormalScope(passivating = true)
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.FIELD})
public @interface RedisSessionScoped {
}

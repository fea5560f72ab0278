package dev.sessionfilter.cdi;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Leaves a {@code @SessionScoped} bean to the container's own session context (it is then lost on a
 * fail-over, as without sessionfilter): for a bean whose state cannot follow the rules of docs/cdi.md.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface KeepInContainerSession {
}

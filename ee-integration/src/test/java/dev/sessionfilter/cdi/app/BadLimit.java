package dev.sessionfilter.cdi.app;

import dev.sessionfilter.cdi.RateLimited;
import jakarta.enterprise.context.ApplicationScoped;

/** Only in the WAR that must fail to deploy. */
@ApplicationScoped
public class BadLimit {
    @RateLimited("5 per fortnight")
    public void call() {
    }
}

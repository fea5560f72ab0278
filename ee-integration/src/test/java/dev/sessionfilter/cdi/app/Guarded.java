package dev.sessionfilter.cdi.app;

import dev.sessionfilter.cdi.RateLimited;
import jakarta.enterprise.context.ApplicationScoped;

@ApplicationScoped
public class Guarded {
    @RateLimited(value = "3 per minute", key = "header:X-Client")
    public String call() {
        return "passed";
    }
}

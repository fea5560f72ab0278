package dev.sessionfilter.cdi.internal;

import dev.sessionfilter.SessionRegistry;
import dev.sessionfilter.cdi.RateLimitResult;
import dev.sessionfilter.cdi.RateLimiter;
import dev.sessionfilter.cdi.RedisHealth;
import dev.sessionfilter.cdi.SessionStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.List;
import java.util.Optional;

/** The injectable views; each reaches the application's running components through the extension. */
public final class Beans {
    private Beans() {
    }

    @ApplicationScoped
    public static class Store implements SessionStore {
        @Inject
        SessionFilterExtension extension;

        private SessionRegistry registry() {
            return extension.runtime().registry();
        }

        @Override
        public Optional<SessionInfo> find(String id) {
            return registry().find(id);
        }

        @Override
        public boolean invalidate(String id) {
            return registry().invalidate(id);
        }

        @Override
        public List<SessionInfo> sessionsOf(String principal) {
            return registry().sessionsOf(principal);
        }

        @Override
        public int invalidateAll(String principal) {
            return registry().invalidateAll(principal);
        }
    }

    @ApplicationScoped
    public static class Limiter implements RateLimiter {
        @Inject
        SessionFilterExtension extension;

        @Override
        public RateLimitResult tryAcquire(String key, String limits) {
            return extension.runtime().decide("cdi", key, extension.runtime().limits(limits));
        }
    }

    @ApplicationScoped
    public static class Health implements RedisHealth {
        @Inject
        SessionFilterExtension extension;

        @Override
        public Status check() {
            return extension.runtime().health();
        }
    }
}

package dev.sessionfilter.cdi.internal;

import dev.sessionfilter.SessionRegistry;
import dev.sessionfilter.cdi.RateLimitResult;
import dev.sessionfilter.cdi.RateLimiter;
import dev.sessionfilter.cdi.RedisHealth;
import dev.sessionfilter.cdi.SessionStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.inject.Inject;

import java.util.List;
import java.util.Optional;

/**
 * The injectable views; each reaches the application's running components through the extension (asked
 * of the BeanManager: injecting the extension itself would make Weld proxy it).
 */
public final class Beans {
    private Beans() {
    }

    static AppRuntime runtime(BeanManager beanManager) {
        return beanManager.getExtension(SessionFilterExtension.class).runtime();
    }

    @ApplicationScoped
    public static class Store implements SessionStore {
        private final BeanManager beanManager;

        protected Store() { // for the client proxy
            this.beanManager = null;
        }

        @Inject
        public Store(BeanManager beanManager) {
            this.beanManager = beanManager;
        }

        private SessionRegistry registry() {
            return runtime(beanManager).registry();
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
        private final BeanManager beanManager;

        protected Limiter() { // for the client proxy
            this.beanManager = null;
        }

        @Inject
        public Limiter(BeanManager beanManager) {
            this.beanManager = beanManager;
        }

        @Override
        public RateLimitResult tryAcquire(String key, String limits) {
            return runtime(beanManager).decide("cdi", key, runtime(beanManager).limits(limits));
        }
    }

    @ApplicationScoped
    public static class Health implements RedisHealth {
        private final BeanManager beanManager;

        protected Health() { // for the client proxy
            this.beanManager = null;
        }

        @Inject
        public Health(BeanManager beanManager) {
            this.beanManager = beanManager;
        }

        @Override
        public Status check() {
            return runtime(beanManager).health();
        }
    }
}

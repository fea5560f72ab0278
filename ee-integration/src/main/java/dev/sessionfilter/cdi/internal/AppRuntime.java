package dev.sessionfilter.cdi.internal;

import dev.sessionfilter.SessionFilter;
import dev.sessionfilter.SessionRegistry;
import dev.sessionfilter.cdi.RateLimitResult;
import dev.sessionfilter.cdi.RedisHealth;
import dev.sessionfilter.config.ConfigReader;
import dev.sessionfilter.config.ConfigSources;
import dev.sessionfilter.config.RedisConfig;
import dev.sessionfilter.config.SessionConfig;
import dev.sessionfilter.config.Setting;
import dev.sessionfilter.health.Health;
import dev.sessionfilter.internal.RedisConnections;
import dev.sessionfilter.ratelimit.ClientHash;
import dev.sessionfilter.ratelimit.ClientKeys;
import dev.sessionfilter.ratelimit.Decision;
import dev.sessionfilter.ratelimit.Limit;
import dev.sessionfilter.ratelimit.RateLimitEngine;
import dev.sessionfilter.ratelimit.RateLimiter;
import dev.sessionfilter.session.SessionEngine;
import dev.sessionfilter.store.RedisApi;
import dev.sessionfilter.store.RedisMonitor;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The application's running sessionfilter components as the CDI beans see them: the session engine (the
 * filter's own, started early if need be) and, on first use, a rate limiter on the same connection pool.
 */
final class AppRuntime {
    private static final int MAX_CACHED_LIMITS = 1000;

    private final ServletContext context;
    private final SessionEngine engine;
    private final Map<String, List<Limit>> parsed = new ConcurrentHashMap<>();
    private RateLimiter limiter;
    private RateLimitEngine rateLimitSettings;
    private final Map<String, ClientKeys> keys = new ConcurrentHashMap<>();
    private RedisApi api;
    private ClientHash clientHash;
    private String namespace;

    private AppRuntime(ServletContext context, SessionEngine engine) {
        this.context = context;
        this.engine = engine;
    }

    /** Starts (or joins) the application's session engine; null engine when web.xml declares no SessionFilter. */
    static AppRuntime start(ServletContext context, jakarta.servlet.FilterRegistration declared) throws ServletException {
        return new AppRuntime(context, declared == null ? null : SessionFilter.acquireEngine(context, declared));
    }

    SessionEngine engine() {
        return engine;
    }

    SessionRegistry registry() {
        SessionRegistry r = (SessionRegistry) context.getAttribute(SessionRegistry.ATTRIBUTE);
        if (r == null) {
            throw new IllegalStateException("sessionfilter: no SessionFilter is declared in web.xml, so there is no "
                    + "session store to inject; declare dev.sessionfilter.SessionFilter (README, Quick start)");
        }
        return r;
    }

    /**
     * The application's shared pool and its context-level rate-limit settings (as for a rate-limit filter
     * without init-params), on first use.
     */
    private synchronized RedisApi pool() {
        if (api == null) {
            ConfigReader r = new ConfigReader(ConfigSources.of(n -> null, List.of(), context::getInitParameter,
                    Collections.list(context.getInitParameterNames())));
            RedisConfig redis = RedisConfig.read(r);
            RateLimitEngine settings = RateLimitEngine.read(r);
            ClientHash clientHash = ClientHash.keyedBy(r.secret(Setting.KEYSET, Setting.KEYSET_FILE));
            String ns = r.string(Setting.NAMESPACE);
            r.throwIfProblems();
            api = RedisConnections.acquire(context, redis);
            rateLimitSettings = settings;
            this.clientHash = clientHash;
            namespace = ns != null ? ns : SessionConfig.defaultNamespace(context.getContextPath());
        }
        return api;
    }

    private synchronized RateLimiter limiter() {
        if (limiter == null) {
            pool();
            limiter = new RateLimiter(namespace, api, rateLimitSettings.failure(), rateLimitSettings.maxKeys(),
                    System::currentTimeMillis, clientHash);
        }
        return limiter;
    }

    /** How {@code @RateLimited(key = spec)} identifies callers, with the app's trusted proxies. */
    ClientKeys keys(String spec) {
        ClientKeys k = keys.get(spec);
        if (k == null) {
            pool();
            k = rateLimitSettings.keys().withStrategy(spec);
            keys.put(spec, k);
        }
        return k;
    }

    List<Limit> limits(String text) {
        List<Limit> l = parsed.get(text);
        if (l == null) {
            try {
                l = Limit.parse(text);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("sessionfilter: limits '" + text + "' do not parse; expected "
                        + Limit.SYNTAX, e);
            }
            if (parsed.size() < MAX_CACHED_LIMITS) {
                parsed.put(text, l);
            }
        }
        return l;
    }

    RateLimitResult decide(String scope, String key, List<Limit> limits) {
        Decision d = limiter().decide(scope, key, limits, true);
        if (d == null) {
            throw new IllegalStateException("sessionfilter: rate limiting is unavailable (Redis is down and "
                    + "sessionfilter.ratelimit.onRedisFailure=deny)");
        }
        List<RateLimitResult.Quota> quotas = new ArrayList<>(d.quotas().size());
        for (Decision.Quota q : d.quotas()) {
            quotas.add(new RateLimitResult.Quota(q.limit().name(), q.limit().count(), q.limit().windowSeconds(),
                    q.remaining(), q.resetSeconds()));
        }
        return new RateLimitResult(d.allowed(), quotas, d.allowed() ? 0 : d.retryAfterSeconds());
    }

    RedisHealth.Status health() {
        RedisMonitor.State s = pool().monitor().state(Health.READINESS_BOUND_MS);
        boolean storeUp = engine == null || engine.store().redisAvailable();
        boolean memory = engine != null && engine.config().failureMode() == SessionConfig.FailureMode.MEMORY;
        boolean up = s.available() && storeUp;
        return new RedisHealth.Status(up, up ? "redis" : memory ? "memory-fallback" : "unavailable",
                s.available() ? s.latencyMs() : -1);
    }

    synchronized void stop() {
        if (limiter != null) {
            limiter.close();
        }
        if (api != null) {
            RedisConnections.release(context);
        }
        if (engine != null) {
            SessionFilter.releaseEngine(context);
        }
    }
}

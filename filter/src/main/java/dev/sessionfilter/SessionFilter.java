package dev.sessionfilter;

import dev.sessionfilter.config.ConfigReader;
import dev.sessionfilter.config.RedisConfig;
import dev.sessionfilter.config.SessionConfig;
import dev.sessionfilter.crypto.Keysets;
import dev.sessionfilter.crypto.Sealer;
import dev.sessionfilter.internal.RedisConnections;
import com.google.crypto.tink.KeysetHandle;
import dev.sessionfilter.session.ExpirySweeper;
import dev.sessionfilter.session.Listeners;
import dev.sessionfilter.session.Registry;
import dev.sessionfilter.store.PrincipalIndex;
import dev.sessionfilter.session.SessionEngine;
import dev.sessionfilter.store.RedisApi;
import dev.sessionfilter.store.RedisUnavailableException;
import dev.sessionfilter.store.ResilientSessionBackend;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSessionAttributeListener;
import jakarta.servlet.http.HttpSessionIdListener;
import jakarta.servlet.http.HttpSessionListener;

import javax.naming.InitialContext;
import javax.naming.NamingException;
import java.io.IOException;
import java.util.concurrent.ThreadFactory;
import java.lang.System.Logger.Level;
import java.security.GeneralSecurityException;
import java.util.List;
import java.util.Map;

/**
 * Serves every {@code request.getSession()} of the application from Redis, encrypted. Map it first, on
 * {@code /*}, for the REQUEST, FORWARD, INCLUDE, ERROR and ASYNC dispatchers. Settings: docs/configuration.md.
 */
public final class SessionFilter implements Filter {
    private static final System.Logger LOG = System.getLogger("dev.sessionfilter");
    /** Servlet-context attribute holding the running {@link SessionEngine}, for the other components. */
    public static final String ENGINE_ATTRIBUTE = "dev.sessionfilter.SessionEngine";

    /** Servlet-context attribute holding the {@link ExpirySweeper}, for health figures and tests. */
    public static final String SWEEPER_ATTRIBUTE = "dev.sessionfilter.ExpirySweeper";

    private SessionEngine engine;
    private Running running;
    private ServletContext context;
    private List<String> exclude = List.of();

    /** What init() reads and checks before it touches Redis: also run at deployment by {@link StartupCheck}. */
    record Prepared(SessionConfig config, RedisConfig redis, Sealer sealer, PrincipalIndex principals,
                    Listeners listeners, ConfigReader reader) {
    }

    /** Reads and checks every setting; a bad one fails with one message naming them all. */
    static Prepared prepare(FilterConfig filterConfig) throws ServletException {
        ServletContext context = filterConfig.getServletContext();
        ConfigReader r = Components.settings(context, filterConfig::getInitParameter, filterConfig.getInitParameterNames());
        RedisConfig redis = RedisConfig.read(r);
        Integer containerTimeout = null;
        try {
            containerTimeout = context.getSessionTimeout();
        } catch (UnsupportedOperationException | IllegalStateException e) {
            // not available in this container: use the default
        }
        SessionConfig config = SessionConfig.read(r, context.getContextPath(), containerTimeout);
        Sealer sealer = null;
        PrincipalIndex principals = null;
        if (config.keyset() != null) {
            try {
                KeysetHandle keyset = Keysets.parse(config.keyset());
                sealer = new Sealer(Keysets.aead(keyset));
                principals = new PrincipalIndex(Keysets.derivedSecrets(keyset, "sessionfilter principal index\n"));
            } catch (GeneralSecurityException | RuntimeException e) {
                r.problem("Cannot load the session keyset from " + config.keysetSource() + ": " + e.getMessage()
                        + "; expected a Tink JSON keyset with an enabled primary AES-256-GCM key, or 64 hex digits. "
                        + "Create one with `java -jar sessionfilter.jar keyset new` (docs/security.md). "
                        + "Keyset contents are never logged.");
            }
        }
        Listeners listeners = new Listeners();
        ClassLoader loader = context.getClassLoader();
        for (String name : config.listeners()) {
            try {
                Object l = Class.forName(name, true, loader).getDeclaredConstructor().newInstance();
                if (!(l instanceof HttpSessionListener || l instanceof HttpSessionAttributeListener
                        || l instanceof HttpSessionIdListener)) {
                    r.problem("`sessionfilter.listeners` names " + name + ", which implements no session listener "
                            + "interface; expected HttpSessionListener, HttpSessionAttributeListener or HttpSessionIdListener");
                } else {
                    listeners.add(l);
                }
            } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
                r.problem("`sessionfilter.listeners` names " + name + ", which cannot be instantiated ("
                        + e.getClass().getSimpleName() + "); expected a public class with a public no-argument constructor");
            }
        }
        Components.checked(r, null);
        return new Prepared(config, redis, sealer, principals, listeners, r);
    }

    @Override
    public void init(FilterConfig filterConfig) throws ServletException {
        context = filterConfig.getServletContext();
        running = acquire(context, filterConfig);
        engine = running.engine;
        exclude = engine.config().exclude();
    }

    /**
     * The application's one session engine with its store, pool share and sweeper: started by whichever
     * comes first, this filter's init() or the CDI integration (which may run before any filter does, as
     * WildFly initializes filters at their first request), stopped when the last of them releases it.
     */
    private static final class Running {
        final SessionEngine engine;
        final ExpirySweeper sweeper;
        final ResilientSessionBackend store;
        /** The near cache's invalidation feed, or null. */
        final AutoCloseable feed;
        /** The JMX figures' name, or null when JMX refused it. */
        final javax.management.ObjectName mbean;
        int users;

        Running(SessionEngine engine, ExpirySweeper sweeper, ResilientSessionBackend store, AutoCloseable feed,
                javax.management.ObjectName mbean) {
            this.engine = engine;
            this.sweeper = sweeper;
            this.store = store;
            this.feed = feed;
            this.mbean = mbean;
        }
    }

    private static final String RUNNING_ATTRIBUTE = Running.class.getName();

    private static Running acquire(ServletContext context, FilterConfig filterConfig) throws ServletException {
        synchronized (context) {
            Running r = (Running) context.getAttribute(RUNNING_ATTRIBUTE);
            if (r == null) {
                r = start(context, filterConfig);
                context.setAttribute(RUNNING_ATTRIBUTE, r);
            }
            r.users++;
            return r;
        }
    }

    private static void release(ServletContext context) {
        synchronized (context) {
            Running r = (Running) context.getAttribute(RUNNING_ATTRIBUTE);
            if (r == null || --r.users > 0) {
                return;
            }
            context.removeAttribute(RUNNING_ATTRIBUTE);
            SessionManagerBean.unregister(r.mbean);
            r.sweeper.close();
            if (r.feed != null) {
                try {
                    r.feed.close();
                } catch (Exception e) {
                    LOG.log(Level.DEBUG, "closing the invalidation feed", e);
                }
            }
            context.removeAttribute(SWEEPER_ATTRIBUTE);
            context.removeAttribute(SessionRegistry.ATTRIBUTE);
            r.store.close();
            RedisConnections.release(context);
            context.removeAttribute(ENGINE_ATTRIBUTE);
        }
    }

    /**
     * Internal, for sessionfilter-ee: the application's session engine, started now from the SessionFilter
     * its deployment declares if that filter's init() has not run yet. Each call is paired with one
     * {@link #releaseEngine}.
     *
     * @param declared the SessionFilter's registration, as {@code getFilterRegistrations()} gave it
     */
    public static SessionEngine acquireEngine(ServletContext context, jakarta.servlet.FilterRegistration declared)
            throws ServletException {
        return acquire(context, StartupCheck.declared(declared, context)).engine;
    }

    public static void releaseEngine(ServletContext context) {
        release(context);
    }

    private static Running start(ServletContext context, FilterConfig filterConfig) throws ServletException {
        Prepared p = prepare(filterConfig);
        SessionConfig config = p.config();
        RedisConfig redis = p.redis();
        logConfiguration(config, redis, p.reader().effective());
        RedisApi api = RedisConnections.acquire(context, redis);
        try {
            api.ping();
        } catch (RedisUnavailableException e) {
            if (e.accessDenied()) {
                RedisConnections.release(context);
                String msg = "sessionfilter: invalid configuration (1 problem); the application will not start:\n  - "
                        + "Redis (" + redis.describe() + ") refused the credentials: " + e.getMessage()
                        + "; expected a user and password (`sessionfilter.redis.url`, `sessionfilter.redis.user`, "
                        + "`sessionfilter.redis.password`) that Redis accepts, with the commands listed in docs/operations.md";
                LOG.log(Level.ERROR, msg);
                throw new ServletException(msg, e);
            }
            // An outage at start is an outage like any other: the app starts and the store falls back.
            LOG.log(Level.WARNING, config.namespace() + " - Redis not reachable at start (" + e.getMessage()
                    + "); starting anyway");
        }
        dev.sessionfilter.store.NearCache nearCache = config.nearCacheEntries() == 0 ? null
                : new dev.sessionfilter.store.NearCache(config.nearCacheEntries(), config.nearCacheBytes());
        ResilientSessionBackend store = new ResilientSessionBackend(config.namespace(), api,
                config.failureMode() == SessionConfig.FailureMode.MEMORY, config.retention().toMillis(), nearCache);
        AutoCloseable feed = nearCache != null && config.nearCacheTracking()
                ? api.track(config.namespace() + ":s:", nearCache, config.namespace()) : null;
        SessionEngine engine = new SessionEngine(config, store, p.sealer(), context.getClassLoader(), context,
                p.listeners(), System::currentTimeMillis, p.principals());
        store.writeTimes(engine::writtenAt);
        ExpirySweeper sweeper = new ExpirySweeper(engine, threads(config.namespace()));
        sweeper.start();
        context.setAttribute(ENGINE_ATTRIBUTE, engine);
        context.setAttribute(SWEEPER_ATTRIBUTE, sweeper);
        context.setAttribute(SessionRegistry.ATTRIBUTE, new Registry(engine));
        return new Running(engine, sweeper, store, feed, SessionManagerBean.register(context, engine, api));
    }

    /**
     * The container's managed thread factory when it has one (WildFly: the sweeper's thread then carries
     * the app's naming context, so expiry listeners can look up JNDI names), else a daemon thread.
     */
    private static ThreadFactory threads(String namespace) {
        try {
            Object f = new InitialContext().lookup("java:comp/DefaultManagedThreadFactory");
            if (f instanceof ThreadFactory tf) {
                return tf;
            }
        } catch (NamingException | RuntimeException | LinkageError e) {
            // not a Jakarta EE container (Tomcat): a plain thread
        }
        return r -> {
            Thread t = new Thread(r, "sessionfilter-expiry " + namespace);
            t.setDaemon(true);
            return t;
        };
    }

    private static void logConfiguration(SessionConfig config, RedisConfig redis, Map<String, String> effective) {
        StringBuilder sb = new StringBuilder(config.namespace()).append(" - sessionfilter starting; Redis: ")
                .append(redis.describe());
        int width = effective.keySet().stream().mapToInt(String::length).max().orElse(0);
        for (Map.Entry<String, String> e : effective.entrySet()) {
            sb.append("\n  ").append(String.format("%-" + width + "s", e.getKey())).append(" = ").append(e.getValue());
        }
        LOG.log(Level.INFO, sb.toString());
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (!(request instanceof HttpServletRequest req) || !(response instanceof HttpServletResponse resp)
                || excluded(req)) {
            chain.doFilter(request, response);
            return;
        }
        engine.filter(req, resp, chain);
    }

    private boolean excluded(HttpServletRequest req) {
        return dev.sessionfilter.session.PathPatterns.matches(exclude, req);
    }

    @Override
    public void destroy() {
        if (running != null) {
            running = null;
            release(context);
        }
    }
}

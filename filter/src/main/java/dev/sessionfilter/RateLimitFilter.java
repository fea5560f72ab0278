package dev.sessionfilter;

import dev.sessionfilter.config.ConfigReader;
import dev.sessionfilter.config.RedisConfig;
import dev.sessionfilter.config.Setting;
import dev.sessionfilter.internal.RedisConnections;
import dev.sessionfilter.ratelimit.ClientHash;
import dev.sessionfilter.ratelimit.Decision;
import dev.sessionfilter.ratelimit.RateLimitEngine;
import dev.sessionfilter.ratelimit.RateLimitRules;
import dev.sessionfilter.ratelimit.RateLimiter;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Enforces limits like {@code 5 per minute, 20 per hour} on the URLs it is mapped to, shared by every
 * instance through Redis (one script per request, Redis' clock). Each filter keeps its own counters: its
 * filter name is part of the key. Settings: docs/rate-limiting.md.
 */
public final class RateLimitFilter implements Filter {
    private static final System.Logger LOG = System.getLogger("dev.sessionfilter.ratelimit");
    /** Servlet-context attribute: the application's RateLimitFilters, for {@link RateLimitStatusServlet}. */
    static final String REGISTRY = "dev.sessionfilter.RateLimitFilters";

    private String name;
    private RateLimitEngine settings;
    private RateLimiter limiter;
    private ServletContext context;
    private final AtomicLong refused = new AtomicLong();

    record Prepared(RedisConfig redis, String namespace, RateLimitEngine settings, ConfigReader reader,
                    ClientHash clientHash) {
    }

    /** Reads and checks every setting; also run at deployment by {@link StartupCheck}. */
    static Prepared prepare(FilterConfig filterConfig) throws ServletException {
        ServletContext context = filterConfig.getServletContext();
        String name = filterConfig.getFilterName();
        ConfigReader r = Components.settings(context, filterConfig::getInitParameter, filterConfig.getInitParameterNames());
        RedisConfig redis = RedisConfig.read(r);
        String ns = Components.namespace(r, context);
        RateLimitEngine settings = RateLimitEngine.read(r);
        // Client keys in Redis are keyed by the app's keyset when it has one (docs/security.md).
        ClientHash clientHash = ClientHash.keyedBy(r.secret(Setting.KEYSET, Setting.KEYSET_FILE));
        Components.checked(r, "rate-limit filter '" + name + "'");
        return new Prepared(redis, ns, settings, r, clientHash);
    }

    @Override
    public void init(FilterConfig filterConfig) throws ServletException {
        context = filterConfig.getServletContext();
        name = filterConfig.getFilterName();
        Prepared p = prepare(filterConfig);
        RedisConfig redis = p.redis();
        String ns = p.namespace();
        settings = p.settings();
        ConfigReader r = p.reader();
        limiter = new RateLimiter(ns, RedisConnections.acquire(context, redis), settings.failure(), settings.maxKeys(),
                System::currentTimeMillis, p.clientHash());
        if (!p.clientHash().keyed()) {
            LOG.log(Level.WARNING, () -> ns + " - rate-limit filter '" + name + "': no sessionfilter.keyset, so client "
                    + "keys in Redis are plain SHA-256 hashes (IPv4 addresses can be recovered by trying them all); "
                    + "set sessionfilter.keyset to key them");
        }
        registry(context).add(this);
        String namespace = ns;
        LOG.log(Level.INFO, () -> namespace + " - rate-limit filter '" + name + "': " + settings.limits().stream()
                .map(l -> l.name()).toList() + ", key " + r.string(Setting.RATELIMIT_KEY) + ", on Redis failure "
                + settings.failure().name().toLowerCase());
    }

    @SuppressWarnings("unchecked")
    static List<RateLimitFilter> registry(ServletContext context) {
        synchronized (context) {
            Object o = context.getAttribute(REGISTRY);
            if (o == null) {
                o = new CopyOnWriteArrayList<RateLimitFilter>();
                context.setAttribute(REGISTRY, o);
            }
            return (List<RateLimitFilter>) o;
        }
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (!(request instanceof HttpServletRequest req) || !(response instanceof HttpServletResponse resp)
                || !settings.counts(req.getMethod())) {
            chain.doFilter(request, response);
            return;
        }
        RateLimitRules rules = settings.rules();
        if (rules.exempt(req, settings.keys())) {
            chain.doFilter(request, response); // a monitor, an internal address, an operator role: not counted
            return;
        }
        String client = settings.keys().keyOf(req);
        int cost = rules.cost(req);
        List<dev.sessionfilter.ratelimit.Limit> limits = rules.limits(req, settings.limits());
        Decision d = limiter.decide(name, client, limits, true, cost, rules.meta());
        if (d == null) { // Redis down, onRedisFailure=deny
            refused.incrementAndGet();
            resp.setStatus(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
            resp.setHeader("Retry-After", "5");
            problem(resp, 503, "Service Unavailable", "Rate limiting is unavailable; try again shortly.");
            return;
        }
        writeHeaders(resp, d);
        if (d.allowed()) {
            chain.doFilter(request, response);
            // countWhen: counted up front (so simultaneous requests cannot all slip under the limit), taken
            // back when the response turns out not to match. An async response is judged as it stands now.
            if (rules.selective() && !rules.counts(resp.getStatus())) {
                limiter.refund(name, client, limits, d, cost);
            }
            return;
        }
        refused.incrementAndGet();
        long retry = d.retryAfterSeconds();
        resp.setStatus(429);
        resp.setHeader("Retry-After", Long.toString(retry));
        problem(resp, 429, "Too Many Requests", "Rate limit " + d.quotas().get(0).limit().name()
                + " exceeded; retry in " + retry + " s.");
    }

    static void writeHeaders(HttpServletResponse resp, Decision d) {
        if (d.quotas().isEmpty()) {
            return;
        }
        StringBuilder policy = new StringBuilder();
        StringBuilder state = new StringBuilder();
        for (Decision.Quota q : d.quotas()) {
            if (policy.length() > 0) {
                policy.append(", ");
                state.append(", ");
            }
            policy.append('"').append(q.limit().name()).append("\";q=").append(q.limit().count())
                    .append(";w=").append(q.limit().windowSeconds());
            state.append('"').append(q.limit().name()).append("\";r=").append(q.remaining())
                    .append(";t=").append(q.resetSeconds());
        }
        resp.setHeader("RateLimit-Policy", policy.toString());
        resp.setHeader("RateLimit", state.toString());
    }

    private static void problem(HttpServletResponse resp, int status, String title, String detail) throws IOException {
        resp.setContentType("application/problem+json");
        resp.setCharacterEncoding("UTF-8");
        resp.setHeader("Cache-Control", "no-store");
        resp.getWriter().write("{\"type\":\"about:blank\",\"title\":\"" + title + "\",\"status\":" + status
                + ",\"detail\":\"" + detail + "\"}");
    }

    /** The caller's quotas under this filter, without counting a request; null while Redis is down in deny mode. */
    Decision peek(HttpServletRequest req) {
        return limiter.decide(name, settings.keys().keyOf(req), settings.rules().limits(req, settings.limits()), false);
    }

    String name() {
        return name;
    }

    /** Requests refused by this filter since start. */
    public long refused() {
        return refused.get();
    }

    @Override
    public void destroy() {
        if (limiter != null) {
            registry(context).remove(this);
            limiter.close();
            RedisConnections.release(context);
        }
    }
}

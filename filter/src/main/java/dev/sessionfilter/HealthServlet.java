package dev.sessionfilter;

import dev.sessionfilter.config.ConfigReader;
import dev.sessionfilter.config.ConfigSources;
import dev.sessionfilter.config.RedisConfig;
import dev.sessionfilter.config.SessionConfig;
import dev.sessionfilter.config.Setting;
import dev.sessionfilter.internal.Json;
import dev.sessionfilter.internal.RedisConnections;
import dev.sessionfilter.session.SessionEngine;
import dev.sessionfilter.store.LatencyHistogram;
import dev.sessionfilter.store.PoolFigures;
import dev.sessionfilter.store.RedisApi;
import dev.sessionfilter.store.RedisMonitor;
import dev.sessionfilter.store.ResilientSessionStore;
import dev.sessionfilter.store.ServerFigures;
import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.math.BigDecimal;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Liveness, readiness and startup in the MicroProfile Health wire format, under the servlet's mapping:
 * {@code /live} (never touches Redis), {@code /ready} (Redis PING with timing, session store mode),
 * {@code /started}, and all of them at the root; {@code /metrics} in the Prometheus text format. Infrastructure
 * details and metrics only for a caller presenting {@code Authorization: Bearer <sessionfilter.health.token>}
 * (or from loopback when allowed).
 */
public final class HealthServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final System.Logger LOG = System.getLogger("dev.sessionfilter.health");

    /** The longest a readiness answer waits for Redis. */
    static final long READINESS_BOUND_MS = 500;

    private transient RedisApi redis;
    private transient byte[] token;
    private boolean detailsFromLoopback;
    private String namespace;
    private SessionConfig.FailureMode defaultFailureMode;
    private String redisMode;
    private long readinessBoundMs;

    record Prepared(RedisConfig redis, String token, boolean detailsFromLoopback, String namespace,
                            SessionConfig.FailureMode failureMode) {
    }

    /** Reads and checks every setting; also run at deployment by {@link StartupCheck}. */
    static Prepared prepare(ServletConfig config) throws ServletException {
        jakarta.servlet.ServletContext context = config.getServletContext();
        ConfigReader r = new ConfigReader(ConfigSources.of(config::getInitParameter,
                Collections.list(config.getInitParameterNames()), context::getInitParameter,
                Collections.list(context.getInitParameterNames())));
        RedisConfig redisConfig = RedisConfig.read(r);
        String t = r.secret(Setting.HEALTH_TOKEN, Setting.HEALTH_TOKEN_FILE);
        if (t != null && t.length() < 16) {
            r.problem("`" + Setting.HEALTH_TOKEN.key() + "` is shorter than 16 characters; expected a long random token");
        }
        boolean loopback = Boolean.parseBoolean(r.choice(Setting.HEALTH_DETAILS_FROM_LOOPBACK, "false", "true"));
        String ns = r.string(Setting.NAMESPACE);
        SessionConfig.FailureMode mode = SessionConfig.FailureMode.valueOf(
                r.choice(Setting.ON_REDIS_FAILURE, "memory", "fail").toUpperCase(java.util.Locale.ROOT));
        try {
            r.throwIfProblems();
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, e.getMessage());
            throw new ServletException(e.getMessage(), e);
        }
        return new Prepared(redisConfig, t, loopback,
                ns != null ? ns : SessionConfig.defaultNamespace(context.getContextPath()), mode);
    }

    @Override
    public void init(ServletConfig config) throws ServletException {
        super.init(config);
        Prepared p = prepare(config);
        detailsFromLoopback = p.detailsFromLoopback();
        namespace = p.namespace();
        defaultFailureMode = p.failureMode();
        token = p.token() == null ? null : p.token().getBytes(StandardCharsets.UTF_8);
        redisMode = p.redis().mode().name().toLowerCase(java.util.Locale.ROOT);
        readinessBoundMs = Math.min(READINESS_BOUND_MS, p.redis().timeout().toMillis());
        redis = RedisConnections.acquire(getServletContext(), p.redis());
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String path = req.getPathInfo() == null ? "/" : req.getPathInfo();
        boolean details = authorized(req);
        List<Map<String, Object>> checks;
        switch (path) {
            case "/live" -> checks = List.of(sessionfilterCheck(true));
            case "/ready" -> checks = List.of(redisCheck(details));
            case "/started" -> checks = List.of(sessionfilterCheck(false));
            case "/" -> checks = List.of(sessionfilterCheck(false), redisCheck(details));
            case "/metrics" -> {
                metrics(details, resp);
                return;
            }
            default -> {
                resp.sendError(404);
                return;
            }
        }
        boolean up = checks.stream().allMatch(c -> "UP".equals(c.get("status")));
        resp.setStatus(up ? 200 : 503);
        resp.setContentType("application/json");
        resp.setCharacterEncoding("UTF-8");
        resp.setHeader("Cache-Control", "no-store");
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", up ? "UP" : "DOWN");
        body.put("checks", checks);
        resp.getWriter().write(Json.write(body));
    }

    private Map<String, Object> sessionfilterCheck(boolean liveness) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("name", "sessionfilter");
        boolean started = getServletContext().getAttribute(SessionFilter.ENGINE_ATTRIBUTE) != null
                || getServletContext().getAttribute(RateLimitFilter.REGISTRY) != null;
        // Liveness is the application answering at all; startup waits for the filters' init().
        c.put("status", liveness || started ? "UP" : "DOWN");
        return c;
    }

    private SessionEngine engine() {
        return (SessionEngine) getServletContext().getAttribute(SessionFilter.ENGINE_ATTRIBUTE);
    }

    /**
     * The PING duration in milliseconds (-1 when unknown), and whether Redis serves, from the pool's shared
     * monitor: never longer than {@link #readinessBoundMs} (Kubernetes' default probe timeout is 1 s).
     */
    private RedisMonitor.State redisState() {
        return redis.monitor().state(readinessBoundMs);
    }

    private Map<String, Object> redisCheck(boolean details) {
        SessionEngine engine = engine();
        SessionConfig.FailureMode failureMode = engine != null ? engine.config().failureMode() : defaultFailureMode;
        RedisMonitor.State state = redisState();
        double latency = state.latencyMs();
        boolean reachable = state.available();
        boolean storeUp = engine == null || engine.store().redisAvailable();
        boolean memory = failureMode == SessionConfig.FailureMode.MEMORY;
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("mode", reachable && storeUp ? "redis" : memory ? "memory-fallback" : "unavailable");
        if (reachable && latency >= 0) {
            data.put("latencyMs", latency);
        }
        if (details) {
            data.put("namespace", namespace);
            data.put("redisMode", redisMode);
            if (reachable) {
                addFigures(data);
            }
            PoolFigures pool = redis.pool();
            data.put("poolActive", pool.active());
            data.put("poolIdle", pool.idle());
            data.put("poolWaiting", pool.waiting());
            if (engine != null) {
                SessionEngine.Counters counts = engine.counters();
                data.put("sessionsLoaded", counts.loaded());
                data.put("sessionsCommitted", counts.committed());
                data.put("sessionsRefused", counts.unavailable());
                data.put("valuesRefused", counts.valuesRefused());
                if (engine.store() instanceof ResilientSessionStore r) {
                    data.put("redisOutages", r.outages());
                    data.put("pendingWriteBacks", r.pendingWriteBacks());
                }
            }
            data.put("rateLimitRefused", rateLimitRefusals().values().stream().mapToLong(Long::longValue).sum());
        }
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("name", "redis");
        c.put("status", reachable && storeUp || memory ? "UP" : "DOWN");
        c.put("data", data);
        return c;
    }

    /** INFO fields that help an operator and reveal no host, port, path or process detail. */
    private void addFigures(Map<String, Object> out) {
        ServerFigures figures;
        try {
            figures = redis.figures(namespace + ":s:{");
        } catch (RuntimeException e) {
            return; // went away between PING and now: readiness already answered
        }
        Map<String, String> f = figures.info();
        put(out, "redisVersion", f.get("redis_version"));
        put(out, "role", f.get("role"));
        putNumber(out, "usedMemory", f.get("used_memory"));
        putNumber(out, "maxMemory", f.get("maxmemory"));
        String policy = f.get("maxmemory_policy");
        put(out, "maxMemoryPolicy", policy);
        if (policy != null && policy.startsWith("allkeys-")) {
            out.put("warning", "maxmemory-policy " + policy + " evicts live sessions; use noeviction or volatile-*");
        }
        putNumber(out, "connectedClients", f.get("connected_clients"));
        if (figures.clusterState() != null) {
            out.put("clusterState", figures.clusterState());
            out.put("clusterSlotsOk", figures.clusterSlotsOk());
        }
        if (figures.sessionKeys() >= 0) {
            out.put("sessionKeys", figures.sessionKeys());
        }
    }

    private Map<String, Long> rateLimitRefusals() {
        Map<String, Long> out = new LinkedHashMap<>();
        if (getServletContext().getAttribute(RateLimitFilter.REGISTRY) != null) {
            for (RateLimitFilter f : RateLimitFilter.registry(getServletContext())) {
                out.merge(f.name(), f.refused(), Long::sum);
            }
        }
        return out;
    }

    /** Prometheus text format 0.0.4, behind the same protection as the details. */
    private void metrics(boolean authorized, HttpServletResponse resp) throws IOException {
        resp.setHeader("Cache-Control", "no-store");
        if (!authorized) {
            resp.setHeader("WWW-Authenticate", "Bearer realm=\"sessionfilter\"");
            resp.sendError(401);
            return;
        }
        Prometheus p = new Prometheus();
        RedisMonitor.State state = redisState();
        double latency = state.latencyMs();
        p.metric("sessionfilter_redis_up", "gauge", "1 when Redis is serving (the shared monitor's view).")
                .sample("", state.available() ? 1 : 0);
        if (latency >= 0) {
            p.metric("sessionfilter_redis_ping_seconds", "gauge", "Duration of the last PING.")
                    .sample("", latency / 1000);
        }
        LatencyHistogram h = redis.latency();
        long[] cumulative = h.cumulative();
        p.metric("sessionfilter_redis_command_duration_seconds", "histogram",
                "Duration of Redis commands run for sessions, rate limits and probes.");
        for (int i = 0; i < LatencyHistogram.BOUNDS.length; i++) {
            String le = BigDecimal.valueOf(LatencyHistogram.BOUNDS[i]).stripTrailingZeros().toPlainString();
            p.sample("_bucket{le=\"" + le + "\"}", cumulative[i]);
        }
        p.sample("_bucket{le=\"+Inf\"}", cumulative[cumulative.length - 1])
                .sample("_sum", h.sumSeconds())
                .sample("_count", cumulative[cumulative.length - 1]);
        PoolFigures pool = redis.pool();
        p.metric("sessionfilter_redis_pool_connections", "gauge", "Pooled Redis connections by state.")
                .sample("{state=\"active\"}", pool.active()).sample("{state=\"idle\"}", pool.idle());
        p.metric("sessionfilter_redis_pool_waiting_threads", "gauge", "Threads waiting for a pooled connection.")
                .sample("", pool.waiting());
        SessionEngine engine = engine();
        if (engine != null) {
            SessionEngine.Counters counts = engine.counters();
            p.metric("sessionfilter_sessions_loaded_total", "counter", "Sessions loaded from the store.")
                    .sample("", counts.loaded());
            p.metric("sessionfilter_sessions_committed_total", "counter", "Session changes written to the store.")
                    .sample("", counts.committed());
            p.metric("sessionfilter_sessions_refused_total", "counter",
                    "Requests answered 503 because the session store was unreachable (onRedisFailure=fail).")
                    .sample("", counts.unavailable());
            p.metric("sessionfilter_session_values_refused_total", "counter",
                    "Attribute values refused: over a size limit or of a type that may not be stored.")
                    .sample("", counts.valuesRefused());
            if (engine.store() instanceof ResilientSessionStore r) {
                p.metric("sessionfilter_redis_outages_total", "counter", "Redis outages the session store went through.")
                        .sample("", r.outages());
                p.metric("sessionfilter_sessions_pending_writeback", "gauge",
                        "Sessions changed during an outage and not yet written back to Redis.")
                        .sample("", r.pendingWriteBacks());
            }
        }
        Map<String, Long> refusals = rateLimitRefusals();
        if (!refusals.isEmpty()) {
            p.metric("sessionfilter_ratelimit_refused_total", "counter", "Requests refused by a rate-limit filter.");
            refusals.forEach((name, n) -> p.sample("{filter=\"" + Prometheus.label(name) + "\"}", n));
        }
        if (latency >= 0) {
            try {
                ServerFigures figures = redis.figures(namespace + ":s:{");
                if (figures.sessionKeys() >= 0) {
                    p.metric("sessionfilter_session_keys", "gauge", "Sessions of this namespace in Redis (estimate).")
                            .sample("", figures.sessionKeys());
                }
                if (figures.clusterState() != null) {
                    p.metric("sessionfilter_redis_cluster_slots_ok", "gauge", "Cluster hash slots in state ok.")
                            .sample("", figures.clusterSlotsOk());
                }
            } catch (RuntimeException e) {
                // Redis went away mid-scrape: the figures above still stand
            }
        }
        resp.setStatus(200);
        resp.setContentType("text/plain; version=0.0.4");
        resp.setCharacterEncoding("UTF-8");
        resp.getWriter().write(p.toString());
    }

    /** Just enough of the Prometheus text exposition format: one family at a time. */
    private static final class Prometheus {
        private final StringBuilder out = new StringBuilder();
        private String family;

        Prometheus metric(String name, String type, String help) {
            family = name;
            out.append("# HELP ").append(name).append(' ').append(help).append('\n')
                    .append("# TYPE ").append(name).append(' ').append(type).append('\n');
            return this;
        }

        Prometheus sample(String suffixAndLabels, double value) {
            out.append(family).append(suffixAndLabels).append(' ');
            if (value == Math.rint(value) && Math.abs(value) < 1e15) {
                out.append((long) value);
            } else {
                out.append(value);
            }
            out.append('\n');
            return this;
        }

        static String label(String v) {
            return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
        }

        @Override
        public String toString() {
            return out.toString();
        }
    }

    private static void put(Map<String, Object> m, String k, String v) {
        if (v != null) {
            m.put(k, v);
        }
    }

    private static void putNumber(Map<String, Object> m, String k, String v) {
        if (v != null) {
            try {
                m.put(k, Long.parseLong(v));
            } catch (NumberFormatException e) {
                m.put(k, v);
            }
        }
    }

    private boolean authorized(HttpServletRequest req) {
        if (detailsFromLoopback) {
            try {
                if (InetAddress.getByName(req.getRemoteAddr()).isLoopbackAddress()) {
                    return true;
                }
            } catch (IOException | RuntimeException e) {
                // not an address: no details
            }
        }
        String auth = req.getHeader("Authorization");
        if (token == null || auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        return MessageDigest.isEqual(token, auth.substring(7).trim().getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void destroy() {
        if (redis != null) {
            RedisConnections.release(getServletContext());
        }
    }
}

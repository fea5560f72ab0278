package dev.sessionfilter;

import dev.sessionfilter.config.ConfigReader;
import dev.sessionfilter.config.ConfigSources;
import dev.sessionfilter.config.RedisConfig;
import dev.sessionfilter.config.SessionConfig;
import dev.sessionfilter.config.Setting;
import dev.sessionfilter.internal.Json;
import dev.sessionfilter.internal.RedisConnections;
import dev.sessionfilter.session.SessionEngine;
import dev.sessionfilter.store.RedisApi;
import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
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
 * {@code /started}, and all of them at the root. Infrastructure details only for a caller presenting
 * {@code Authorization: Bearer <sessionfilter.health.token>} (or from loopback when allowed).
 */
public final class HealthServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final System.Logger LOG = System.getLogger("dev.sessionfilter.health");

    private transient RedisApi redis;
    private transient byte[] token;
    private boolean detailsFromLoopback;
    private String namespace;
    private SessionConfig.FailureMode defaultFailureMode;

    @Override
    public void init(ServletConfig config) throws ServletException {
        super.init(config);
        ConfigReader r = new ConfigReader(ConfigSources.of(config::getInitParameter,
                Collections.list(config.getInitParameterNames()), getServletContext()::getInitParameter,
                Collections.list(getServletContext().getInitParameterNames())));
        RedisConfig redisConfig = RedisConfig.read(r);
        String t = r.secret(Setting.HEALTH_TOKEN, Setting.HEALTH_TOKEN_FILE);
        if (t != null && t.length() < 16) {
            r.problem("`" + Setting.HEALTH_TOKEN.key() + "` is shorter than 16 characters; expected a long random token");
        }
        detailsFromLoopback = Boolean.parseBoolean(r.choice(Setting.HEALTH_DETAILS_FROM_LOOPBACK, "false", "true"));
        String ns = r.string(Setting.NAMESPACE);
        namespace = ns != null ? ns : SessionConfig.defaultNamespace(getServletContext().getContextPath());
        defaultFailureMode = SessionConfig.FailureMode.valueOf(r.choice(Setting.ON_REDIS_FAILURE, "memory", "fail")
                .toUpperCase(java.util.Locale.ROOT));
        try {
            r.throwIfProblems();
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, e.getMessage());
            throw new ServletException(e.getMessage(), e);
        }
        token = t == null ? null : t.getBytes(StandardCharsets.UTF_8);
        redis = RedisConnections.acquire(getServletContext(), redisConfig);
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

    private Map<String, Object> redisCheck(boolean details) {
        SessionEngine engine = (SessionEngine) getServletContext().getAttribute(SessionFilter.ENGINE_ATTRIBUTE);
        SessionConfig.FailureMode failureMode = engine != null ? engine.config().failureMode() : defaultFailureMode;
        Map<String, Object> data = new LinkedHashMap<>();
        boolean reachable;
        long t0 = System.nanoTime();
        try {
            redis.ping();
            reachable = true;
            data.put("latencyMs", Math.round((System.nanoTime() - t0) / 10_000.0) / 100.0);
        } catch (RuntimeException e) {
            reachable = false;
        }
        boolean storeUp = engine == null || engine.store().redisAvailable();
        boolean memory = failureMode == SessionConfig.FailureMode.MEMORY;
        String mode = reachable && storeUp ? "redis" : memory ? "memory-fallback" : "unavailable";
        Map<String, Object> ordered = new LinkedHashMap<>();
        ordered.put("mode", mode);
        ordered.putAll(data);
        if (details) {
            ordered.put("namespace", namespace);
            if (engine != null) {
                long[] counts = engine.counters();
                ordered.put("sessionsLoaded", counts[0]);
                ordered.put("sessionsCommitted", counts[1]);
                ordered.put("valuesRefused", counts[2]);
            }
            if (reachable) {
                addInfo(ordered);
            }
        }
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("name", "redis");
        c.put("status", reachable && storeUp || memory ? "UP" : "DOWN");
        c.put("data", ordered);
        return c;
    }

    /** Fields of INFO that help an operator and reveal no host, port, path or process detail. */
    private void addInfo(Map<String, Object> out) {
        String info;
        try {
            info = redis.info("server") + "\n" + redis.info("memory") + "\n" + redis.info("clients")
                    + "\n" + redis.info("replication");
        } catch (RuntimeException e) {
            return; // an ACL user without INFO still gets readiness from PING
        }
        Map<String, String> f = new LinkedHashMap<>();
        for (String line : info.split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && !line.startsWith("#")) {
                f.put(line.substring(0, colon), line.substring(colon + 1).trim());
            }
        }
        put(out, "redisVersion", f.get("redis_version"));
        put(out, "redisMode", f.get("redis_mode"));
        put(out, "role", f.get("role"));
        putNumber(out, "usedMemory", f.get("used_memory"));
        putNumber(out, "maxMemory", f.get("maxmemory"));
        String policy = f.get("maxmemory_policy");
        put(out, "maxMemoryPolicy", policy);
        if (policy != null && policy.startsWith("allkeys-")) {
            out.put("warning", "maxmemory-policy " + policy + " evicts live sessions; use noeviction or volatile-*");
        }
        putNumber(out, "connectedClients", f.get("connected_clients"));
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

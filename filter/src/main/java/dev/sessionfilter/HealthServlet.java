package dev.sessionfilter;

import dev.sessionfilter.config.ConfigReader;
import dev.sessionfilter.config.RedisConfig;
import dev.sessionfilter.config.SessionConfig;
import dev.sessionfilter.config.Setting;
import dev.sessionfilter.internal.Json;
import dev.sessionfilter.internal.RedisConnections;
import dev.sessionfilter.session.SessionEngine;
import dev.sessionfilter.health.Health;
import dev.sessionfilter.store.RedisApi;
import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
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

    private transient Health health;

    record Prepared(RedisConfig redis, String token, boolean detailsFromLoopback, String namespace,
                            SessionConfig.FailureMode failureMode) {
    }

    /** Reads and checks every setting; also run at deployment by {@link StartupCheck}. */
    static Prepared prepare(ServletConfig config) throws ServletException {
        jakarta.servlet.ServletContext context = config.getServletContext();
        ConfigReader r = Components.settings(context, config::getInitParameter, config.getInitParameterNames());
        RedisConfig redisConfig = RedisConfig.read(r);
        String t = r.secret(Setting.HEALTH_TOKEN, Setting.HEALTH_TOKEN_FILE);
        if (t != null && t.length() < 16) {
            r.problem("`" + Setting.HEALTH_TOKEN.key() + "` is shorter than 16 characters; expected a long random token");
        }
        boolean loopback = Boolean.parseBoolean(r.choice(Setting.HEALTH_DETAILS_FROM_LOOPBACK, "false", "true"));
        String ns = Components.namespace(r, context);
        SessionConfig.FailureMode mode = SessionConfig.FailureMode.valueOf(
                r.choice(Setting.ON_REDIS_FAILURE, "memory", "fail").toUpperCase(java.util.Locale.ROOT));
        Components.checked(r, null);
        return new Prepared(redisConfig, t, loopback, ns, mode);
    }

    @Override
    public void init(ServletConfig config) throws ServletException {
        super.init(config);
        Prepared p = prepare(config);
        jakarta.servlet.ServletContext context = getServletContext();
        RedisApi redis = RedisConnections.acquire(context, p.redis());
        health = new Health(redis, p.token(), p.detailsFromLoopback(), p.namespace(), p.failureMode(),
                p.redis().mode().name().toLowerCase(java.util.Locale.ROOT), p.redis().timeout().toMillis(),
                new Health.App() {
                    @Override
                    public SessionEngine engine() {
                        return (SessionEngine) context.getAttribute(SessionFilter.ENGINE_ATTRIBUTE);
                    }

                    @Override
                    public boolean started() {
                        return context.getAttribute(SessionFilter.ENGINE_ATTRIBUTE) != null
                                || context.getAttribute(RateLimitFilter.REGISTRY) != null;
                    }

                    @Override
                    public Map<String, Long> rateLimitRefusals() {
                        Map<String, Long> out = new LinkedHashMap<>();
                        if (context.getAttribute(RateLimitFilter.REGISTRY) != null) {
                            for (RateLimitFilter f : RateLimitFilter.registry(context)) {
                                out.merge(f.name(), f.refused(), Long::sum);
                            }
                        }
                        return out;
                    }
                });
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String path = req.getPathInfo() == null ? "/" : req.getPathInfo();
        boolean details = health.authorized(req.getRemoteAddr(), req.getHeader("Authorization"));
        resp.setHeader("Cache-Control", "no-store");
        if ("/metrics".equals(path)) {
            if (!details) {
                resp.setHeader("WWW-Authenticate", "Bearer realm=\"sessionfilter\"");
                resp.sendError(401);
                return;
            }
            resp.setStatus(200);
            resp.setContentType("text/plain; version=0.0.4");
            resp.setCharacterEncoding("UTF-8");
            resp.getWriter().write(health.metrics());
            return;
        }
        List<Map<String, Object>> checks = health.checks(path, details);
        if (checks == null) {
            resp.sendError(404);
            return;
        }
        boolean up = checks.stream().allMatch(c -> "UP".equals(c.get("status")));
        resp.setStatus(up ? 200 : 503);
        resp.setContentType("application/json");
        resp.setCharacterEncoding("UTF-8");
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", up ? "UP" : "DOWN");
        body.put("checks", checks);
        resp.getWriter().write(Json.write(body));
    }

    @Override
    public void destroy() {
        if (health != null) {
            RedisConnections.release(getServletContext());
        }
    }
}

package dev.sessionfilter.health;

import dev.sessionfilter.config.SessionConfig;
import dev.sessionfilter.session.ExpirySweeper;
import dev.sessionfilter.session.SessionEngine;
import dev.sessionfilter.store.LatencyHistogram;
import dev.sessionfilter.store.PoolFigures;
import dev.sessionfilter.store.RedisApi;
import dev.sessionfilter.store.RedisMonitor;
import dev.sessionfilter.store.ResilientSessionBackend;
import dev.sessionfilter.store.ServerFigures;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code HealthServlet} answers, without the servlet: the MicroProfile Health checks (liveness, Redis
 * readiness from the pool's shared monitor, startup), the details for authorized callers (INFO fields that
 * reveal no host, port or path), and the Prometheus text. Thread-safe.
 */
public final class Health {
    /** The longest a readiness answer waits for Redis. */
    public static final long READINESS_BOUND_MS = 500;

    /** What the application around the servlet offers: looked up at each call, as filters start lazily. */
    public interface App {
        /** The session filter's engine, or null when the app has none (yet). */
        SessionEngine engine();

        /** Whether the filters finished their init(). */
        boolean started();

        /** Requests refused so far, per rate-limit filter name. */
        Map<String, Long> rateLimitRefusals();
    }

    private final RedisApi redis;
    private final byte[] token;
    private final boolean detailsFromLoopback;
    private final String namespace;
    private final SessionConfig.FailureMode defaultFailureMode;
    private final String redisMode;
    private final long readinessBoundMs;
    private final App app;

    public Health(RedisApi redis, String token, boolean detailsFromLoopback, String namespace,
                  SessionConfig.FailureMode defaultFailureMode, String redisMode, long redisTimeoutMs, App app) {
        this.redis = redis;
        this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
        this.detailsFromLoopback = detailsFromLoopback;
        this.namespace = namespace;
        this.defaultFailureMode = defaultFailureMode;
        this.redisMode = redisMode;
        this.readinessBoundMs = Math.min(READINESS_BOUND_MS, redisTimeoutMs);
        this.app = app;
    }

    /** The checks of a path ({@code /live}, {@code /ready}, {@code /started}, {@code /}), or null for another. */
    public List<Map<String, Object>> checks(String path, boolean details) {
        return switch (path) {
            case "/live" -> List.of(sessionfilterCheck(true));
            case "/ready" -> List.of(redisCheck(details));
            case "/started" -> List.of(sessionfilterCheck(false));
            case "/" -> List.of(sessionfilterCheck(false), redisCheck(details));
            default -> null;
        };
    }

    Map<String, Object> sessionfilterCheck(boolean liveness) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("name", "sessionfilter");
        boolean started = app.started();
        // Liveness is the application answering at all; startup waits for the filters' init().
        c.put("status", liveness || started ? "UP" : "DOWN");
        return c;
    }

    private SessionEngine engine() {
        return app.engine();
    }

    /**
     * The PING duration in milliseconds (-1 when unknown), and whether Redis serves, from the pool's shared
     * monitor: never longer than {@link #readinessBoundMs} (Kubernetes' default probe timeout is 1 s).
     */
    private RedisMonitor.State redisState() {
        return redis.monitor().state(readinessBoundMs);
    }

    Map<String, Object> redisCheck(boolean details) {
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
                data.put("sessionsCreated", engine.stats().created());
                data.put("sessionsInvalidated", engine.stats().invalidated());
                data.put("sessionsRejected", engine.stats().rejected());
                data.put("sessionsEvicted", engine.stats().evicted());
                ExpirySweeper.Counters expiry = engine.expiryCounters();
                if (expiry != null) {
                    data.put("sessionsExpired", expiry.notified());
                }
                if (engine.store() instanceof ResilientSessionBackend r) {
                    data.put("redisOutages", r.outages());
                    data.put("pendingWriteBacks", r.pendingWriteBacks());
                    if (r.nearCache() != null) {
                        long[] c = r.nearCache().counters();
                        data.put("nearCacheHits", c[0]);
                        data.put("nearCacheMisses", c[1]);
                        data.put("nearCacheHitsWithoutRoundTrip", c[2]);
                    }
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
        return app.rateLimitRefusals();
    }

    /** Prometheus text format 0.0.4; the caller checks authorization first. */
    public String metrics() {
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
            dev.sessionfilter.session.SessionStats stats = engine.stats();
            p.metric("sessionfilter_sessions_created_total", "counter", "Sessions created on this instance.")
                    .sample("", stats.created());
            p.metric("sessionfilter_sessions_invalidated_total", "counter",
                    "Sessions invalidated on this instance (invalidate(), the registry, the per-principal limit).")
                    .sample("", stats.invalidated());
            p.metric("sessionfilter_sessions_imported_total", "counter",
                    "Container sessions copied into ours (sessionfilter.importContainerSessions).").sample("", stats.imported());
            p.metric("sessionfilter_sessions_rejected_total", "counter",
                    "Logins refused by sessionfilter.maxSessionsPerPrincipal (policy refuse).").sample("", stats.rejected());
            p.metric("sessionfilter_sessions_evicted_total", "counter",
                    "Sessions ended by sessionfilter.maxSessionsPerPrincipal (policy evict-oldest).").sample("", stats.evicted());
            p.metric("sessionfilter_session_max_alive_seconds", "gauge",
                    "The longest a session that ended on this instance had lived.").sample("", stats.maxAliveSeconds());
            histogram(p, "sessionfilter_session_size_bytes",
                    "Sealed size in Redis of the sessions requests loaded (one observation per load).", stats.sizes());
            histogram(p, "sessionfilter_session_attributes",
                    "Attribute count of the sessions requests loaded (one observation per load).", stats.attributes());
            ExpirySweeper.Counters expiry = engine.expiryCounters();
            if (expiry != null) {
                p.metric("sessionfilter_sessions_expired_total", "counter",
                        "Expired sessions whose sessionDestroyed this instance fired.").sample("", expiry.notified());
                p.metric("sessionfilter_sessions_expired_unnotified_total", "counter",
                        "Expired sessions whose data was gone when claimed (retention passed, evicted): no events.")
                        .sample("", expiry.lost());
            }
            if (engine.store() instanceof ResilientSessionBackend r) {
                if (r.nearCache() != null) {
                    long[] c = r.nearCache().counters();
                    p.metric("sessionfilter_near_cache_hits_total", "counter",
                            "Session loads served from the near cache (after a version check, or vouched for by "
                                    + "the invalidation feed).").sample("", c[0]);
                    p.metric("sessionfilter_near_cache_hits_without_round_trip_total", "counter",
                            "Near cache hits the invalidation feed vouched for: no Redis round trip.").sample("", c[2]);
                    p.metric("sessionfilter_near_cache_misses_total", "counter",
                            "Session loads that read the whole session (not cached here, or changed elsewhere).")
                            .sample("", c[1]);
                }
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
        return p.toString();
    }

    private static void histogram(Prometheus p, String name, String help, dev.sessionfilter.internal.Buckets h) {
        p.metric(name, "histogram", help);
        long[] bounds = h.bounds();
        long[] counts = h.cumulative();
        for (int i = 0; i < bounds.length; i++) {
            p.sample("_bucket{le=\"" + bounds[i] + "\"}", counts[i]);
        }
        p.sample("_bucket{le=\"+Inf\"}", counts[bounds.length]);
        p.sample("_sum", h.sum());
        p.sample("_count", counts[bounds.length]);
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

    /** Whether a caller may see details and metrics: the bearer token (constant-time), or loopback if allowed. */
    public boolean authorized(String remoteAddr, String authorization) {
        if (detailsFromLoopback) {
            try {
                if (InetAddress.getByName(remoteAddr).isLoopbackAddress()) {
                    return true;
                }
            } catch (IOException | RuntimeException e) {
                // not an address: no details
            }
        }
        String auth = authorization;
        if (token == null || auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        return MessageDigest.isEqual(token, auth.substring(7).trim().getBytes(StandardCharsets.UTF_8));
    }
}

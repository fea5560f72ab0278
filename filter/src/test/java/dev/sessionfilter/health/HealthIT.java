package dev.sessionfilter.health;

import dev.sessionfilter.HealthServlet;
import dev.sessionfilter.RateLimitFilter;
import dev.sessionfilter.testing.Browser;
import dev.sessionfilter.testing.EmbeddedTomcat;
import dev.sessionfilter.testing.RedisProcess;
import dev.sessionfilter.testing.RedisServers;
import dev.sessionfilter.testing.TestApps;
import jakarta.json.JsonObject;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** HealthServlet in MicroProfile Health format, against a real Redis and Tomcat. */
class HealthIT {
    static final String TOKEN = "a-long-random-health-token-0123456789";

    static EmbeddedTomcat app(RedisProcess redis, String failureMode) {
        return TestApps.app(redis.url(), TestApps.newKeyset())
                .param("sessionfilter.onRedisFailure", failureMode)
                .param("sessionfilter.redis.timeout", "300ms")
                .param("sessionfilter.health.token", TOKEN)
                .servlet("health", new HealthServlet(), "/health/*");
    }

    @Test
    void up_anonymousSeesStatusModeAndLatencyOnly_tokenSeesDetails() {
        try (RedisProcess redis = RedisServers.standalone(); EmbeddedTomcat app = app(redis, "memory").start()) {
            Browser.Response r = new Browser().get(app.url("/health"));
            HealthWire.validate(r.body(), r.status());
            assertEquals("application/json;charset=UTF-8", r.header("Content-Type"));
            assertEquals("no-store", r.header("Cache-Control"));
            String body = r.body();
            assertTrue(body.matches("\\{\"status\":\"UP\",\"checks\":\\[\\{\"name\":\"sessionfilter\",\"status\":\"UP\"},"
                    + "\\{\"name\":\"redis\",\"status\":\"UP\",\"data\":\\{\"mode\":\"redis\",\"latencyMs\":[0-9.]+}}]}"), body);
            for (String secret : new String[] {"127.0.0.1", String.valueOf(redis.port()), "redisVersion", "usedMemory",
                    "namespace", "sessionKeys"}) {
                assertFalse(body.contains(secret), "anonymous response leaks " + secret + ": " + body);
            }
            String detailed = new Browser().get(app.url("/health/ready"), Map.of("Authorization", "Bearer " + TOKEN)).body();
            assertTrue(detailed.contains("\"redisVersion\":\"") && detailed.contains("\"redisMode\":\"standalone\"")
                    && detailed.contains("\"usedMemory\":") && detailed.contains("\"namespace\":\"sessionfilter:app\""),
                    detailed);
            assertFalse(detailed.contains("127.0.0.1") || detailed.contains(":" + redis.port()), detailed);
            String wrongToken = new Browser().get(app.url("/health/ready"),
                    Map.of("Authorization", "Bearer not-the-token-at-all-000000")).body();
            assertFalse(wrongToken.contains("redisVersion"), wrongToken);
        }
    }

    @Test
    void redisDown_livenessStaysUp_readinessPerFailureMode() {
        try (RedisProcess redis = RedisServers.standalone();
             EmbeddedTomcat memory = app(redis, "memory").start();
             EmbeddedTomcat fail = app(redis, "fail").start()) {
            redis.stop();
            Browser.Response live = new Browser().get(fail.url("/health/live"));
            HealthWire.validate(live.body(), live.status());
            assertEquals("{\"status\":\"UP\",\"checks\":[{\"name\":\"sessionfilter\",\"status\":\"UP\"}]}", live.body());
            Browser.Response degraded = new Browser().get(memory.url("/health/ready"));
            HealthWire.validate(degraded.body(), degraded.status());
            assertTrue(degraded.body().contains("\"status\":\"UP\",\"data\":{\"mode\":\"memory-fallback\"}"), degraded.body());
            Browser.Response down = new Browser().get(fail.url("/health/ready"));
            HealthWire.validate(down.body(), down.status());
            assertEquals(503, down.status());
            assertTrue(down.body().startsWith("{\"status\":\"DOWN\""), down.body());
            Browser.Response all = new Browser().get(fail.url("/health"));
            HealthWire.validate(all.body(), all.status());
            assertEquals(503, all.status());
        }
    }

    @Test
    void hungRedis_readinessAnswersWithinTheTimeout() {
        try (RedisProcess redis = RedisServers.standalone(); EmbeddedTomcat app = app(redis, "fail").start()) {
            redis.pause();
            try {
                long t0 = System.nanoTime();
                Browser.Response r = new Browser().get(app.url("/health/ready"));
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertEquals(503, r.status());
                assertTrue(ms < 2_000, "answered in " + ms + " ms with a 300 ms Redis timeout");
            } finally {
                redis.resume();
            }
        }
    }

    static final Map<String, String> BEARER = Map.of("Authorization", "Bearer " + TOKEN);

    static EmbeddedTomcat limitedApp(EmbeddedTomcat app) {
        return app.filter("limit", new RateLimitFilter(), Map.of("sessionfilter.ratelimit.limits", "2 per minute"),
                "/ops/x/*");
    }

    @Test
    void details_countSessionsPoolAndRefusals_andMetricsAreValidPrometheusText() {
        try (RedisProcess redis = RedisServers.standalone(); EmbeddedTomcat app = limitedApp(app(redis, "fail")).start()) {
            for (int i = 0; i < 3; i++) {
                new Browser().get(app.url("/ops/set?n=user&v=u" + i));
            }
            Browser limited = new Browser();
            for (int i = 0; i < 4; i++) {
                limited.get(app.url("/ops/x/none"));
            }
            Browser.Response r = new Browser().get(app.url("/health/ready"), BEARER);
            JsonObject data = HealthWire.data(HealthWire.validate(r.body(), r.status()), "redis");
            assertEquals("standalone", data.getString("redisMode"));
            assertEquals("master", data.getString("role"));
            assertEquals(3, data.getJsonNumber("sessionKeys").longValue(), r.body());
            assertEquals(3, data.getJsonNumber("sessionsCommitted").longValue(), r.body());
            assertEquals(2, data.getJsonNumber("rateLimitRefused").longValue(), r.body());
            assertEquals(0, data.getJsonNumber("sessionsRefused").longValue(), r.body());
            assertEquals(0, data.getJsonNumber("poolWaiting").longValue(), r.body());
            assertTrue(data.getJsonNumber("poolIdle").longValue() >= 1, r.body());
            assertTrue(data.getJsonNumber("usedMemory").longValue() > 0, r.body());

            Browser.Response anonymous = new Browser().get(app.url("/health/metrics"));
            assertEquals(401, anonymous.status());
            assertFalse(anonymous.body().contains("sessionfilter_"), anonymous.body());

            Browser.Response m = new Browser().get(app.url("/health/metrics"), BEARER);
            assertEquals(200, m.status());
            assertTrue(m.header("Content-Type").startsWith("text/plain; version=0.0.4"), m.header("Content-Type"));
            Map<String, Double> samples = PrometheusText.parse(m.body());
            assertEquals(1.0, samples.get("sessionfilter_redis_up"));
            assertEquals(3.0, samples.get("sessionfilter_sessions_committed_total"));
            assertEquals(2.0, samples.get("sessionfilter_ratelimit_refused_total{filter=\"limit\"}"));
            assertEquals(3.0, samples.get("sessionfilter_session_keys"));
            assertEquals(0.0, samples.get("sessionfilter_sessions_expired_total"), "none expired yet: " + m.body());
            double count = samples.get("sessionfilter_redis_command_duration_seconds_count");
            // 3 creating commits, 4 rate-limit scripts, PINGs: every command is timed
            assertTrue(count >= 7, m.body());
            assertEquals(count, samples.get("sessionfilter_redis_command_duration_seconds_bucket{le=\"+Inf\"}"));
            double previous = 0;
            for (Map.Entry<String, Double> e : samples.entrySet()) {
                if (e.getKey().startsWith("sessionfilter_redis_command_duration_seconds_bucket")) {
                    assertTrue(e.getValue() >= previous, "buckets are cumulative: " + m.body());
                    previous = e.getValue();
                }
            }

            redis.stop();
            new Browser().get(app.url("/ops/set?n=user&v=down"));
            Map<String, Double> down = PrometheusText.parse(new Browser().get(app.url("/health/metrics"), BEARER).body());
            assertEquals(0.0, down.get("sessionfilter_redis_up"));
            assertEquals(1.0, down.get("sessionfilter_sessions_refused_total"), "the 503 is counted");
        }
    }

    @Test
    void aclUserWithoutInfo_readinessFromPing_detailsWithoutServerFigures() {
        try (RedisProcess redis = RedisServers.standalone()) {
            try (Jedis j = redis.jedis()) {
                j.aclSetUser("probe", "on", ">s3cret", "~sessionfilter:*", "+hgetall", "+evalsha", "+eval", "+exists",
                        "+hset", "+hdel", "+hget", "+pexpire", "+persist", "+del", "+set", "+zadd", "+zrem", "+zscore",
                        "+zrange", "+zrangebyscore", "+zremrangebyscore", "+ping", "+hello", "+client|setname");
            }
            try (EmbeddedTomcat app = TestApps.app("redis://probe:s3cret@127.0.0.1:" + redis.port(), TestApps.newKeyset())
                    .param("sessionfilter.health.token", TOKEN)
                    .servlet("health", new HealthServlet(), "/health/*").start()) {
                new Browser().get(app.url("/ops/set?n=user&v=acl"));
                Browser.Response r = new Browser().get(app.url("/health/ready"), BEARER);
                JsonObject data = HealthWire.data(HealthWire.validate(r.body(), r.status()), "redis");
                assertEquals(200, r.status());
                assertEquals("redis", data.getString("mode"));
                assertTrue(data.containsKey("latencyMs") && data.containsKey("sessionsCommitted"), r.body());
                assertFalse(data.containsKey("redisVersion") || data.containsKey("sessionKeys"), r.body());
                assertEquals(200, new Browser().get(app.url("/health/metrics"), BEARER).status());
            }
        }
    }

    @Test
    void sentinelAndCluster_readyWithModeAndClusterState() {
        try (RedisServers.Cluster cluster = new RedisServers.Cluster();
             EmbeddedTomcat app = TestApps.app("redis://127.0.0.1:1", TestApps.newKeyset())
                     .param("sessionfilter.redis.cluster.nodes", cluster.nodes())
                     .param("sessionfilter.health.token", TOKEN)
                     .servlet("health", new HealthServlet(), "/health/*").start()) {
            for (int i = 0; i < 9; i++) {
                new Browser().get(app.url("/ops/set?n=user&v=u" + i));
            }
            Browser.Response anonymous = new Browser().get(app.url("/health"));
            HealthWire.validate(anonymous.body(), anonymous.status());
            assertFalse(anonymous.body().contains("cluster"), anonymous.body());
            Browser.Response r = new Browser().get(app.url("/health/ready"), BEARER);
            JsonObject data = HealthWire.data(HealthWire.validate(r.body(), r.status()), "redis");
            assertEquals("cluster", data.getString("redisMode"));
            assertEquals("ok", data.getString("clusterState"));
            assertEquals(16384, data.getJsonNumber("clusterSlotsOk").longValue());
            assertEquals(9, data.getJsonNumber("sessionKeys").longValue(), "summed over the 3 masters: " + r.body());
            for (RedisProcess node : cluster.masters) {
                assertFalse(r.body().contains(String.valueOf(node.port())), r.body());
            }
        }
        try (RedisServers.Sentinel sentinel = new RedisServers.Sentinel();
             EmbeddedTomcat app = TestApps.app("redis://127.0.0.1:1", TestApps.newKeyset())
                     .param("sessionfilter.redis.sentinel.master", RedisServers.Sentinel.MASTER)
                     .param("sessionfilter.redis.sentinel.nodes", sentinel.nodes())
                     .param("sessionfilter.health.token", TOKEN)
                     .servlet("health", new HealthServlet(), "/health/*").start()) {
            new Browser().get(app.url("/ops/set?n=user&v=s"));
            Browser.Response r = new Browser().get(app.url("/health"), BEARER);
            JsonObject data = HealthWire.data(HealthWire.validate(r.body(), r.status()), "redis");
            assertEquals("sentinel", data.getString("redisMode"));
            assertEquals("master", data.getString("role"));
            assertEquals(1, data.getJsonNumber("sessionKeys").longValue(), r.body());
            assertFalse(r.body().contains(String.valueOf(sentinel.master.port())), r.body());
        }
    }
}

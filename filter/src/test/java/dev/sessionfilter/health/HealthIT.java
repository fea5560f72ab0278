package dev.sessionfilter.health;

import dev.sessionfilter.HealthServlet;
import dev.sessionfilter.testing.Browser;
import dev.sessionfilter.testing.EmbeddedTomcat;
import dev.sessionfilter.testing.RedisProcess;
import dev.sessionfilter.testing.RedisServers;
import dev.sessionfilter.testing.TestApps;
import org.junit.jupiter.api.Test;

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
            assertEquals(200, r.status());
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
            assertEquals(200, live.status());
            assertEquals("{\"status\":\"UP\",\"checks\":[{\"name\":\"sessionfilter\",\"status\":\"UP\"}]}", live.body());
            Browser.Response degraded = new Browser().get(memory.url("/health/ready"));
            assertEquals(200, degraded.status());
            assertTrue(degraded.body().contains("\"status\":\"UP\",\"data\":{\"mode\":\"memory-fallback\"}"), degraded.body());
            Browser.Response down = new Browser().get(fail.url("/health/ready"));
            assertEquals(503, down.status());
            assertTrue(down.body().startsWith("{\"status\":\"DOWN\""), down.body());
            assertEquals(503, new Browser().get(fail.url("/health")).status());
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
}

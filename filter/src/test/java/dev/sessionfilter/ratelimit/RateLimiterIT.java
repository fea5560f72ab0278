package dev.sessionfilter.ratelimit;

import dev.sessionfilter.config.RedisConfig;
import dev.sessionfilter.store.JedisRedisApi;
import dev.sessionfilter.testing.RedisProcess;
import dev.sessionfilter.testing.RedisServers;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The limiter against real Redis: Redis' clock, not the nodes', and one round trip per decision. */
class RateLimiterIT {
    static JedisRedisApi api(RedisProcess redis) {
        return new JedisRedisApi(RedisConfig.standalone("127.0.0.1", redis.port(), Duration.ofSeconds(2), 8));
    }

    @Test
    void nodesWithClocksMinutesApart_shareOneExactLimit() {
        try (RedisProcess redis = RedisServers.standalone(); JedisRedisApi api = api(redis)) {
            long realNow = System.currentTimeMillis();
            // Node A runs 7 minutes fast, node B 5 minutes slow: neither clock is used for the shared limit.
            RateLimiter a = new RateLimiter("skew", api, RateLimiter.FailureMode.LOCAL, 100, () -> realNow + 420_000);
            RateLimiter b = new RateLimiter("skew", api, RateLimiter.FailureMode.LOCAL, 100, () -> realNow - 300_000);
            List<Limit> limits = Limit.parse("10 per minute");
            int allowed = 0;
            for (int i = 0; i < 30; i++) {
                Decision d = (i % 2 == 0 ? a : b).decide("f", "client", limits, true);
                allowed += d.allowed() ? 1 : 0;
                assertEquals(true, d.quotas().get(0).resetSeconds() <= 60, "reset within the window: " + d);
            }
            assertEquals(10, allowed);
            a.close();
            b.close();
        }
    }

    @Test
    void oneRoundTripPerDecision_countedByRedis() {
        try (RedisProcess redis = RedisServers.standalone(); JedisRedisApi api = api(redis)) {
            RateLimiter limiter = new RateLimiter("rt", api, RateLimiter.FailureMode.LOCAL, 100, System::currentTimeMillis);
            List<Limit> limits = Limit.parse("100 per minute, 1000 per hour, 5000 per day");
            limiter.decide("f", "warm-up", limits, true); // loads the script
            Map<String, Long> delta = redis.commandsDuring(() -> {
                for (int i = 0; i < 20; i++) {
                    limiter.decide("f", "client", limits, true);
                }
            }, java.util.Set.of("info"));
            assertEquals(20L, delta.get("evalsha"), "one EVALSHA per decision: " + delta);
            assertEquals(null, delta.get("eval"), delta.toString());
            // Everything else ran inside the script: TIME once, then per item the window upkeep.
            assertEquals(20L, delta.get("time"));
            assertEquals(60L, delta.get("zadd"));
            limiter.close();
        }
    }
}

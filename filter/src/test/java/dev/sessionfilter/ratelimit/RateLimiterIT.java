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
            // Everything else ran inside the script: TIME once, then per item one read and one write.
            assertEquals(20L, delta.get("time"));
            assertEquals(60L, delta.get("hmget"));
            assertEquals(60L, delta.get("hset"));
            limiter.close();
        }
    }

    /** Issue 9 item 10: a client's state is one small hash per item, whatever the limit and the traffic. */
    @Test
    void stateInRedis_isConstant_whateverTheLimit() {
        try (RedisProcess redis = RedisServers.standalone(); JedisRedisApi api = api(redis)) {
            RateLimiter limiter = new RateLimiter("o1", api, RateLimiter.FailureMode.LOCAL, 100, System::currentTimeMillis);
            List<Limit> limits = Limit.parse("100000 per day");
            for (int i = 0; i < 500; i++) {
                assertEquals(true, limiter.decide("f", "client", limits, true).allowed());
            }
            try (redis.clients.jedis.Jedis j = redis.jedis()) {
                java.util.Set<String> keys = j.keys("o1:rl:*");
                assertEquals(1, keys.size(), keys.toString());
                String key = keys.iterator().next();
                assertEquals("hash", j.type(key));
                assertEquals(3L, j.hlen(key), "window start, count, previous count: " + j.hgetAll(key));
                assertEquals("500", j.hget(key, "c"));
                long ttl = j.pttl(key);
                assertEquals(true, ttl > 0 && ttl <= 2 * 86_400_000L, "idle clients expire: " + ttl);
            }
            limiter.close();
        }
    }

    /**
     * Issue 9 item 10: client keys in Redis are keyed by the app's keyset, so an IPv4 address cannot be
     * found by hashing all of them; two instances with the same keyset share the counter.
     */
    @Test
    void clientKeysInRedis_areKeyedByTheKeyset() throws Exception {
        String keyset = dev.sessionfilter.testing.TestApps.newKeyset();
        try (RedisProcess redis = RedisServers.standalone(); JedisRedisApi api = api(redis)) {
            ClientHash keyed = ClientHash.keyedBy(keyset);
            RateLimiter a = new RateLimiter("kh", api, RateLimiter.FailureMode.LOCAL, 100, System::currentTimeMillis, keyed);
            RateLimiter b = new RateLimiter("kh", api, RateLimiter.FailureMode.LOCAL, 100, System::currentTimeMillis,
                    ClientHash.keyedBy(keyset));
            List<Limit> limits = Limit.parse("3 per minute");
            a.decide("f", "ip:203.0.113.7", limits, true);
            a.decide("f", "ip:203.0.113.7", limits, true);
            assertEquals(0, b.decide("f", "ip:203.0.113.7", limits, true).quotas().get(0).remaining(),
                    "the same keyset: the same counter");
            String unkeyed = ClientHash.keyedBy(null).of("ip:203.0.113.7");
            try (redis.clients.jedis.Jedis j = redis.jedis()) {
                java.util.Set<String> keys = j.keys("kh:rl:*");
                assertEquals(1, keys.size());
                String k = keys.iterator().next();
                assertEquals(false, k.contains(unkeyed), "not the plain SHA-256 anyone can compute: " + k);
                assertEquals(true, k.contains(keyed.of("ip:203.0.113.7")), k);
                assertEquals(false, k.contains("203.0.113.7"), k);
            }
            a.close();
            b.close();
        }
    }
}

package dev.sessionfilter.store;

import dev.sessionfilter.config.RedisConfig;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.RedisSentinelClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisNoScriptException;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/** {@link RedisApi} over Jedis 8: standalone, Sentinel or Cluster, one commons-pool2 pool per application. */
public final class JedisRedisApi implements RedisApi {
    private final UnifiedJedis jedis;
    private final RedisConfig config;

    public JedisRedisApi(RedisConfig config) {
        this.config = config;
        this.jedis = connect(config);
    }

    private static UnifiedJedis connect(RedisConfig c) {
        int timeoutMs = (int) c.timeout().toMillis();
        DefaultJedisClientConfig.Builder cb = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(timeoutMs).socketTimeoutMillis(timeoutMs)
                .ssl(c.tls()).clientName("sessionfilter");
        if (c.user() != null) {
            cb.user(c.user());
        }
        if (c.password() != null) {
            cb.password(c.password());
        }
        GenericObjectPoolConfig<Connection> pool = new ConnectionPoolConfig();
        pool.setMaxTotal(c.maxTotal());
        pool.setMaxIdle(c.maxTotal());
        pool.setMinIdle(0);
        // Never wait longer for a connection than for an answer: the request budget is one timeout.
        pool.setMaxWait(c.timeout());
        pool.setTestWhileIdle(true);
        pool.setTimeBetweenEvictionRuns(Duration.ofSeconds(30));
        switch (c.mode()) {
            case STANDALONE -> {
                JedisClientConfig cfg = cb.database(c.database()).build();
                return RedisClient.builder().hostAndPort(new HostAndPort(c.host(), c.port()))
                        .clientConfig(cfg).poolConfig(pool).build();
            }
            case SENTINEL -> {
                JedisClientConfig cfg = cb.database(c.database()).build();
                JedisClientConfig sentinelCfg = DefaultJedisClientConfig.builder()
                        .connectionTimeoutMillis(timeoutMs).socketTimeoutMillis(timeoutMs).ssl(c.tls())
                        .clientName("sessionfilter-sentinel").build();
                return RedisSentinelClient.builder().masterName(c.master()).sentinels(hosts(c.nodes()))
                        .clientConfig(cfg).sentinelClientConfig(sentinelCfg).poolConfig(pool).build();
            }
            case CLUSTER -> {
                return RedisClusterClient.builder().nodes(hosts(c.nodes())).clientConfig(cb.build())
                        .poolConfig(pool).maxAttempts(3).maxTotalRetriesDuration(c.timeout()).build();
            }
            default -> throw new IllegalStateException(c.mode().toString());
        }
    }

    private static Set<HostAndPort> hosts(List<RedisConfig.HostPort> nodes) {
        Set<HostAndPort> set = new LinkedHashSet<>();
        for (RedisConfig.HostPort n : nodes) {
            set.add(new HostAndPort(n.host(), n.port()));
        }
        return set;
    }

    @Override
    public Map<String, byte[]> hgetAll(byte[] key) {
        Map<byte[], byte[]> raw;
        try {
            raw = call(() -> jedis.hgetAll(key));
        } catch (JedisDataException e) {
            if (String.valueOf(e.getMessage()).startsWith("WRONGTYPE")) {
                return Map.of(); // something else was planted under our key: not a session
            }
            throw e;
        }
        Map<String, byte[]> out = new HashMap<>(Math.max(4, raw.size() * 2));
        for (Map.Entry<byte[], byte[]> e : raw.entrySet()) {
            out.put(new String(e.getKey(), StandardCharsets.ISO_8859_1), e.getValue());
        }
        return out;
    }

    @Override
    public Object eval(LuaScript script, List<byte[]> keys, List<byte[]> args) {
        return call(() -> {
            try {
                return jedis.evalsha(script.sha1(), keys, args);
            } catch (JedisNoScriptException e) {
                return jedis.eval(script.source(), keys, args);
            }
        });
    }

    @Override
    public void ping() {
        call(jedis::ping);
    }

    @Override
    public String info(String section) {
        return call(() -> jedis.info(section));
    }

    private <T> T call(Supplier<T> op) {
        try {
            return op.get();
        } catch (JedisException e) {
            Throwable t = e;
            while (t != null && !(t instanceof JedisAccessControlException)) {
                t = t.getCause();
            }
            if (t != null) {
                throw new RedisUnavailableException("Redis refused access: " + t.getMessage(), e, true);
            }
            throw translate(e);
        }
    }

    private RuntimeException translate(JedisException e) {
        if (e instanceof JedisConnectionException) {
            return new RedisUnavailableException("Redis unreachable (" + config.mode().name().toLowerCase() + "): "
                    + e.getMessage(), e);
        }
        if (e instanceof JedisDataException) {
            String m = String.valueOf(e.getMessage());
            // Failover and cluster re-sharding states are outages, not bugs.
            boolean transientState = m.startsWith("LOADING") || m.startsWith("CLUSTERDOWN") || m.startsWith("READONLY")
                    || m.startsWith("MASTERDOWN") || m.startsWith("TRYAGAIN");
            return transientState ? new RedisUnavailableException("Redis not serving: " + m, e) : e;
        }
        return new RedisUnavailableException("Redis unreachable: " + e.getMessage(), e);
    }

    @Override
    public void close() {
        jedis.close();
    }
}

package dev.sessionfilter.store;

import dev.sessionfilter.config.RedisConfig;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
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
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;
import redis.clients.jedis.util.Pool;

import javax.net.ssl.SSLParameters;
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
    /** Keys looked at per master to estimate the session count: one SCAN call, bounded work. */
    private static final int SAMPLE = 1000;
    private static final Set<String> SUMMED = Set.of("used_memory", "maxmemory", "connected_clients");
    private static final Set<String> INFO_FIELDS = Set.of("redis_version", "role", "used_memory",
            "maxmemory", "maxmemory_policy", "connected_clients");

    private final UnifiedJedis jedis;
    private final RedisConfig config;
    private final LatencyHistogram latency = new LatencyHistogram();

    private final RedisMonitor monitor;

    public JedisRedisApi(RedisConfig config) {
        this.config = config;
        this.jedis = connect(config);
        this.monitor = new RedisMonitor(config.describe(), this::ping);
    }

    /**
     * The request budget is one {@code sessionfilter.redis.timeout}: waiting for a pooled connection (or
     * connecting a new one) gets at most half of it, the command's answer the other half, so a request
     * that meets a hung Redis gives up within the timeout, not twice it.
     */
    static int halfBudgetMillis(RedisConfig c) {
        return (int) Math.max(1, c.timeout().toMillis() / 2);
    }

    /** The data nodes' connection settings: credentials, TLS, timeouts, client name. */
    private static DefaultJedisClientConfig.Builder clientConfig(RedisConfig c, int connectMs, int readMs, String name) {
        DefaultJedisClientConfig.Builder cb = tls(DefaultJedisClientConfig.builder(), c)
                .connectionTimeoutMillis(connectMs).socketTimeoutMillis(readMs).clientName(name);
        if (c.user() != null) {
            cb.user(c.user());
        }
        if (c.password() != null) {
            cb.password(c.password());
        }
        return cb;
    }

    private static UnifiedJedis connect(RedisConfig c) {
        int timeoutMs = halfBudgetMillis(c);
        DefaultJedisClientConfig.Builder cb = clientConfig(c, timeoutMs, timeoutMs, "sessionfilter");
        GenericObjectPoolConfig<Connection> pool = new ConnectionPoolConfig();
        pool.setMaxTotal(c.maxTotal());
        pool.setMaxIdle(c.maxTotal());
        pool.setMinIdle(0);
        pool.setMaxWait(Duration.ofMillis(timeoutMs));
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
                DefaultJedisClientConfig.Builder sb = tls(DefaultJedisClientConfig.builder(), c)
                        .connectionTimeoutMillis(timeoutMs).socketTimeoutMillis(timeoutMs)
                        .clientName("sessionfilter-sentinel");
                if (c.sentinelUser() != null) {
                    sb.user(c.sentinelUser());
                }
                if (c.sentinelPassword() != null) {
                    sb.password(c.sentinelPassword());
                }
                JedisClientConfig sentinelCfg = sb.build();
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

    /**
     * TLS when asked for, and then the server's certificate must name the host we connect to (as HTTPS
     * clients check): a certificate merely signed by a trusted CA for some other host is refused, so a
     * man in the middle never receives the AUTH password. Set explicitly rather than left to the Jedis
     * default, so the documented switch is the only way to turn it off.
     */
    private static DefaultJedisClientConfig.Builder tls(DefaultJedisClientConfig.Builder b, RedisConfig c) {
        b.ssl(c.tls());
        if (c.tls()) {
            SSLParameters p = new SSLParameters();
            p.setEndpointIdentificationAlgorithm(c.verifyHostname() ? "HTTPS" : null);
            b.sslParameters(p);
        }
        return b;
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
    public ServerFigures figures(String sessionKeyPrefix) {
        Map<String, String> info = new HashMap<>();
        String clusterState = null;
        long slotsOk = -1;
        long sessionKeys = 0;
        boolean keysKnown = true;
        boolean first = true;
        for (Pool<Connection> pool : pools()) {
            try (Connection c = pool.getResource()) {
                Jedis node = new Jedis(c);
                Map<String, String> f;
                try {
                    f = parse(node.info("replication"));
                    if (config.mode() == RedisConfig.Mode.CLUSTER && !"master".equals(f.get("role"))) {
                        continue; // replicas hold copies: counting them would double the figures
                    }
                    f.putAll(parse(node.info("server") + "\n" + node.info("memory") + "\n" + node.info("clients")));
                } catch (JedisDataException e) {
                    f = Map.of(); // NOPERM: this user may not run INFO
                }
                for (Map.Entry<String, String> e : f.entrySet()) {
                    if (!INFO_FIELDS.contains(e.getKey())) {
                        continue;
                    }
                    if (!first && SUMMED.contains(e.getKey())) {
                        info.merge(e.getKey(), e.getValue(), JedisRedisApi::sum);
                    } else {
                        info.putIfAbsent(e.getKey(), e.getValue());
                    }
                }
                first = false;
                if (config.mode() == RedisConfig.Mode.CLUSTER && clusterState == null) {
                    try {
                        Map<String, String> ci = parse(node.clusterInfo());
                        clusterState = ci.get("cluster_state");
                        slotsOk = Long.parseLong(ci.getOrDefault("cluster_slots_ok", "-1"));
                    } catch (JedisDataException | NumberFormatException e) {
                        // not permitted: leave unknown
                    }
                }
                if (keysKnown) {
                    try {
                        sessionKeys += estimateSessionKeys(node, sessionKeyPrefix);
                    } catch (JedisDataException e) {
                        keysKnown = false;
                    }
                }
            } catch (JedisException e) {
                throw translate(e);
            }
        }
        if (config.mode() == RedisConfig.Mode.CLUSTER && info.containsKey("role")) {
            info.put("role", "master"); // figures summed over the masters
        }
        return new ServerFigures(info, clusterState, slotsOk, keysKnown ? sessionKeys : -1);
    }

    /** Exact for a small keyspace; otherwise the share of session keys in one SCAN batch times DBSIZE. */
    private static long estimateSessionKeys(Jedis node, String prefix) {
        long size = node.dbSize();
        ScanResult<String> batch = node.scan(ScanParams.SCAN_POINTER_START, new ScanParams().count(SAMPLE));
        long matching = batch.getResult().stream().filter(k -> k.startsWith(prefix) && !k.endsWith(":x")).count();
        if (batch.isCompleteIteration() || batch.getResult().isEmpty()) {
            return matching;
        }
        return Math.round((double) matching / batch.getResult().size() * size);
    }

    private static String sum(String a, String b) {
        try {
            return Long.toString(Long.parseLong(a) + Long.parseLong(b));
        } catch (NumberFormatException e) {
            return a;
        }
    }

    private static Map<String, String> parse(String text) {
        Map<String, String> f = new HashMap<>();
        for (String line : text.split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && !line.startsWith("#")) {
                f.put(line.substring(0, colon), line.substring(colon + 1).trim());
            }
        }
        return f;
    }

    /** The pools of the nodes this client talks to (cluster: every known node, replicas included). */
    private List<Pool<Connection>> pools() {
        if (jedis instanceof RedisClient c) {
            return List.of(c.getPool());
        }
        if (jedis instanceof RedisSentinelClient c) {
            return List.copyOf(c.getPrimaryNodesConnectionMap().values());
        }
        if (jedis instanceof RedisClusterClient c) {
            return List.copyOf(c.getClusterNodes().values());
        }
        return List.of();
    }

    /**
     * Standalone and Cluster (every node the client knows, replicas included). Not Sentinel: a fail-over
     * moves writes to a node the feed would first have to find, so copies there keep the version check.
     */
    @Override
    public AutoCloseable track(String keyPrefix, NearCache cache, String name) {
        Supplier<Set<HostAndPort>> nodes;
        if (jedis instanceof RedisClient) {
            Set<HostAndPort> one = Set.of(new HostAndPort(config.host(), config.port()));
            nodes = () -> one;
        } else if (jedis instanceof RedisClusterClient c) {
            nodes = () -> {
                Set<HostAndPort> all = new java.util.HashSet<>();
                for (String n : c.getClusterNodes().keySet()) {
                    all.add(HostAndPort.from(n));
                }
                return all;
            };
        } else {
            return null;
        }
        JedisClientConfig cfg = clientConfig(config, halfBudgetMillis(config), TrackingFeed.READ_TIMEOUT_MILLIS,
                "sessionfilter-tracking").database(config.database())
                .protocol(redis.clients.jedis.RedisProtocol.RESP2) // Jedis 8 speaks RESP3 by default: pushes would be swallowed
                .build();
        TrackingFeed feed = new TrackingFeed(name, nodes, cfg, keyPrefix, cache);
        feed.start();
        return feed;
    }

    @Override
    public boolean slotsMatter() {
        return config.mode() == RedisConfig.Mode.CLUSTER;
    }

    @Override
    public PoolFigures pool() {
        int active = 0;
        int idle = 0;
        int waiting = 0;
        for (Pool<Connection> p : pools()) {
            active += p.getNumActive();
            idle += p.getNumIdle();
            waiting += p.getNumWaiters();
        }
        return new PoolFigures(active, idle, waiting);
    }

    @Override
    public RedisMonitor monitor() {
        return monitor;
    }

    @Override
    public LatencyHistogram latency() {
        return latency;
    }

    /**
     * Runs one command. A pooled connection Redis closed meanwhile (a restart, an idle timeout, a fail-over)
     * fails on its first use with "Unexpected end of stream": the command never ran, so it is retried once
     * on a fresh connection rather than taken for an outage. A timeout is never retried (the budget is
     * spent). Every other failure to serve marks the pool's Redis down for all its users.
     */
    private <T> T call(Supplier<T> op) {
        long t0 = System.nanoTime();
        try {
            try {
                return op.get();
            } catch (JedisConnectionException e) {
                if (timedOut(e)) {
                    throw e;
                }
                return op.get();
            }
        } catch (JedisException e) {
            Throwable t = e;
            while (t != null && !(t instanceof JedisAccessControlException)) {
                t = t.getCause();
            }
            RedisUnavailableException u = t != null
                    ? new RedisUnavailableException("Redis refused access: " + t.getMessage(), e, true)
                    : translated(e);
            if (u == null) {
                throw e;
            }
            monitor.failed(u);
            throw u;
        } finally {
            latency.record(System.nanoTime() - t0);
        }
    }

    private static boolean timedOut(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.SocketTimeoutException) {
                return true;
            }
        }
        return false;
    }

    /** The outage a Jedis failure means, or null when it is an error in the command itself. */
    private RedisUnavailableException translated(JedisException e) {
        RuntimeException r = translate(e);
        return r instanceof RedisUnavailableException u ? u : null;
    }

    private RuntimeException translate(JedisException e) {
        if (e instanceof JedisConnectionException) {
            return new RedisUnavailableException("Redis unreachable (" + config.mode().name().toLowerCase() + "): "
                    + e.getMessage(), e);
        }
        if (e instanceof JedisDataException) {
            String m = String.valueOf(e.getMessage());
            // Failover and cluster re-sharding states are outages, not bugs.
            return notServing(m) ? new RedisUnavailableException("Redis not serving: " + m, e) : e;
        }
        return new RedisUnavailableException("Redis unreachable: " + e.getMessage(), e);
    }

    /**
     * Error replies that mean "Redis cannot serve this now", not "our command is wrong": fail-over and
     * re-sharding states, a full memory under {@code noeviction} (OOM), a script running too long (BUSY), a
     * failing disk refusing writes (MISCONF), missing replicas (NOREPLICAS). Each gets the outage behaviour.
     */
    static boolean notServing(String errorReply) {
        for (String prefix : NOT_SERVING) {
            if (errorReply.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    private static final List<String> NOT_SERVING = List.of("LOADING", "CLUSTERDOWN", "READONLY", "MASTERDOWN",
            "TRYAGAIN", "OOM", "BUSY", "MISCONF", "NOREPLICAS");

    @Override
    public void close() {
        monitor.close();
        jedis.close();
    }
}

package dev.sessionfilter.store;

import java.util.List;
import java.util.Map;

/**
 * The few Redis commands sessionfilter uses, so Jedis stays behind one small seam. Every method is one round
 * trip. Connectivity problems surface as {@link RedisUnavailableException}.
 */
public interface RedisApi extends AutoCloseable {

    /** HGETALL; field names are ASCII. An empty map when the key does not exist or is not a hash. */
    Map<String, byte[]> hgetAll(byte[] key);

    /** EVALSHA, falling back to EVAL when the node does not know the script yet. */
    Object eval(LuaScript script, List<byte[]> keys, List<byte[]> args);

    /** PING: used for liveness probes and the recovery prober. */
    void ping();

    /**
     * Figures for operators (health details, metrics): a few extra round trips to each master, each part
     * left out when the ACL user may not run it. {@code sessionKeyPrefix} selects the keys counted.
     */
    ServerFigures figures(String sessionKeyPrefix);

    /**
     * Starts feeding {@code cache} with Redis' invalidation messages for keys under {@code keyPrefix}, so
     * current copies are served without a round trip. Null when this topology or client cannot (the cache
     * then checks every copy's version).
     */
    default AutoCloseable track(String keyPrefix, NearCache cache, String name) {
        return null;
    }

    /** Whether one script's keys must share a slot (Cluster). */
    default boolean slotsMatter() {
        return false;
    }

    /** Connection pool state; no round trip. */
    PoolFigures pool();

    /** Whether this client's Redis is serving, shared by every component on it. */
    RedisMonitor monitor();

    /** Durations of the commands this client ran. */
    LatencyHistogram latency();

    @Override
    void close();
}

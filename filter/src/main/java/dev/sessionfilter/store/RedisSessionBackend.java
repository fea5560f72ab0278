package dev.sessionfilter.store;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The Redis store: HGETALL to load, one Lua script to commit or delete. */
public final class RedisSessionBackend implements SessionBackend {
    /** Seconds a tombstone outlives the session, long enough for any request still in flight. */
    static final long TOMBSTONE_MILLIS = 120_000;

    // KEYS[1] session hash, KEYS[2] tombstone. ARGV: mode (n|e), ttl ms, n, n field/value pairs, fields to delete.
    static final LuaScript COMMIT = LuaScript.of("commit", """
            if ARGV[1] == 'n' then
              if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
            elseif redis.call('EXISTS', KEYS[1]) == 0 then
              return 0
            end
            local n = tonumber(ARGV[3])
            if n > 0 then redis.call('HSET', KEYS[1], unpack(ARGV, 4, 3 + 2 * n)) end
            local first = 4 + 2 * n
            if #ARGV >= first then redis.call('HDEL', KEYS[1], unpack(ARGV, first, #ARGV)) end
            local ttl = tonumber(ARGV[2])
            if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) else redis.call('PERSIST', KEYS[1]) end
            return 1
            """);

    static final LuaScript DELETE = LuaScript.of("delete", """
            redis.call('DEL', KEYS[1])
            redis.call('SET', KEYS[2], '1', 'PX', ARGV[1])
            return 1
            """);

    static final LuaScript RETIRE = LuaScript.of("retire", """
            if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
            redis.call('DEL', KEYS[1])
            redis.call('SET', KEYS[2], '1', 'PX', ARGV[1])
            return 1
            """);

    private static final byte[] NEW = {'n'};
    private static final byte[] EXISTING = {'e'};

    private final RedisApi redis;

    public RedisSessionBackend(RedisApi redis) {
        this.redis = redis;
    }

    @Override
    public Map<String, byte[]> load(SessionKey key) {
        Map<String, byte[]> fields = redis.hgetAll(key.key());
        return fields.isEmpty() ? null : fields;
    }

    @Override
    public boolean commit(SessionKey key, Delta delta) {
        List<byte[]> args = new ArrayList<>(3 + delta.set().size() * 2 + delta.remove().size());
        args.add(delta.create() ? NEW : EXISTING);
        args.add(ascii(Long.toString(delta.ttlMillis())));
        args.add(ascii(Integer.toString(delta.set().size())));
        for (Map.Entry<String, byte[]> e : delta.set().entrySet()) {
            args.add(ascii(e.getKey()));
            args.add(e.getValue());
        }
        for (String f : delta.remove()) {
            args.add(ascii(f));
        }
        Object r = redis.eval(COMMIT, List.of(key.key(), key.tombstone()), args);
        return r instanceof Long l && l == 1L;
    }

    @Override
    public void delete(SessionKey key) {
        redis.eval(DELETE, List.of(key.key(), key.tombstone()), List.of(ascii(Long.toString(TOMBSTONE_MILLIS))));
    }

    @Override
    public boolean retire(SessionKey key) {
        Object r = redis.eval(RETIRE, List.of(key.key(), key.tombstone()), List.of(ascii(Long.toString(TOMBSTONE_MILLIS))));
        return r instanceof Long l && l == 1L;
    }

    @Override
    public boolean redisAvailable() {
        return true;
    }

    @Override
    public void close() {
        // The RedisApi is shared and closed by its owner.
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}

package dev.sessionfilter.store;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Redis store: HGETALL to load, one Lua script to commit or delete, each keeping the shard's deadline
 * index current in the same slot; scripts for the expiry sweeper's claims and the registry's principal index.
 */
public final class RedisSessionBackend implements SessionBackend {
    /** Seconds a tombstone outlives the session, long enough for any request still in flight. */
    static final long TOMBSTONE_MILLIS = 120_000;
    /** How long an expired session's data waits for a sweeper when no instance runs, by default. */
    public static final long DEFAULT_RETENTION_MILLIS = 3_600_000;

    // KEYS: session, tombstone, deadlines, claims. ARGV: mode (n|e), deadline ms (0 = never), key TTL ms,
    // session hash, n, n field/value pairs, fields to delete.
    // An existing session is written only while it exists and no sweeper has claimed its expiry: a request
    // that began before the deadline and commits after it either keeps the session (it commits first) or
    // finds it expired (the sweeper claimed first), never both.
    // ARGV: 'n'|'e'|'c'<version>, deadline ms (0: none; '>' first: only if later than the stored one), key ttl ms, session hash, version token, field count,
    // fields and values, then fields to delete. Every commit stores a new random version token in field v and
    // returns {1, the version it replaced}, so a near cache knows whether its copy was current; 0 when refused.
    // 'c' (the write-back) is 'e' only while v still holds <version>: -1 when another write came in between.
    static final LuaScript COMMIT = LuaScript.of("commit", """
            if ARGV[1] == 'n' then
              if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
            elseif redis.call('EXISTS', KEYS[1]) == 0 or redis.call('ZSCORE', KEYS[4], ARGV[4]) then
              return 0
            end
            local previous = redis.call('HGET', KEYS[1], 'v')
            if string.byte(ARGV[1]) == 99 and (previous or '') ~= string.sub(ARGV[1], 2) then return -1 end
            local n = tonumber(ARGV[6])
            redis.call('HSET', KEYS[1], 'v', ARGV[5], unpack(ARGV, 7, 6 + 2 * n))
            local first = 7 + 2 * n
            if #ARGV >= first then redis.call('HDEL', KEYS[1], unpack(ARGV, first, #ARGV)) end
            if string.byte(ARGV[2]) == 62 then
              -- '>deadline': a request that must not touch the session moves its expiry later, never earlier
              local d = string.sub(ARGV[2], 2)
              local current = redis.call('ZSCORE', KEYS[3], ARGV[4])
              if current and tonumber(current) < tonumber(d) then
                redis.call('ZADD', KEYS[3], d, ARGV[4])
                redis.call('PEXPIRE', KEYS[1], ARGV[3])
              end
            elseif ARGV[2] ~= '0' then
              redis.call('ZADD', KEYS[3], ARGV[2], ARGV[4])
              redis.call('PEXPIRE', KEYS[1], ARGV[3])
            else
              redis.call('ZREM', KEYS[3], ARGV[4])
              redis.call('PERSIST', KEYS[1])
            end
            return {1, previous}
            """);

    // KEYS: session. ARGV: the version a near cache holds. 1 when the session still has it, else the whole
    // session (empty when gone): a cached read and a stale one both cost one round trip.
    static final LuaScript LOAD = LuaScript.of("load", """
            if redis.call('HGET', KEYS[1], 'v') == ARGV[1] then return 1 end
            return redis.call('HGETALL', KEYS[1])
            """);

    // KEYS: sessions of one shard. The version each holds (false when gone): a near cache confirming its
    // own commits after their invalidation arrived.
    static final LuaScript VERSIONS = LuaScript.of("versions", """
            local out = {}
            for i, k in ipairs(KEYS) do out[i] = redis.call('HGET', k, 'v') end
            return out
            """);

    // KEYS: session, tombstone, deadlines, claims. ARGV: tombstone ms, session hash, only-if-live (1|0).
    // Returns {1 if this call ended a live session, its principal hash or false}. A session whose expiry a
    // sweeper claimed is left to it: its notification is the one event.
    static final LuaScript DELETE = LuaScript.of("delete", """
            local live = redis.call('EXISTS', KEYS[1]) == 1 and not redis.call('ZSCORE', KEYS[4], ARGV[2])
            if not live and ARGV[3] == '1' then return {0, false} end
            local p = redis.call('HGET', KEYS[1], 'p')
            if live then
              redis.call('DEL', KEYS[1])
              redis.call('ZREM', KEYS[3], ARGV[2])
            end
            redis.call('SET', KEYS[2], '1', 'PX', ARGV[1])
            return {live and 1 or 0, p}
            """);

    // KEYS: deadlines, claims. ARGV: now ms, lease end ms, batch. Moves due sessions to the claims with a
    // lease, and takes over claims whose lease ran out (their holder died). Returns the session hashes.
    static final LuaScript CLAIM = LuaScript.of("claim", """
            local out = {}
            local stale = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, ARGV[3])
            for _, h in ipairs(stale) do
              redis.call('ZADD', KEYS[2], ARGV[2], h)
              out[#out + 1] = h
            end
            local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[3])
            for _, h in ipairs(due) do
              redis.call('ZREM', KEYS[1], h)
              redis.call('ZADD', KEYS[2], ARGV[2], h)
              out[#out + 1] = h
            end
            return out
            """);

    // KEYS: session, claims. ARGV: session hash, lease end ms this holder was given.
    // Deletes the notified session unless another instance took the claim over meanwhile.
    static final LuaScript FINISH = LuaScript.of("finish", """
            local lease = redis.call('ZSCORE', KEYS[2], ARGV[1])
            if not lease or tonumber(lease) ~= tonumber(ARGV[2]) then return 0 end
            redis.call('DEL', KEYS[1])
            redis.call('ZREM', KEYS[2], ARGV[1])
            return 1
            """);

    // KEYS: principal index, its pending set (see ADMIT). ARGV: now ms, score (PrincipalIndex.score), member,
    // member to drop ('' for none). Drops entries past their absolute deadline and keeps the key no longer than
    // its last entry.
    static final LuaScript INDEX = LuaScript.of("index", """
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])
            if ARGV[4] ~= '' then
              redis.call('ZREM', KEYS[1], ARGV[4])
              redis.call('ZREM', KEYS[2], ARGV[4])
            end
            if ARGV[3] ~= '' then redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3]) end
            local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
            if #last == 0 then return 0 end
            if last[2] == 'inf' or tonumber(last[2]) >= 4503599627370496 then
              redis.call('PERSIST', KEYS[1])
            else
              redis.call('PEXPIRE', KEYS[1], math.max(1, tonumber(last[2]) - tonumber(ARGV[1])))
            end
            return 1
            """);

    // KEYS: principal index, its pending set. ARGV: now ms, score, member, member it replaces ('' for none),
    // limit, mode (check|evict|refuse), pending grace ms.
    // Admits a session under a per-principal limit, atomically: a member already present, or one taking
    // the place of the member it replaces (an id change), always passes; {2} when that member is not there
    // (the session was evicted or ended meanwhile: it takes nobody's place). Another passes while fewer than
    // limit are indexed. When full, 'evict' drops the oldest (lowest score: the earliest created) to make
    // room and returns {1, dropped...}; 'check' and 'refuse' add nothing and return {0, member, pending?...}
    // so the caller can check the members' liveness. The pending set holds the members admitted or moved
    // in the last grace period: their session may not be saved under that hash yet (a login in progress),
    // so a liveness check must not take them for dead. Saving does not clear the mark (that would take a
    // round trip after the save): it ages out, and an ended session's entry goes with it (INDEX).
    static final LuaScript ADMIT = LuaScript.of("admit", """
            local now = tonumber(ARGV[1])
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])
            redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. (now - tonumber(ARGV[7])))
            local present = redis.call('ZSCORE', KEYS[1], ARGV[3])
            if ARGV[4] ~= '' then
              if redis.call('ZREM', KEYS[1], ARGV[4]) == 0 then return {2} end
              present = true
              redis.call('ZREM', KEYS[2], ARGV[4])
            end
            local out = {1}
            local limit = tonumber(ARGV[5])
            if not present and limit > 0 then
              local n = redis.call('ZCARD', KEYS[1])
              if n >= limit then
                if ARGV[6] ~= 'evict' then
                  out = {0}
                  for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
                    out[#out + 1] = m
                    out[#out + 1] = redis.call('ZSCORE', KEYS[2], m) and '1' or '0'
                  end
                  return out
                end
                local dropped = redis.call('ZRANGE', KEYS[1], 0, n - limit)
                redis.call('ZREM', KEYS[1], unpack(dropped))
                redis.call('ZREM', KEYS[2], unpack(dropped))
                for _, m in ipairs(dropped) do out[#out + 1] = m end
              end
            end
            if not present or ARGV[4] ~= '' then
              redis.call('ZADD', KEYS[2], now, ARGV[3])
              redis.call('PEXPIRE', KEYS[2], ARGV[7])
            end
            redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
            local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
            if last[2] == 'inf' or tonumber(last[2]) >= 4503599627370496 then
              redis.call('PERSIST', KEYS[1])
            else
              redis.call('PEXPIRE', KEYS[1], math.max(1, tonumber(last[2]) - now))
            end
            return out
            """);

    // KEYS: session, tombstone, deadlines, claims. ARGV: session hash, now ms. 1 while the session serves
    // (stored, its idle deadline not passed, not claimed by a sweeper); 0 once it ended (tombstoned, past
    // its deadline, claimed); 2 when it is not stored and never was (or not yet: a login in progress).
    static final LuaScript LIVE = LuaScript.of("live", """
            if redis.call('EXISTS', KEYS[1]) == 0 then
              return redis.call('EXISTS', KEYS[2]) == 1 and 0 or 2
            end
            if redis.call('ZSCORE', KEYS[4], ARGV[1]) then return 0 end
            local d = redis.call('ZSCORE', KEYS[3], ARGV[1])
            if d and tonumber(d) <= tonumber(ARGV[2]) then return 0 end
            return 1
            """);

    // KEYS: principal index. ARGV: now ms. The members not past their absolute deadline.
    static final LuaScript MEMBERS = LuaScript.of("members", """
            return redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf')
            """);

    private static final byte[] NEW = {'n'};
    private static final byte[] EXISTING = {'e'};

    private final RedisApi redis;
    private final long retentionMillis;
    private final NearCache cache;

    public RedisSessionBackend(RedisApi redis) {
        this(redis, DEFAULT_RETENTION_MILLIS, null);
    }

    /** @param cache null for none: every load reads the whole session */
    public RedisSessionBackend(RedisApi redis, long retentionMillis, NearCache cache) {
        this.redis = redis;
        this.retentionMillis = retentionMillis;
        this.cache = cache;
        if (cache != null) {
            cache.versions(this::versions);
        }
    }

    /** One script for all keys; on a Cluster one per shard (a shard's keys share a slot). */
    private List<byte[]> versions(List<SessionKey> keys) {
        byte[][] out = new byte[keys.size()][];
        Map<Integer, List<Integer>> groups = new java.util.HashMap<>();
        for (int i = 0; i < keys.size(); i++) {
            groups.computeIfAbsent(redis.slotsMatter() ? keys.get(i).shard() : 0, s -> new ArrayList<>()).add(i);
        }
        for (List<Integer> group : groups.values()) {
            List<byte[]> k = new ArrayList<>(group.size());
            for (int i : group) {
                k.add(keys.get(i).key());
            }
            if (redis.eval(VERSIONS, k, List.of()) instanceof List<?> l) {
                for (int j = 0; j < group.size() && j < l.size(); j++) {
                    out[group.get(j)] = l.get(j) instanceof byte[] b ? b : null;
                }
            }
        }
        return java.util.Arrays.asList(out);
    }

    /**
     * The whole session. With a near cache holding it: no round trip while the invalidation feed vouches for
     * the copy; otherwise one script: when Redis still has the cached version, the cached fields (the same
     * arrays as before, never mutated); otherwise the whole session, in the same round trip.
     */
    @Override
    public Map<String, byte[]> load(SessionKey key) {
        if (cache == null) {
            Map<String, byte[]> fields = redis.hgetAll(key.key());
            return fields.isEmpty() ? null : fields;
        }
        String hash = key.hash();
        NearCache.Entry e = cache.get(hash);
        if (e != null && cache.current(hash, e)) {
            cache.freeHit();
            return e.fields();
        }
        // Read before the round trip: an invalidation that arrives while it runs must leave the result untrusted.
        long epoch = cache.epoch();
        long stripe = cache.stripe(hash);
        Map<String, byte[]> fields;
        if (e != null) {
            Object r;
            try {
                r = redis.eval(LOAD, List.of(key.key()), List.of(e.version()));
            } catch (RedisUnavailableException x) {
                throw x;
            } catch (RuntimeException x) {
                cache.remove(hash); // WRONGTYPE: something else was planted under our key
                return null;
            }
            if (r instanceof Long) {
                cache.hit();
                cache.roundTripDone();
                cache.verified(hash, e, epoch, stripe);
                return e.fields();
            }
            cache.remove(hash);
            fields = fieldsOf(r);
        } else {
            fields = redis.hgetAll(key.key());
        }
        if (fields.isEmpty()) {
            return null; // invalidated, expired, or lost: never served from the cache
        }
        cache.miss();
        cache.roundTripDone();
        return cache.loaded(key, fields, epoch, stripe);
    }

    private static Map<String, byte[]> fieldsOf(Object reply) {
        Map<String, byte[]> out = new java.util.HashMap<>();
        if (reply instanceof List<?> l) {
            for (int i = 0; i + 1 < l.size(); i += 2) {
                if (l.get(i) instanceof byte[] f && l.get(i + 1) instanceof byte[] v) {
                    out.put(new String(f, StandardCharsets.ISO_8859_1), v);
                }
            }
        }
        return out;
    }

    @Override
    public boolean commit(SessionKey key, Delta delta) {
        return commit(key, delta, delta.create() ? NEW : EXISTING) == 1;
    }

    /**
     * Commits an existing session's delta only if its version is still {@code expected} (null: the field was
     * absent): 1 done, 0 refused (gone, or claimed by a sweeper), -1 another write came in since it was read.
     */
    int commitIfUnchanged(SessionKey key, Delta delta, byte[] expected) {
        byte[] mode = new byte[1 + (expected == null ? 0 : expected.length)];
        mode[0] = 'c';
        if (expected != null) {
            System.arraycopy(expected, 0, mode, 1, expected.length);
        }
        return commit(key, delta, mode);
    }

    /** The session as Redis holds it now, past any near cache (the write-back compares with it). */
    Map<String, byte[]> loadFromRedis(SessionKey key) {
        Map<String, byte[]> fields = redis.hgetAll(key.key());
        return fields.isEmpty() ? null : fields;
    }

    private int commit(SessionKey key, Delta delta, byte[] mode) {
        List<byte[]> args = new ArrayList<>(5 + delta.set().size() * 2 + delta.remove().size());
        args.add(mode);
        long ttl = delta.ttlMillis();
        String deadline = ttl > 0 ? Long.toString(System.currentTimeMillis() + ttl) : "0";
        args.add(ascii(delta.extendOnly() && ttl > 0 && !delta.create() ? ">" + deadline : deadline));
        args.add(ascii(Long.toString(ttl + retentionMillis)));
        args.add(ascii(key.hash()));
        byte[] version = versionToken();
        args.add(version);
        // A copy written back after an outage carries the version it was read at: never store that again, or
        // a near cache holding that old version would take the written-back session for its own copy.
        int n = delta.set().size() - (delta.set().containsKey(SessionKey.VERSION) ? 1 : 0);
        args.add(ascii(Integer.toString(n)));
        for (Map.Entry<String, byte[]> e : delta.set().entrySet()) {
            if (!e.getKey().equals(SessionKey.VERSION)) {
                args.add(ascii(e.getKey()));
                args.add(e.getValue());
            }
        }
        for (String f : delta.remove()) {
            if (!f.equals(SessionKey.VERSION)) {
                args.add(ascii(f));
            }
        }
        if (cache == null) {
            return outcome(redis.eval(COMMIT, sessionKeys(key), args));
        }
        String hash = key.hash();
        cache.committing(hash);
        long epoch = cache.epoch();
        long stripe = cache.stripe(hash);
        Object r;
        try {
            r = redis.eval(COMMIT, sessionKeys(key), args);
        } catch (RuntimeException e) {
            cache.commitFailed(hash);
            throw e;
        }
        int outcome = outcome(r);
        if (outcome == 1) {
            cache.roundTripDone();
            Object previous = ((List<?>) r).size() > 1 ? ((List<?>) r).get(1) : null;
            cache.committed(key, delta, previous instanceof byte[] b ? b : null, version, epoch, stripe);
        } else {
            cache.commitFailed(hash);
        }
        return outcome;
    }

    private static int outcome(Object r) {
        if (r instanceof List<?> l && !l.isEmpty() && l.get(0) instanceof Long one && one == 1L) {
            return 1;
        }
        return r instanceof Long changed && changed == -1L ? -1 : 0;
    }

    /**
     * 8 random bytes: unique enough per session that a session rebuilt after a data loss never matches, and
     * as small as the field can be (Redis compares it as a binary string).
     */
    private static byte[] versionToken() {
        byte[] t = new byte[8];
        long r = java.util.concurrent.ThreadLocalRandom.current().nextLong();
        for (int i = 0; i < 8; i++) {
            t[i] = (byte) (r >>> (8 * i));
        }
        return t;
    }

    @Override
    public Ended delete(SessionKey key) {
        forget(key);
        return ended(redis.eval(DELETE, sessionKeys(key), List.of(ascii(Long.toString(TOMBSTONE_MILLIS)),
                ascii(key.hash()), ascii("0"))));
    }

    @Override
    public Ended retire(SessionKey key) {
        forget(key);
        return ended(redis.eval(DELETE, sessionKeys(key), List.of(ascii(Long.toString(TOMBSTONE_MILLIS)),
                ascii(key.hash()), ascii("1"))));
    }

    @Override
    public List<String> claimExpired(String namespace, int shard, long now, long leaseUntil, int batch) {
        Object r = redis.eval(CLAIM, List.of(Shards.deadlines(namespace, shard), Shards.claims(namespace, shard)),
                List.of(ascii(Long.toString(now)), ascii(Long.toString(leaseUntil)), ascii(Integer.toString(batch))));
        return strings(r);
    }

    @Override
    public Map<String, byte[]> loadClaimed(SessionKey key) {
        return load(key);
    }

    private void forget(SessionKey key) {
        if (cache != null) {
            cache.remove(key.hash());
        }
    }

    @Override
    public boolean finishExpired(SessionKey key, long leaseUntil) {
        forget(key);
        Object r = redis.eval(FINISH, List.of(key.key(), key.claims()),
                List.of(ascii(key.hash()), ascii(Long.toString(leaseUntil))));
        return r instanceof Long l && l == 1L;
    }

    @Override
    public void indexPrincipal(String namespace, String principal, String member, String replaced, long absoluteDeadline) {
        redis.eval(INDEX, List.of(PrincipalIndex.key(namespace, principal), PrincipalIndex.pendingKey(namespace, principal)), List.of(
                ascii(Long.toString(System.currentTimeMillis())),
                ascii(absoluteDeadline > 0 ? Long.toString(absoluteDeadline) : "+inf"),
                ascii(member == null ? "" : member), ascii(replaced == null ? "" : replaced)));
    }

    @Override
    public Admission admitPrincipal(String namespace, String principal, String member, String replaced, double score,
                                    int limit, String mode, long pendingGraceMillis) {
        Object r = redis.eval(ADMIT, List.of(PrincipalIndex.key(namespace, principal),
                PrincipalIndex.pendingKey(namespace, principal)), List.of(
                ascii(Long.toString(System.currentTimeMillis())), ascii(PrincipalIndex.score(score)),
                ascii(member), ascii(replaced == null ? "" : replaced), ascii(Integer.toString(limit)), ascii(mode),
                ascii(Long.toString(pendingGraceMillis))));
        if (!(r instanceof List<?> l) || l.isEmpty() || !(l.get(0) instanceof Long outcome)) {
            throw new IllegalStateException("unexpected reply from the admit script: " + r);
        }
        return new Admission(outcome.intValue(), strings(l.subList(1, l.size())));
    }

    @Override
    public Liveness live(SessionKey key) {
        Object r = redis.eval(LIVE, sessionKeys(key), List.of(ascii(key.hash()), ascii(Long.toString(System.currentTimeMillis()))));
        long n = r instanceof Long l ? l : -1;
        return n == 1 ? Liveness.LIVE : n == 0 ? Liveness.ENDED : Liveness.ABSENT;
    }

    @Override
    public List<String> principalMembers(String namespace, String principal) {
        return strings(redis.eval(MEMBERS, List.of(PrincipalIndex.key(namespace, principal)),
                List.of(ascii(Long.toString(System.currentTimeMillis())))));
    }

    @Override
    public boolean redisAvailable() {
        return true;
    }

    @Override
    public void close() {
        // The RedisApi is shared and closed by its owner.
    }

    private static List<byte[]> sessionKeys(SessionKey key) {
        return List.of(key.key(), key.tombstone(), key.deadlines(), key.claims());
    }

    private static Ended ended(Object r) {
        if (r instanceof List<?> l && l.size() == 2) {
            boolean live = l.get(0) instanceof Long n && n == 1L;
            String p = l.get(1) instanceof byte[] b ? new String(b, StandardCharsets.ISO_8859_1) : null;
            return new Ended(live, p);
        }
        return new Ended(false, null);
    }

    private static List<String> strings(Object r) {
        List<String> out = new ArrayList<>();
        if (r instanceof List<?> l) {
            for (Object o : l) {
                if (o instanceof byte[] b) {
                    out.add(new String(b, StandardCharsets.ISO_8859_1));
                }
            }
        }
        return out;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}

package dev.sessionfilter.ratelimit;

import dev.sessionfilter.store.LuaScript;
import dev.sessionfilter.store.RedisApi;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;

/**
 * Sliding-window-log limits in Redis: one sorted set per item holding the times of the requests counted in
 * the last window. One Lua script decides every item of a limit string at once (one round trip), with
 * Redis' own clock ({@code TIME}), so app nodes with skewed clocks share one exact limit. Keys:
 * <pre>
 * ZADD &lt;ns&gt;:rl:{&lt;filter&gt;:&lt;H(client)&gt;}:&lt;item&gt; &lt;now ms&gt; &lt;now ms&gt;:&lt;nonce&gt;   PEXPIRE ... &lt;window&gt;
 * </pre>
 * {@code H} is a truncated SHA-256 of the client key (an IP, a session id, a user name): none is stored in
 * clear; the braces keep one client's items in one Cluster slot.
 */
public final class RedisRateLimiter {
    // ARGV[1] 1 = count the request, 0 = only look. ARGV[2] nonce. Then limit, window ms per item.
    static final LuaScript SCRIPT = LuaScript.of("ratelimit", """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local counts = {}
            local allowed = 1
            for i = 1, #KEYS do
              local limit = tonumber(ARGV[1 + 2 * i])
              local window = tonumber(ARGV[2 + 2 * i])
              redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window)
              counts[i] = redis.call('ZCARD', KEYS[i])
              if counts[i] >= limit then allowed = 0 end
            end
            local out = {allowed}
            for i = 1, #KEYS do
              local limit = tonumber(ARGV[1 + 2 * i])
              local window = tonumber(ARGV[2 + 2 * i])
              if allowed == 1 and ARGV[1] == '1' then
                redis.call('ZADD', KEYS[i], now, now .. ':' .. ARGV[2])
                redis.call('PEXPIRE', KEYS[i], window)
                counts[i] = counts[i] + 1
              end
              local reset = 0
              local oldest = redis.call('ZRANGE', KEYS[i], 0, 0, 'WITHSCORES')
              if oldest[2] then reset = tonumber(oldest[2]) + window - now end
              out[#out + 1] = limit - counts[i]
              out[#out + 1] = reset
            end
            return out
            """);

    private final RedisApi redis;
    private final String namespace;
    private final SecureRandom random = new SecureRandom();

    public RedisRateLimiter(RedisApi redis, String namespace) {
        this.redis = redis;
        this.namespace = namespace;
    }

    /** Decides (and, when {@code consume}, counts) one request of {@code client} under {@code scope}. */
    public Decision decide(String scope, String client, List<Limit> limits, boolean consume) {
        String base = namespace + ":rl:{" + scope + ":" + hash(client) + "}:";
        List<byte[]> keys = new ArrayList<>(limits.size());
        List<byte[]> args = new ArrayList<>(2 + limits.size() * 2);
        args.add(ascii(consume ? "1" : "0"));
        byte[] nonce = new byte[9];
        random.nextBytes(nonce);
        args.add(ascii(Base64.getUrlEncoder().withoutPadding().encodeToString(nonce)));
        for (Limit l : limits) {
            keys.add((base + l.name()).getBytes(StandardCharsets.UTF_8));
            args.add(ascii(Integer.toString(l.count())));
            args.add(ascii(Long.toString(l.windowMillis())));
        }
        List<?> out = (List<?>) redis.eval(SCRIPT, keys, args);
        boolean allowed = ((Long) out.get(0)) == 1L;
        List<Decision.Quota> quotas = new ArrayList<>(limits.size());
        for (int i = 0; i < limits.size(); i++) {
            long remaining = (Long) out.get(1 + 2 * i);
            long resetMs = (Long) out.get(2 + 2 * i);
            quotas.add(new Decision.Quota(limits.get(i), (int) Math.max(0, remaining), ceilSeconds(resetMs)));
        }
        quotas.sort(Comparator.comparingInt(Decision.Quota::remaining));
        return new Decision(allowed, List.copyOf(quotas));
    }

    static long ceilSeconds(long millis) {
        return millis <= 0 ? 0 : (millis + 999) / 1000;
    }

    /** A short one-way name for a client key. */
    static String hash(String client) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(client.getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(java.util.Arrays.copyOf(h, 16));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}

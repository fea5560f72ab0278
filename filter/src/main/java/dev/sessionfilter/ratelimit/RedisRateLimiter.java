package dev.sessionfilter.ratelimit;

import dev.sessionfilter.store.LuaScript;
import dev.sessionfilter.store.RedisApi;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Sliding-window-counter limits in Redis: per client and item one small hash holding the start of the
 * current window and the counts of the current and the previous window, so the state is O(1) whatever the
 * limit. A request is allowed while {@code previous x (share of the previous window still inside the
 * sliding window) + current + 1 <= limit}. Each key's windows start at its first request, so a burst
 * from idle gets exactly {@code limit} through. One Lua script decides every item of a limit string at once
 * (one round trip) with Redis' own clock ({@code TIME}), so app nodes with skewed clocks share one limit.
 * Keys:
 * <pre>
 * HSET &lt;ns&gt;:rl:{&lt;filter&gt;:&lt;H(client)&gt;}:&lt;item&gt; s &lt;window start ms&gt; c &lt;count&gt; p &lt;previous count&gt;   PEXPIRE ... 2 x window
 * </pre>
 * {@code H} is an HMAC-SHA256 of the client key (an IP, a session id, a user name) keyed by a secret
 * derived from the application's keyset, so nobody with Redis access can enumerate clients (without a
 * keyset it is a plain SHA-256, and a warning says so); the braces keep one client's items in one
 * Cluster slot. Accuracy: docs/rate-limiting.md.
 */
public final class RedisRateLimiter {
    // ARGV[1] 1 = count the request, 0 = only look. Then limit, window ms per item.
    // Out: allowed, then per item: remaining, ms until the current window ends (its count then starts to
    // fade out, 0 when nothing is counted), ms until one more request is allowed.
    static final LuaScript SCRIPT = LuaScript.of("ratelimit", """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local st, cur, prev = {}, {}, {}
            local allowed = 1
            for i = 1, #KEYS do
              local limit = tonumber(ARGV[2 * i])
              local window = tonumber(ARGV[1 + 2 * i])
              local h = redis.call('HMGET', KEYS[i], 's', 'c', 'p')
              local s, c, p = tonumber(h[1]), tonumber(h[2]) or 0, tonumber(h[3]) or 0
              if s == nil or now >= s + 2 * window then
                s, c, p = now, 0, 0
              elseif now >= s + window then
                s, c, p = s + window, 0, c
              end
              st[i], cur[i], prev[i] = s, c, p
              if p * (window - (now - s)) / window + c + 1 > limit then allowed = 0 end
            end
            local out = {allowed}
            for i = 1, #KEYS do
              local limit = tonumber(ARGV[2 * i])
              local window = tonumber(ARGV[1 + 2 * i])
              local s, c, p = st[i], cur[i], prev[i]
              if allowed == 1 and ARGV[1] == '1' then
                c = c + 1
                redis.call('HSET', KEYS[i], 's', s, 'c', c, 'p', p)
                redis.call('PEXPIRE', KEYS[i], 2 * window)
              end
              local left = window - (now - s)
              local used = p * left / window + c
              local reset = 0
              if c > 0 or p > 0 then reset = left end
              local retry = 0
              if used + 1 > limit then
                if c + 1 <= limit then
                  retry = left - (limit - c - 1) * window / p
                else
                  retry = left + math.max(0, window - (limit - 1) * window / c)
                end
              end
              out[#out + 1] = math.max(0, math.floor(limit - used))
              out[#out + 1] = math.ceil(reset)
              out[#out + 1] = math.ceil(retry)
            end
            return out
            """);

    private final RedisApi redis;
    private final String namespace;
    private final ClientHash clientHash;

    public RedisRateLimiter(RedisApi redis, String namespace, ClientHash clientHash) {
        this.redis = redis;
        this.namespace = namespace;
        this.clientHash = clientHash;
    }

    /** Decides (and, when {@code consume}, counts) one request of {@code client} under {@code scope}. */
    public Decision decide(String scope, String client, List<Limit> limits, boolean consume) {
        String base = namespace + ":rl:{" + scope + ":" + clientHash.of(client) + "}:";
        List<byte[]> keys = new ArrayList<>(limits.size());
        List<byte[]> args = new ArrayList<>(1 + limits.size() * 2);
        args.add(ascii(consume ? "1" : "0"));
        for (Limit l : limits) {
            keys.add((base + l.name()).getBytes(StandardCharsets.UTF_8));
            args.add(ascii(Integer.toString(l.count())));
            args.add(ascii(Long.toString(l.windowMillis())));
        }
        List<?> out = (List<?>) redis.eval(SCRIPT, keys, args);
        boolean allowed = ((Long) out.get(0)) == 1L;
        List<Decision.Quota> quotas = new ArrayList<>(limits.size());
        for (int i = 0; i < limits.size(); i++) {
            long remaining = (Long) out.get(1 + 3 * i);
            long resetMs = (Long) out.get(2 + 3 * i);
            long retryMs = (Long) out.get(3 + 3 * i);
            quotas.add(new Decision.Quota(limits.get(i), (int) Math.min(Integer.MAX_VALUE, remaining),
                    ceilSeconds(resetMs), ceilSeconds(retryMs)));
        }
        quotas.sort(Comparator.comparingInt(Decision.Quota::remaining));
        return new Decision(allowed, List.copyOf(quotas));
    }

    static long ceilSeconds(long millis) {
        return millis <= 0 ? 0 : (millis + 999) / 1000;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}

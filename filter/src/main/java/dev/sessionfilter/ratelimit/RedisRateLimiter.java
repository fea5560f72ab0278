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
    // ARGV[1] mode: 1 = count the request when allowed, 0 = only look, r = refund a counted request. ARGV[2]
    // its cost. ARGV[3..5] the meta limit: breaches allowed (0: none), its window ms, the penalty ms. Then per
    // item: limit, window ms, and for a refund the window start the count went into. KEYS: the items, then
    // (with a meta limit) the client's breach hash (s c p as an item, b = blocked until ms).
    // Out: allowed, ms still blocked by the meta limit, then per item: remaining, ms until the current window
    // ends (0 when nothing is counted), ms until a request of this cost is allowed, the window start.
    static final LuaScript SCRIPT = LuaScript.of("ratelimit", """
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local mode, cost, metaN = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
            -- A counter's state now: windows start at the first request and move by whole windows.
            local function state(key, window)
              local h = redis.call('HMGET', key, 's', 'c', 'p')
              local s, c, p = tonumber(h[1]), tonumber(h[2]) or 0, tonumber(h[3]) or 0
              if s == nil or now >= s + 2 * window then return now, 0, 0 end
              if now >= s + window then return s + window, 0, c end
              return s, c, p
            end
            local n = #KEYS - (metaN > 0 and 1 or 0)
            if mode == 'r' then
              for i = 1, n do
                local window, s0 = tonumber(ARGV[5 + 3 * i - 1]), tonumber(ARGV[5 + 3 * i])
                local h = redis.call('HMGET', KEYS[i], 's', 'c', 'p')
                local s = tonumber(h[1])
                if s == s0 then
                  redis.call('HSET', KEYS[i], 'c', math.max(0, (tonumber(h[2]) or 0) - cost))
                elseif s ~= nil and s == s0 + window then
                  redis.call('HSET', KEYS[i], 'p', math.max(0, (tonumber(h[3]) or 0) - cost))
                end
              end
              return {1, 0}
            end
            local blocked = 0
            if metaN > 0 then
              local b = tonumber(redis.call('HGET', KEYS[n + 1], 'b'))
              if b and b > now then blocked = b - now end
            end
            local st, cur, prev = {}, {}, {}
            local allowed = blocked > 0 and 0 or 1
            for i = 1, n do
              local limit = tonumber(ARGV[4 + 2 * i])
              local window = tonumber(ARGV[5 + 2 * i])
              local s, c, p = state(KEYS[i], window)
              st[i], cur[i], prev[i] = s, c, p
              if p * (window - (now - s)) / window + c + cost > limit then allowed = 0 end
            end
            if allowed == 0 and mode == '1' and metaN > 0 and blocked == 0 then
              local mw = tonumber(ARGV[4])
              local s, c, p = state(KEYS[n + 1], mw)
              c = c + 1
              redis.call('HSET', KEYS[n + 1], 's', s, 'c', c, 'p', p)
              if p * (mw - (now - s)) / mw + c >= metaN then
                blocked = tonumber(ARGV[5])
                redis.call('HSET', KEYS[n + 1], 'b', now + blocked, 's', now, 'c', 0, 'p', 0)
              end
              redis.call('PEXPIRE', KEYS[n + 1], math.max(2 * mw, blocked))
            end
            local out = {allowed, blocked}
            for i = 1, n do
              local limit = tonumber(ARGV[4 + 2 * i])
              local window = tonumber(ARGV[5 + 2 * i])
              local s, c, p = st[i], cur[i], prev[i]
              if allowed == 1 and mode == '1' then
                c = c + cost
                redis.call('HSET', KEYS[i], 's', s, 'c', c, 'p', p)
                redis.call('PEXPIRE', KEYS[i], 2 * window)
              end
              local left = window - (now - s)
              local used = p * left / window + c
              local reset = 0
              if c > 0 or p > 0 then reset = left end
              local retry = 0
              if used + cost > limit then
                if c + cost <= limit then
                  retry = left - (limit - c - cost) * window / p
                else
                  retry = left + math.max(0, window - (limit - cost) * window / c)
                end
              end
              out[#out + 1] = math.max(0, math.floor(limit - used))
              out[#out + 1] = math.ceil(reset)
              out[#out + 1] = math.ceil(retry)
              out[#out + 1] = s
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
        return decide(scope, client, limits, consume, 1, null);
    }

    /**
     * Decides one request of {@code cost} units; with {@code meta}, a client refused {@code meta.breaches()}
     * times within its window is refused everything for its penalty.
     */
    public Decision decide(String scope, String client, List<Limit> limits, boolean consume, int cost, Meta meta) {
        String base = base(scope, client);
        List<byte[]> keys = new ArrayList<>(limits.size() + 1);
        List<byte[]> args = new ArrayList<>(5 + limits.size() * 2);
        args.add(ascii(consume ? "1" : "0"));
        args.add(ascii(Integer.toString(cost)));
        metaArgs(args, meta);
        for (Limit l : limits) {
            keys.add((base + l.name()).getBytes(StandardCharsets.UTF_8));
            args.add(ascii(Integer.toString(l.count())));
            args.add(ascii(Long.toString(l.windowMillis())));
        }
        if (meta != null) {
            keys.add((base + "meta").getBytes(StandardCharsets.UTF_8));
        }
        List<?> out = (List<?>) redis.eval(SCRIPT, keys, args);
        boolean allowed = ((Long) out.get(0)) == 1L;
        long blockedMs = (Long) out.get(1);
        List<Decision.Quota> quotas = new ArrayList<>(limits.size());
        long[] starts = new long[limits.size()];
        for (int i = 0; i < limits.size(); i++) {
            long remaining = (Long) out.get(2 + 4 * i);
            long resetMs = (Long) out.get(3 + 4 * i);
            long retryMs = (Long) out.get(4 + 4 * i);
            starts[i] = (Long) out.get(5 + 4 * i);
            quotas.add(new Decision.Quota(limits.get(i), (int) Math.min(Integer.MAX_VALUE, remaining),
                    ceilSeconds(resetMs), ceilSeconds(retryMs)));
        }
        quotas.sort(Comparator.comparingInt(Decision.Quota::remaining));
        return new Decision(allowed, List.copyOf(quotas), ceilSeconds(blockedMs), new Decision.Counted(cost, starts));
    }

    /** Takes back a request {@link #decide} counted (its response did not match {@code countWhen}). */
    public void refund(String scope, String client, List<Limit> limits, Decision.Counted counted) {
        String base = base(scope, client);
        List<byte[]> keys = new ArrayList<>(limits.size());
        List<byte[]> args = new ArrayList<>(5 + limits.size() * 3);
        args.add(ascii("r"));
        args.add(ascii(Integer.toString(counted.cost())));
        metaArgs(args, null);
        for (int i = 0; i < limits.size(); i++) {
            Limit l = limits.get(i);
            keys.add((base + l.name()).getBytes(StandardCharsets.UTF_8));
            args.add(ascii(Integer.toString(l.count())));
            args.add(ascii(Long.toString(l.windowMillis())));
            args.add(ascii(Long.toString(counted.windowStarts()[i])));
        }
        redis.eval(SCRIPT, keys, args);
    }

    private String base(String scope, String client) {
        return namespace + ":rl:{" + scope + ":" + clientHash.of(client) + "}:";
    }

    private static void metaArgs(List<byte[]> args, Meta meta) {
        args.add(ascii(meta == null ? "0" : Integer.toString(meta.breaches())));
        args.add(ascii(meta == null ? "0" : Long.toString(meta.windowMillis())));
        args.add(ascii(meta == null ? "0" : Long.toString(meta.penaltyMillis())));
    }

    /**
     * A meta limit: {@code breaches} refusals within {@code windowMillis} block the client for
     * {@code penaltyMillis}.
     */
    public record Meta(int breaches, long windowMillis, long penaltyMillis) {
    }

    static long ceilSeconds(long millis) {
        return millis <= 0 ? 0 : (millis + 999) / 1000;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}

package dev.sessionfilter.ratelimit;

import dev.sessionfilter.config.ConfigReader;
import dev.sessionfilter.config.Setting;
import jakarta.servlet.http.HttpServletRequest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What a rate-limit filter counts beyond its limits: who is exempt (addresses, roles, a monitor's header
 * secret), which responses count ({@code countWhen}), what a request costs, and the meta limit that blocks
 * a client who keeps breaching.
 *
 * @param exemptCidrs   client addresses never limited (through the trusted proxies, as for the key)
 * @param exemptRoles   roles ({@code isUserInRole}) never limited
 * @param exemptHeader  a header whose value, equal to {@code exemptSecret}, exempts the request; null: none
 * @param exemptSecret  that value, UTF-8 (secret)
 * @param countStatuses statuses that count ({@code countWhen}); with {@code countClasses} both empty: every response
 * @param countClasses  status classes that count ({@code 4xx} is 4)
 * @param costAttribute request attribute holding the request's cost (a Number, 0 to 1,000,000); null: 1
 * @param meta          the meta limit, or null
 * @param tiers         named limit strings, in declaration order ({@code tiers}); empty: none
 * @param tierHeader    the header naming a request's tier; null: the first tier that is one of the user's roles
 */
public record RateLimitRules(List<ClientKeys.Cidr> exemptCidrs, Set<String> exemptRoles, String exemptHeader,
                             byte[] exemptSecret, Set<Integer> countStatuses, Set<Integer> countClasses,
                             String costAttribute, RedisRateLimiter.Meta meta,
                             java.util.Map<String, List<Limit>> tiers, String tierHeader) {
    public static final int MAX_COST = 1_000_000;

    static RateLimitRules read(ConfigReader r) {
        List<ClientKeys.Cidr> cidrs = ClientKeys.Cidr.list(r, Setting.RATELIMIT_EXEMPT_CIDRS, "10.0.0.0/8, 192.0.2.10");
        Set<String> roles = new LinkedHashSet<>(r.list(Setting.RATELIMIT_EXEMPT_ROLES));
        String header = r.string(Setting.RATELIMIT_EXEMPT_HEADER);
        String secret = r.secret(Setting.RATELIMIT_EXEMPT_SECRET, Setting.RATELIMIT_EXEMPT_SECRET_FILE);
        if (header != null && !header.matches("[!#$%&'*+\\-.^_`|~0-9A-Za-z]{1,64}")) {
            r.fail(Setting.RATELIMIT_EXEMPT_HEADER, header, "an HTTP header name such as X-Monitor-Token");
        }
        if ((header == null) != (secret == null)) {
            r.problem("`" + Setting.RATELIMIT_EXEMPT_HEADER.key() + "` and `" + Setting.RATELIMIT_EXEMPT_SECRET.key()
                    + "` (or `" + Setting.RATELIMIT_EXEMPT_SECRET_FILE.key() + "`) go together; expected both or neither");
        } else if (secret != null && secret.length() < 16) {
            r.problem("`" + Setting.RATELIMIT_EXEMPT_SECRET.key() + "` is shorter than 16 characters; expected a long random "
                    + "value (e.g. openssl rand -base64 32)");
        }
        Set<Integer> statuses = new LinkedHashSet<>();
        Set<Integer> classes = new LinkedHashSet<>();
        String when = r.string(Setting.RATELIMIT_COUNT_WHEN);
        if (when != null) {
            String w = when.trim();
            boolean ok = w.startsWith("status:");
            if (ok) {
                for (String code : w.substring(7).split(",")) {
                    String c = code.trim().toLowerCase(java.util.Locale.ROOT);
                    if (c.matches("[1-5]\\d\\d")) {
                        statuses.add(Integer.parseInt(c));
                    } else if (c.matches("[1-5]xx")) {
                        classes.add(c.charAt(0) - '0');
                    } else {
                        ok = false;
                    }
                }
            }
            if (!ok || (statuses.isEmpty() && classes.isEmpty())) {
                r.fail(Setting.RATELIMIT_COUNT_WHEN, when, "status: and a comma list of HTTP statuses or classes "
                        + "(e.g. status:401,403 or status:4xx)");
            }
        }
        String cost = r.string(Setting.RATELIMIT_COST_ATTRIBUTE);
        if (cost != null && cost.isBlank()) {
            r.fail(Setting.RATELIMIT_COST_ATTRIBUTE, cost, "the name of a request attribute holding a number");
        }
        RedisRateLimiter.Meta meta = null;
        String metaText = r.string(Setting.RATELIMIT_META);
        if (metaText != null) {
            try {
                List<Limit> m = Limit.parse(metaText);
                if (m.size() != 1) {
                    throw new IllegalArgumentException("one item");
                }
                Duration penalty = r.duration(Setting.RATELIMIT_PENALTY, "15m");
                if (penalty.isZero() || penalty.isNegative()) {
                    r.fail(Setting.RATELIMIT_PENALTY, r.string(Setting.RATELIMIT_PENALTY), "a positive duration such as 15m");
                }
                meta = new RedisRateLimiter.Meta(m.get(0).count(), m.get(0).windowMillis(), Math.max(1, penalty.toMillis()));
            } catch (IllegalArgumentException e) {
                r.fail(Setting.RATELIMIT_META, metaText, "one item `N per [M] second|minute|hour|day`: how many refusals "
                        + "within that window block the client for sessionfilter.ratelimit.penalty (e.g. 3 per hour)");
            }
        }
        java.util.Map<String, List<Limit>> tiers = new java.util.LinkedHashMap<>();
        String tierText = r.string(Setting.RATELIMIT_TIERS);
        if (tierText != null) {
            for (String t : tierText.split("\\|")) {
                int eq = t.indexOf('=');
                String tierName = eq < 0 ? "" : t.substring(0, eq).trim();
                try {
                    if (!tierName.matches("[A-Za-z0-9_.\\-]{1,64}") || tiers.containsKey(tierName)) {
                        throw new IllegalArgumentException(tierName);
                    }
                    tiers.put(tierName, Limit.parse(t.substring(eq + 1)));
                } catch (IllegalArgumentException e) {
                    r.fail(Setting.RATELIMIT_TIERS, tierText, "tiers joined by |, each `name = limits` with distinct "
                            + "names (e.g. `premium = 1000 per hour, 100 per minute | partner = 10000 per hour`)");
                    break;
                }
            }
        }
        String tierBy = r.string(Setting.RATELIMIT_TIER_BY);
        String tierHeader = null;
        if (tierBy != null && tierBy.startsWith("header:") && tierBy.length() > 7) {
            tierHeader = tierBy.substring(7).trim();
        } else if (tierBy != null && !"role".equals(tierBy)) {
            r.fail(Setting.RATELIMIT_TIER_BY, tierBy, "role, or header:NAME for a header your gateway sets");
        }
        return new RateLimitRules(cidrs, Set.copyOf(roles), header,
                secret == null ? null : secret.getBytes(StandardCharsets.UTF_8), Set.copyOf(statuses), Set.copyOf(classes),
                cost, meta, java.util.Collections.unmodifiableMap(tiers), tierHeader);
    }

    /** Whether the request is exempt: by address, role or the monitor's header; the header compared in constant time. */
    public boolean exempt(HttpServletRequest req, ClientKeys keys) {
        if (exemptHeader != null) {
            String v = req.getHeader(exemptHeader);
            if (v != null && MessageDigest.isEqual(exemptSecret, v.getBytes(StandardCharsets.UTF_8))) {
                return true;
            }
        }
        if (!exemptCidrs.isEmpty() && ClientKeys.Cidr.any(exemptCidrs, keys.clientAddress(req))) {
            return true;
        }
        for (String role : exemptRoles) {
            if (req.isUserInRole(role)) {
                return true;
            }
        }
        return false;
    }

    /** The request's cost from {@code costAttribute} (1 when unset or not a number), clamped to 0..1,000,000. */
    public int cost(HttpServletRequest req) {
        if (costAttribute == null) {
            return 1;
        }
        Object v = req.getAttribute(costAttribute);
        if (v instanceof Number n) {
            return (int) Math.max(0, Math.min(MAX_COST, n.longValue()));
        }
        if (v instanceof String s && s.matches("\\d{1,7}")) {
            return Math.min(MAX_COST, Integer.parseInt(s));
        }
        return 1;
    }

    /**
     * The limits of the request's tier: the tier its {@code tierBy} header names, or the first tier (in
     * declaration order) that is one of the user's roles; {@code otherwise} when none applies.
     */
    public List<Limit> limits(HttpServletRequest req, List<Limit> otherwise) {
        if (tiers.isEmpty()) {
            return otherwise;
        }
        if (tierHeader != null) {
            String v = req.getHeader(tierHeader);
            List<Limit> l = v == null ? null : tiers.get(v.trim());
            return l != null ? l : otherwise;
        }
        for (java.util.Map.Entry<String, List<Limit>> t : tiers.entrySet()) {
            if (req.isUserInRole(t.getKey())) {
                return t.getValue();
            }
        }
        return otherwise;
    }

    /** Whether only some responses count (countWhen is set). */
    public boolean selective() {
        return !countStatuses.isEmpty() || !countClasses.isEmpty();
    }

    /** Whether a response with this status counts. */
    public boolean counts(int status) {
        return !selective() || countStatuses.contains(status) || countClasses.contains(status / 100);
    }
}

package dev.sessionfilter.ratelimit;

import dev.sessionfilter.config.ConfigReader;
import dev.sessionfilter.config.Setting;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * One rate-limit filter's settings, parsed and validated once.
 *
 * @param limits   every item enforced
 * @param keys     how clients are identified
 * @param methods  upper-case HTTP methods counted; empty means all
 * @param failure  behaviour while Redis is unreachable
 * @param maxKeys  bound of the local fallback
 * @param rules    exemptions, countWhen, cost, meta limit
 */
public record RateLimitEngine(List<Limit> limits, ClientKeys keys, Set<String> methods,
                              RateLimiter.FailureMode failure, int maxKeys, RateLimitRules rules) {

    public static RateLimitEngine read(ConfigReader r) {
        List<Limit> limits = List.of();
        String text = r.string(Setting.RATELIMIT_LIMITS);
        try {
            limits = Limit.parse(text);
        } catch (IllegalArgumentException e) {
            r.fail(Setting.RATELIMIT_LIMITS, text, Limit.SYNTAX);
        }
        List<ClientKeys.Cidr> trusted = ClientKeys.Cidr.list(r, Setting.RATELIMIT_TRUSTED_PROXIES,
                "10.0.0.0/8, 192.168.1.10, fd00::/8");
        ClientKeys.Forwarding forwarding = "Forwarded".equals(r.choice(Setting.RATELIMIT_FORWARDED_HEADER,
                "X-Forwarded-For", "Forwarded")) ? ClientKeys.Forwarding.FORWARDED : ClientKeys.Forwarding.X_FORWARDED_FOR;
        String keySpec = r.string(Setting.RATELIMIT_KEY);
        ClientKeys keys = ClientKeys.parse(keySpec, trusted, forwarding);
        if (keys == null) {
            r.fail(Setting.RATELIMIT_KEY, keySpec, "ip, session, principal or header:NAME");
            keys = ClientKeys.parse("ip", trusted, forwarding);
        }
        Set<String> methods = new TreeSet<>();
        for (String m : r.list(Setting.RATELIMIT_METHODS)) {
            if (!m.matches("[A-Za-z]+")) {
                r.fail(Setting.RATELIMIT_METHODS, r.string(Setting.RATELIMIT_METHODS), "a comma list of HTTP methods (e.g. POST, PUT)");
                break;
            }
            methods.add(m.toUpperCase(Locale.ROOT));
        }
        RateLimiter.FailureMode failure = RateLimiter.FailureMode.valueOf(
                r.choice(Setting.RATELIMIT_ON_REDIS_FAILURE, "local", "allow", "deny").toUpperCase(Locale.ROOT));
        int maxKeys = r.integer(Setting.RATELIMIT_MAX_KEYS, 1, 100_000_000);
        return new RateLimitEngine(limits, keys, Set.copyOf(methods), failure, maxKeys, RateLimitRules.read(r));
    }

    public boolean counts(String method) {
        return methods.isEmpty() || methods.contains(method.toUpperCase(Locale.ROOT));
    }
}

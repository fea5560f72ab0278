package dev.sessionfilter.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The catalog of every {@code sessionfilter.*} name the project knows. A name not listed here is a typo
 * and fails startup, whichever source it comes from.
 */
public enum Setting {
    REDIS_URL("sessionfilter.redis.url", "redis://localhost:6379", false),
    REDIS_SENTINEL_MASTER("sessionfilter.redis.sentinel.master", null, false),
    REDIS_SENTINEL_NODES("sessionfilter.redis.sentinel.nodes", null, false),
    REDIS_SENTINEL_USER("sessionfilter.redis.sentinel.user", null, false),
    REDIS_SENTINEL_PASSWORD("sessionfilter.redis.sentinel.password", null, true),
    REDIS_SENTINEL_PASSWORD_FILE("sessionfilter.redis.sentinel.passwordFile", null, false),
    REDIS_TLS_VERIFY_HOSTNAME("sessionfilter.redis.tls.verifyHostname", "true", false),
    REDIS_CLUSTER_NODES("sessionfilter.redis.cluster.nodes", null, false),
    REDIS_USER("sessionfilter.redis.user", null, false),
    REDIS_PASSWORD("sessionfilter.redis.password", null, true),
    REDIS_PASSWORD_FILE("sessionfilter.redis.passwordFile", null, false),
    REDIS_TIMEOUT("sessionfilter.redis.timeout", "2s", false),
    REDIS_POOL_MAX_TOTAL("sessionfilter.redis.pool.maxTotal", "16", false),
    KEYSET("sessionfilter.keyset", null, true),
    KEYSET_FILE("sessionfilter.keysetFile", null, false),
    NAMESPACE("sessionfilter.namespace", null, false),
    TIMEOUT("sessionfilter.timeout", null, false),
    ABSOLUTE_TIMEOUT("sessionfilter.absoluteTimeout", "12h", false),
    COOKIE_NAME("sessionfilter.cookie.name", null, false),
    COOKIE_SECURE("sessionfilter.cookie.secure", "auto", false),
    COOKIE_SAME_SITE("sessionfilter.cookie.sameSite", "Lax", false),
    COOKIE_PATH("sessionfilter.cookie.path", null, false),
    COOKIE_DOMAIN("sessionfilter.cookie.domain", null, false),
    COOKIE_ENABLED("sessionfilter.cookie.enabled", "true", false),
    ID_HEADER("sessionfilter.idHeader", null, false),
    SERIALIZATION_ALLOW("sessionfilter.serialization.allow", "", false),
    MAX_ATTRIBUTE_SIZE("sessionfilter.maxAttributeSize", "64KiB", false),
    MAX_SESSION_SIZE("sessionfilter.maxSessionSize", "1MiB", false),
    ON_REDIS_FAILURE("sessionfilter.onRedisFailure", "memory", false),
    EXCLUDE("sessionfilter.exclude", null, false),
    NO_TOUCH("sessionfilter.noTouch", null, false),
    IMPORT_CONTAINER_SESSIONS("sessionfilter.importContainerSessions", "false", false),
    LISTENERS("sessionfilter.listeners", null, false),
    PRINCIPAL_ATTRIBUTE("sessionfilter.principalAttribute", null, false),
    MAX_SESSIONS_PER_PRINCIPAL("sessionfilter.maxSessionsPerPrincipal", "0", false),
    MAX_SESSIONS_POLICY("sessionfilter.maxSessionsPolicy", "evict-oldest", false),
    EXPIRY_NOTIFY_WITHIN("sessionfilter.expiry.notifyWithin", "10s", false),
    EXPIRY_RETENTION("sessionfilter.expiry.retention", "1h", false),
    NEAR_CACHE_MAX_ENTRIES("sessionfilter.nearCache.maxEntries", "0", false),
    NEAR_CACHE_MAX_BYTES("sessionfilter.nearCache.maxBytes", "64MiB", false),
    NEAR_CACHE_INVALIDATION("sessionfilter.nearCache.invalidation", "version", false),

    // Reserved for the rate-limit filter and the health servlet (known names, so not typos).
    RATELIMIT_LIMITS("sessionfilter.ratelimit.limits", "200 per hour, 20 per minute", false),
    RATELIMIT_KEY("sessionfilter.ratelimit.key", "ip", false),
    RATELIMIT_TRUSTED_PROXIES("sessionfilter.ratelimit.trustedProxies", null, false),
    RATELIMIT_METHODS("sessionfilter.ratelimit.methods", null, false),
    RATELIMIT_ON_REDIS_FAILURE("sessionfilter.ratelimit.onRedisFailure", "local", false),
    RATELIMIT_FORWARDED_HEADER("sessionfilter.ratelimit.forwardedHeader", "X-Forwarded-For", false),
    RATELIMIT_MAX_KEYS("sessionfilter.ratelimit.maxKeys", "100000", false),
    RATELIMIT_EXEMPT_CIDRS("sessionfilter.ratelimit.exempt.cidrs", null, false),
    RATELIMIT_EXEMPT_ROLES("sessionfilter.ratelimit.exempt.roles", null, false),
    RATELIMIT_EXEMPT_HEADER("sessionfilter.ratelimit.exempt.header", null, false),
    RATELIMIT_EXEMPT_SECRET("sessionfilter.ratelimit.exempt.secret", null, true),
    RATELIMIT_EXEMPT_SECRET_FILE("sessionfilter.ratelimit.exempt.secretFile", null, false),
    RATELIMIT_COUNT_WHEN("sessionfilter.ratelimit.countWhen", null, false),
    RATELIMIT_COST_ATTRIBUTE("sessionfilter.ratelimit.costAttribute", null, false),
    RATELIMIT_META("sessionfilter.ratelimit.meta", null, false),
    RATELIMIT_PENALTY("sessionfilter.ratelimit.penalty", "15m", false),
    RATELIMIT_TIERS("sessionfilter.ratelimit.tiers", null, false),
    RATELIMIT_TIER_BY("sessionfilter.ratelimit.tierBy", "role", false),
    HEALTH_TOKEN("sessionfilter.health.token", null, true),
    HEALTH_TOKEN_FILE("sessionfilter.health.tokenFile", null, false),
    HEALTH_DETAILS_FROM_LOOPBACK("sessionfilter.health.detailsFromLoopback", "false", false);

    public static final String PREFIX = "sessionfilter.";
    public static final String ENV_PREFIX = "SESSIONFILTER_";

    private static final Map<String, Setting> BY_NAME;
    private static final Map<String, Setting> BY_ENV;

    static {
        Map<String, Setting> byName = new LinkedHashMap<>();
        Map<String, Setting> byEnv = new LinkedHashMap<>();
        for (Setting s : values()) {
            byName.put(s.key, s);
            byEnv.put(s.envName(), s);
        }
        BY_NAME = Collections.unmodifiableMap(byName);
        BY_ENV = Collections.unmodifiableMap(byEnv);
    }

    private final String key;
    private final String defaultValue;
    private final boolean secret;

    Setting(String key, String defaultValue, boolean secret) {
        this.key = key;
        this.defaultValue = defaultValue;
        this.secret = secret;
    }

    /** The name users write, e.g. {@code sessionfilter.redis.url}. */
    public String key() {
        return key;
    }

    /** The documented default, or null when the default is computed or the setting is optional. */
    public String defaultValue() {
        return defaultValue;
    }

    /** Whether the value must never be logged or echoed in an error message. */
    public boolean secret() {
        return secret;
    }

    /** {@code SESSIONFILTER_REDIS_URL} for {@code sessionfilter.redis.url}. */
    public String envName() {
        return toEnvName(key);
    }

    static String toEnvName(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    static Setting byName(String name) {
        return BY_NAME.get(name);
    }

    static Setting byEnvName(String envName) {
        return BY_ENV.get(envName);
    }
}

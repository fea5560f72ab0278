package dev.sessionfilter.config;

import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The session filter's settings, parsed and validated once at {@code init()}.
 *
 * @param namespace        prefix of every Redis key
 * @param idleTimeout      default idle timeout; zero means sessions never idle-expire
 * @param absoluteTimeout  lifetime bound from creation; zero means none
 * @param cookie           cookie settings
 * @param idHeader         request and response header carrying the session id besides (or instead of) the cookie; null: none
 * @param serializationAllow extra packages or classes allowed as attribute values
 * @param maxAttributeSize bytes of one serialized attribute
 * @param maxSessionSize   bytes of all serialized attributes of one session
 * @param failureMode      what to do while Redis is unreachable
 * @param exclude          path patterns the filter ignores
 * @param noTouch          path patterns whose requests use the session without extending its idle expiry
 * @param importContainerSessions whether a request with only the container's session gets it copied into ours
 * @param listeners        class names of session listeners to instantiate
 * @param principalAttribute session attribute naming the user for the registry; null: {@code getRemoteUser()}
 * @param sessionLimit     at most how many sessions one principal may hold, and what happens to one more
 * @param notifyWithin     bound on the delay between a session's deadline and its expiry notification
 * @param retention        how long an expired session's data waits in Redis for a sweeper when none runs
 * @param nearCacheEntries sessions the near cache keeps per instance; 0: no near cache
 * @param nearCacheBytes   bytes of sealed session data the near cache keeps
 * @param nearCacheTracking whether Redis' invalidation messages may spare cached reads their round trip
 * @param keysetSource     where the keyset came from (for messages), never its contents
 * @param keyset           the keyset text: secret
 */
public record SessionConfig(String namespace, Duration idleTimeout, Duration absoluteTimeout, CookieConfig cookie,
                            String idHeader,
                            List<String> serializationAllow, long maxAttributeSize, long maxSessionSize,
                            FailureMode failureMode, List<String> exclude, List<String> noTouch,
                            boolean importContainerSessions, List<String> listeners,
                            String principalAttribute, SessionLimit sessionLimit, Duration notifyWithin, Duration retention,
                            int nearCacheEntries, long nearCacheBytes, boolean nearCacheTracking,
                            String keysetSource, String keyset) {

    /** Shortest and longest {@code sessionfilter.expiry.notifyWithin}. */
    public static final Duration MIN_NOTIFY_WITHIN = Duration.ofSeconds(1);
    public static final Duration MAX_NOTIFY_WITHIN = Duration.ofHours(1);

    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(30);
    public static final String DEFAULT_COOKIE_NAME = "SESSION";
    public static final String HOST_PREFIX = "__Host-";

    /** Headers HTTP, proxies or the container give a meaning of their own: never a session id's. */
    private static final java.util.Set<String> RESERVED_HEADERS = java.util.Set.of("cookie", "set-cookie", "authorization",
            "proxy-authorization", "host", "content-length", "content-type", "content-encoding", "transfer-encoding",
            "connection", "upgrade", "te", "trailer", "forwarded", "x-forwarded-for", "via", "expect", "range");
    private static final Pattern NAMESPACE = Pattern.compile("[A-Za-z0-9:_.\\-]{1,64}");
    private static final Pattern COOKIE_TOKEN = Pattern.compile("[!#$%&'*+\\-.^_`|~0-9A-Za-z]{1,64}");
    private static final Pattern PATTERN = Pattern.compile("(/[^*]*(/\\*)?|\\*\\.[^/*]+|/\\*)");
    private static final Pattern JAVA_NAME = Pattern.compile("[\\p{L}_$][\\p{L}\\p{N}_$]*(\\.[\\p{L}_$][\\p{L}\\p{N}_$]*)*(\\.\\*)?");

    public enum FailureMode { MEMORY, FAIL }

    /**
     * {@code sessionfilter.maxSessionsPerPrincipal} and {@code sessionfilter.maxSessionsPolicy}.
     *
     * @param max    sessions one principal may hold at once; 0: no limit
     * @param refuse true: one more login fails; false: the principal's oldest session is invalidated
     */
    public record SessionLimit(int max, boolean refuse) {
        public static final SessionLimit NONE = new SessionLimit(0, false);

        public boolean enabled() {
            return max > 0;
        }
    }

    public enum Secure { AUTO, TRUE, FALSE }

    /**
     * @param name     configured name, or null for the default ({@code SESSION}, or {@code __Host-SESSION} when
     *                 the cookie is Secure, Path {@code /} and has no Domain)
     * @param secure   auto: Secure when the request is secure
     * @param sameSite Strict, Lax or None
     * @param path     cookie Path
     * @param domain   cookie Domain or null
     * @param enabled  false: the session id travels in {@code sessionfilter.idHeader} only
     */
    public record CookieConfig(String name, Secure secure, String sameSite, String path, String domain, boolean enabled) {
        /** The cookie name for a request that is (or is not) secure. */
        public String nameFor(boolean secureCookie) {
            if (name != null) {
                return name;
            }
            return secureCookie && "/".equals(path) && domain == null ? HOST_PREFIX + DEFAULT_COOKIE_NAME
                    : DEFAULT_COOKIE_NAME;
        }

        public boolean isSecure(boolean requestSecure) {
            return switch (secure) {
                case TRUE -> true;
                case FALSE -> false;
                case AUTO -> requestSecure;
            };
        }
    }

    /**
     * Reads and validates the session settings.
     *
     * @param contextPath          the application's context path ("" for ROOT)
     * @param containerTimeoutMins {@code ServletContext.getSessionTimeout()}, the web.xml value, or null
     */
    public static SessionConfig read(ConfigReader r, String contextPath, Integer containerTimeoutMins) {
        String ns = r.string(Setting.NAMESPACE);
        if (ns == null) {
            ns = defaultNamespace(contextPath);
        } else if (!NAMESPACE.matcher(ns).matches()) {
            r.fail(Setting.NAMESPACE, ns, "1 to 64 characters from A-Z a-z 0-9 : _ . - (no braces, no spaces)");
        }

        String fallback;
        if (containerTimeoutMins == null) {
            fallback = "30m";
        } else if (containerTimeoutMins <= 0) {
            fallback = "0";
        } else {
            fallback = containerTimeoutMins + "m";
        }
        Duration idle = r.duration(Setting.TIMEOUT, fallback);
        Duration absolute = r.duration(Setting.ABSOLUTE_TIMEOUT, null);

        String cookieName = r.string(Setting.COOKIE_NAME);
        if (cookieName != null && !COOKIE_TOKEN.matcher(cookieName).matches()) {
            r.fail(Setting.COOKIE_NAME, cookieName, "a cookie name token (letters, digits, - _ . and no spaces)");
        }
        Secure secure = Secure.valueOf(r.choice(Setting.COOKIE_SECURE, "auto", "true", "false")
                .toUpperCase(java.util.Locale.ROOT));
        String sameSite = r.choice(Setting.COOKIE_SAME_SITE, "Strict", "Lax", "None");
        String path = r.string(Setting.COOKIE_PATH);
        if (path == null) {
            path = contextPath == null || contextPath.isEmpty() ? "/" : contextPath;
        } else if (!path.startsWith("/") || path.contains(";") || path.chars().anyMatch(Character::isWhitespace)) {
            r.fail(Setting.COOKIE_PATH, path, "a path starting with / without ; or spaces");
        }
        String domain = r.string(Setting.COOKIE_DOMAIN);
        if (domain != null && (domain.isBlank() || !domain.matches("[A-Za-z0-9.\\-]+"))) {
            r.fail(Setting.COOKIE_DOMAIN, domain, "a host name such as example.com");
        }
        if ("None".equals(sameSite) && secure == Secure.FALSE) {
            r.problem("`" + Setting.COOKIE_SAME_SITE.key() + "` is None but `" + Setting.COOKIE_SECURE.key()
                    + "` is false; browsers drop SameSite=None cookies that are not Secure: expected secure auto or true");
        }
        if (cookieName != null && cookieName.startsWith(HOST_PREFIX)
                && (secure != Secure.TRUE || !"/".equals(path) || domain != null)) {
            r.problem("`" + Setting.COOKIE_NAME.key() + "` is `" + cookieName + "`, but a __Host- cookie must be Secure "
                    + "(cookie.secure=true), have Path / and no Domain; expected those settings or another name");
        }

        boolean cookieEnabled = "true".equals(r.choice(Setting.COOKIE_ENABLED, "true", "false"));
        String idHeader = r.string(Setting.ID_HEADER);
        if (idHeader != null && (!COOKIE_TOKEN.matcher(idHeader).matches() || RESERVED_HEADERS.contains(idHeader.toLowerCase(java.util.Locale.ROOT)))) {
            r.fail(Setting.ID_HEADER, idHeader, "an HTTP header name token such as X-Auth-Token, not one HTTP itself "
                    + "uses (Cookie, Set-Cookie, Authorization, Host, Content-*...)");
        }
        if (!cookieEnabled && idHeader == null) {
            r.problem("`" + Setting.COOKIE_ENABLED.key() + "` is false but `" + Setting.ID_HEADER.key()
                    + "` is unset: no session id could reach the application; expected an id header (e.g. X-Auth-Token) or the cookie on");
        }

        List<String> allow = r.list(Setting.SERIALIZATION_ALLOW);
        for (String a : allow) {
            if (!JAVA_NAME.matcher(a).matches()) {
                r.fail(Setting.SERIALIZATION_ALLOW, r.string(Setting.SERIALIZATION_ALLOW),
                        "a comma list of Java package or class names (e.g. com.example.cart, com.example.User)");
                break;
            }
        }
        long maxAttr = r.size(Setting.MAX_ATTRIBUTE_SIZE);
        long maxSession = r.size(Setting.MAX_SESSION_SIZE);
        if (maxAttr > 0 && maxSession > 0 && maxAttr > maxSession) {
            r.problem("`" + Setting.MAX_ATTRIBUTE_SIZE.key() + "` (" + maxAttr + " bytes) is larger than `"
                    + Setting.MAX_SESSION_SIZE.key() + "` (" + maxSession + " bytes); expected attribute <= session size");
        }
        if (maxSession > 512L * 1024 * 1024) {
            r.fail(Setting.MAX_SESSION_SIZE, r.string(Setting.MAX_SESSION_SIZE), "at most 512MiB (Redis' value limit)");
        }
        FailureMode failure = FailureMode.valueOf(r.choice(Setting.ON_REDIS_FAILURE, "memory", "fail")
                .toUpperCase(java.util.Locale.ROOT));
        List<String> exclude = urlPatterns(r, Setting.EXCLUDE, "/static/*,*.css");
        List<String> noTouch = urlPatterns(r, Setting.NO_TOUCH, "/poll/*,*.sse");
        boolean importContainer = "true".equals(r.choice(Setting.IMPORT_CONTAINER_SESSIONS, "false", "true"));
        List<String> listeners = r.list(Setting.LISTENERS);
        for (String l : listeners) {
            if (!JAVA_NAME.matcher(l).matches() || l.endsWith(".*")) {
                r.fail(Setting.LISTENERS, r.string(Setting.LISTENERS), "a comma list of listener class names");
                break;
            }
        }
        String principalAttribute = r.string(Setting.PRINCIPAL_ATTRIBUTE);
        if (principalAttribute != null && principalAttribute.isBlank()) {
            r.fail(Setting.PRINCIPAL_ATTRIBUTE, principalAttribute, "the name of a session attribute holding the user name");
        }
        int maxSessions = r.integer(Setting.MAX_SESSIONS_PER_PRINCIPAL, 0, 100_000);
        boolean refuse = "refuse".equals(r.choice(Setting.MAX_SESSIONS_POLICY, "evict-oldest", "refuse"));
        Duration notifyWithin = r.duration(Setting.EXPIRY_NOTIFY_WITHIN, null);
        if (notifyWithin != null && (notifyWithin.compareTo(MIN_NOTIFY_WITHIN) < 0
                || notifyWithin.compareTo(MAX_NOTIFY_WITHIN) > 0)) {
            r.fail(Setting.EXPIRY_NOTIFY_WITHIN, r.string(Setting.EXPIRY_NOTIFY_WITHIN), "a duration from 1s to 1h");
        }
        if (notifyWithin == null) {
            notifyWithin = Duration.ofSeconds(10);
        }
        Duration retention = r.isSet(Setting.EXPIRY_RETENTION) ? r.duration(Setting.EXPIRY_RETENTION, null) : null;
        Duration minRetention = notifyWithin.multipliedBy(12);
        if (retention != null && (retention.compareTo(minRetention) < 0 || retention.compareTo(Duration.ofDays(30)) > 0)) {
            r.fail(Setting.EXPIRY_RETENTION, r.string(Setting.EXPIRY_RETENTION), "a duration from 12 x "
                    + Setting.EXPIRY_NOTIFY_WITHIN.key() + " (" + minRetention.toSeconds() + "s) to 30d");
        }
        if (retention == null) {
            retention = Duration.ofHours(1).compareTo(minRetention) < 0 ? minRetention : Duration.ofHours(1);
        }
        int nearCacheEntries = r.integer(Setting.NEAR_CACHE_MAX_ENTRIES, 0, 10_000_000);
        long nearCacheBytes = r.size(Setting.NEAR_CACHE_MAX_BYTES);
        boolean nearCacheTracking = "tracking".equals(r.choice(Setting.NEAR_CACHE_INVALIDATION, "tracking", "version"));
        String keyset = r.secret(Setting.KEYSET, Setting.KEYSET_FILE);
        String keysetSource = r.isSet(Setting.KEYSET_FILE)
                ? r.source(Setting.KEYSET_FILE) + " (" + r.string(Setting.KEYSET_FILE) + ")"
                : r.source(Setting.KEYSET);
        if (keyset == null && !r.isSet(Setting.KEYSET_FILE) && !r.isSet(Setting.KEYSET)) {
            r.problem("`" + Setting.KEYSET.key() + "` is required: set the environment variable "
                    + Setting.KEYSET.envName() + " or `" + Setting.KEYSET_FILE.key()
                    + "` to a Tink JSON keyset (create one with `java -jar sessionfilter.jar keyset new`, docs/security.md)");
        }
        return new SessionConfig(ns, idle == null ? DEFAULT_IDLE_TIMEOUT : idle,
                absolute == null ? Duration.ofHours(12) : absolute,
                new CookieConfig(cookieName, secure, sameSite, path, domain, cookieEnabled), idHeader, allow, maxAttr, maxSession,
                failure, exclude, noTouch, importContainer, listeners, principalAttribute,
                maxSessions > 0 ? new SessionLimit(maxSessions, refuse) : SessionLimit.NONE, notifyWithin, retention, nearCacheEntries,
                nearCacheBytes, nearCacheTracking, keysetSource, keyset);
    }

    /** A comma list of servlet url-patterns, each checked. */
    private static List<String> urlPatterns(ConfigReader r, Setting s, String example) {
        List<String> patterns = r.list(s);
        for (String e : patterns) {
            if (!PATTERN.matcher(e).matches()) {
                r.fail(s, r.string(s), "a comma list of servlet url-patterns: /path, /prefix/* or *.ext (e.g. " + example + ")");
                break;
            }
        }
        return patterns;
    }

    /** {@code sessionfilter:shop} for context path {@code /shop}, {@code sessionfilter:ROOT} for the root app. */
    public static String defaultNamespace(String contextPath) {
        if (contextPath == null || contextPath.isEmpty() || "/".equals(contextPath)) {
            return "sessionfilter:ROOT";
        }
        String p = contextPath.substring(1);
        if (PLAIN_CONTEXT.matcher(p).matches() && !"ROOT".equals(p)) {
            return "sessionfilter:" + p; // the common case, readable and unchanged since 0.1
        }
        // Anything else (a '/', other characters, a long path, "/ROOT") gets a readable part plus a hash of
        // the whole path, so two context paths never share a namespace: /a/b and /a_b stay apart.
        String readable = p.replaceAll("[^A-Za-z0-9_.\\-]", "_");
        if (readable.length() > 32) {
            readable = readable.substring(0, 32);
        }
        try {
            byte[] h = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(contextPath.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return "sessionfilter:" + readable + "~"
                    + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(h).substring(0, 16);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Context paths used as they are in the default namespace: one segment of safe characters, not too long. */
    private static final java.util.regex.Pattern PLAIN_CONTEXT = java.util.regex.Pattern.compile("[A-Za-z0-9_.\\-]{1,50}");

    @Override
    public String toString() {
        return "SessionConfig[namespace=" + namespace + ", idleTimeout=" + idleTimeout + ", absoluteTimeout="
                + absoluteTimeout + ", cookie=" + cookie + ", failureMode=" + failureMode + ", keyset=<masked>]";
    }
}

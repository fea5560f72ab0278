package dev.sessionfilter.session;

import dev.sessionfilter.config.SessionConfig;
import dev.sessionfilter.crypto.Sealer;
import dev.sessionfilter.store.PrincipalIndex;
import dev.sessionfilter.store.CachedFields;
import dev.sessionfilter.store.SessionKey;
import dev.sessionfilter.store.SessionBackend;
import dev.sessionfilter.store.RedisUnavailableException;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;

import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Everything one application's sessions share: settings, store, sealer, codec, listeners. Turns stored
 * fields into {@link RedisHttpSession}s and back. Thread-safe.
 */
public final class SessionEngine {
    static final System.Logger LOG = System.getLogger("dev.sessionfilter.session");
    /** Opt-in DEBUG logger: logs where each session was created (silence it once you know). */
    static final System.Logger CREATION_LOG = System.getLogger("dev.sessionfilter.session.creation");
    private final java.util.concurrent.ConcurrentHashMap<String, SessionKey> keys;
    private final int maxKeys;
    private static final byte FORMAT = 1;
    /** Metadata format: creation time, idle timeout and the id (so an expiry sweeper can tell listeners). */
    private static final byte META_FORMAT = 2;
    private static final int META_LENGTH = 1 + 8 + 4 + 43;

    final SessionConfig config;
    final SessionBackend store;
    final Sealer sealer;
    final AttributeCodec codec;
    /** Plaintexts (and opened attributes) of sealed arrays the near cache hands out again; null without one. */
    private final OpenedCache opened;
    /** Decoded immutable attribute values, by their sealed array; null without a near cache. */
    final Listeners listeners;
    final ServletContext servletContext;
    final PrincipalIndex principals;
    private final SecureRandom random = new SecureRandom();
    private final Clock clock;

    final AtomicLong loaded = new AtomicLong();
    final AtomicLong committed = new AtomicLong();
    final AtomicLong refused = new AtomicLong();
    final SessionStats stats = new SessionStats();
    private final AtomicLong unavailableAnswers = new AtomicLong();
    private final Map<String, AtomicLong> warned = new java.util.concurrent.ConcurrentHashMap<>();

    /** Milliseconds since the epoch; replaceable in tests. */
    public interface Clock {
        long millis();
    }

    public SessionEngine(SessionConfig config, SessionBackend store, Sealer sealer, ClassLoader loader,
                         ServletContext servletContext, Listeners listeners, Clock clock, PrincipalIndex principals) {
        this.principals = principals;
        this.config = config;
        this.store = store;
        this.sealer = sealer;
        this.codec = new AttributeCodec(config.serializationAllow(), loader);
        // Without a near cache every load brings new arrays: nothing to find again.
        this.opened = config.nearCacheEntries() > 0 ? new OpenedCache() : null;
        // With a near cache, also the keys of its sessions: the id's hash and the attribute field names
        // (an HMAC each) are computed once per session, not once per request.
        this.keys = config.nearCacheEntries() > 0 ? new java.util.concurrent.ConcurrentHashMap<>() : null;
        this.maxKeys = Math.max(16, config.nearCacheEntries());
        this.listeners = listeners;
        this.servletContext = servletContext;
        this.clock = clock;
    }

    /**
     * Runs the rest of the chain with the request's sessions served from the store. Re-entered for forward,
     * include, error and async dispatches of the same request, which share its session.
     */
    public void filter(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        RequestSessions state = (RequestSessions) request.getAttribute(RequestSessions.ATTRIBUTE);
        if (state != null && state.wraps(request)) {
            // A forward or include inside our own dispatch, or an async dispatch of our wrapped request: the
            // container kept our wrappers in place.
            RequestSessions outer = RequestSessions.SERVING.get();
            RequestSessions.SERVING.set(state);
            try {
                chain.doFilter(request, response);
            } finally {
                serving(outer);
            }
            if (request.getDispatcherType() == DispatcherType.ASYNC && !request.isAsyncStarted()) {
                // The async dispatch's target is done: the container completes the response next.
                try {
                    state.commitBeforeResponse();
                } catch (RedisUnavailableException e) {
                    if (!answerUnavailable(e, response)) {
                        throw e;
                    }
                }
            }
            return;
        }
        if (state == null) {
            state = new RequestSessions(this, request, response);
            request.setAttribute(RequestSessions.ATTRIBUTE, state);
        }
        HttpServletResponse wrappedResponse = state.wrap(response);
        HttpServletRequest wrappedRequest = state.wrap(request);
        state.depth++;
        boolean failed = true;
        RequestSessions outer = RequestSessions.SERVING.get();
        RequestSessions.SERVING.set(state);
        try {
            chain.doFilter(wrappedRequest, wrappedResponse);
            failed = false;
        } catch (IOException | ServletException | RuntimeException e) {
            if (!answerUnavailable(e, response)) {
                throw e;
            }
        } finally {
            serving(outer);
            state.depth--;
            if (state.depth == 0) {
                if (request.isAsyncStarted()) {
                    state.listenForAsync(request);
                } else {
                    try {
                        state.commit();
                    } catch (RedisUnavailableException e) {
                        if (!failed && !answerUnavailable(e, response)) {
                            throw e;
                        }
                    }
                }
            }
        }
    }

    private static void serving(RequestSessions outer) {
        if (outer == null) {
            RequestSessions.SERVING.remove();
        } else {
            RequestSessions.SERVING.set(outer);
        }
    }

    /** Answers 503 for a Redis outage in {@code fail} mode; false when the error is something else. */
    boolean answerUnavailable(Exception e, HttpServletResponse response) throws IOException {
        Throwable t = e;
        while (t != null && !(t instanceof RedisUnavailableException)) {
            t = t.getCause();
        }
        if (t == null) {
            return false;
        }
        if (response.isCommitted()) {
            LOG.log(Level.ERROR, config.namespace() + " - Redis unavailable after the response was committed", e);
            return false;
        }
        unavailableAnswers.incrementAndGet();
        response.reset();
        response.setStatus(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
        response.setHeader("Retry-After", "5");
        response.setHeader("Cache-Control", "no-store");
        response.setContentType("text/plain;charset=UTF-8");
        response.getWriter().write("503 Service Unavailable: the session store is unreachable\n");
        // The outage itself is logged once (monitor and store); each 503 is only counted, or an outage under
        // load would write a line per request.
        String reason = t.getMessage();
        LOG.log(Level.DEBUG, () -> config.namespace() + " - answered 503: " + reason);
        return true;
    }

    long now() {
        return clock.millis();
    }

    /**
     * Internal, for sessionfilter-ee: lets values of exactly this class be stored, as
     * {@code sessionfilter.serialization.allow} would (the declared state types of session-scoped beans).
     */
    public void allowValueClass(String className) {
        codec.allow(className);
    }

    /** Internal, for sessionfilter-ee: where session events are registered. */
    public Listeners listeners() {
        return listeners;
    }

    public SessionConfig config() {
        return config;
    }

    public SessionBackend store() {
        return store;
    }

    /**
     * Counters for health and metrics, since start.
     *
     * @param loaded        sessions loaded
     * @param committed     commits written
     * @param valuesRefused attribute values refused (size limits, types the codec may not store)
     * @param unavailable   requests answered 503 because the store was unreachable
     */
    public record Counters(long loaded, long committed, long valuesRefused, long unavailable) {
    }

    private volatile ExpirySweeper sweeper;

    void sweeper(ExpirySweeper s) {
        this.sweeper = s;
    }

    /** The expiry sweeper's counters, or null before it started. */
    public ExpirySweeper.Counters expiryCounters() {
        ExpirySweeper s = sweeper;
        return s == null ? null : s.counters();
    }

    public SessionStats stats() {
        return stats;
    }

    public Counters counters() {
        return new Counters(loaded.get(), committed.get(), refused.get(), unavailableAnswers.get());
    }

    /** A fresh 256-bit id, base64url: never one the client chose. */
    String newId() {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** 43 base64url characters (256 random bits); a plain loop, it runs on every request. */
    static boolean wellFormedId(String id) {
        if (id == null || id.length() != 43) {
            return false;
        }
        for (int i = 0; i < 43; i++) {
            char c = id.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_')) {
                return false;
            }
        }
        return true;
    }

    /** Session ids whose derived Redis names are cached (0 when the cache is off). */
    public int cachedKeys() {
        return keys == null ? 0 : keys.size();
    }

    SessionKey key(String id) {
        if (keys == null) {
            return new SessionKey(config.namespace(), id);
        }
        SessionKey k = keys.get(id);
        if (k == null) {
            if (keys.size() >= maxKeys) {
                keys.clear(); // crude bound: a cache of derived names, rebuilt as requests come
            }
            k = new SessionKey(config.namespace(), id);
            keys.put(id, k);
        }
        return k;
    }

    /** Loads a session, or null when it is absent, expired or unreadable. One round trip. */
    RedisHttpSession load(String id) {
        SessionKey key = key(id);
        Map<String, byte[]> fields = store.load(key);
        if (fields == null) {
            return null;
        }
        return open(key, fields, false);
    }

    /**
     * A session from its stored fields, or null when they do not open. Unless {@code pastDeadline} (the
     * expiry sweeper), also null once its idle or absolute deadline passed: never served after it, though
     * its data stays in Redis until its expiry is notified.
     */
    RedisHttpSession open(SessionKey key, Map<String, byte[]> fields, boolean pastDeadline) {
        byte[] meta = open(key, SessionKey.META, fields);
        if (meta == null || meta.length != META_LENGTH || meta[0] != META_FORMAT) {
            warnOnce("unreadable", key, "a stored session could not be opened (garbage, truncated, or sealed with "
                    + "a key not in the keyset); treating it as absent");
            return null;
        }
        ByteBuffer m = ByteBuffer.wrap(meta, 1, 12);
        long created = m.getLong();
        int maxInactive = m.getInt();
        String id = new String(meta, 13, 43, StandardCharsets.US_ASCII);
        if (key.id() == null) {
            // Known by its hash only (an index entry): the sealed id gives the full key. The metadata opened
            // under this hash's associated data, so the id is the one the hash was made from.
            key = key.withId(id);
            if (key == null) {
                return null;
            }
        }
        byte[] la = open(key, SessionKey.LAST_ACCESS, fields);
        long lastAccess = la != null && la.length == 9 && la[0] == FORMAT ? ByteBuffer.wrap(la, 1, 8).getLong() : created;
        long now = now();
        long deadline = deadline(created, maxInactive, lastAccess);
        if (deadline <= now && !pastDeadline) {
            return null; // past its deadline: its expiry is (being) notified
        }
        if (!pastDeadline) {
            store.expiresAt(key, deadline);
            loaded.incrementAndGet();
            long bytes = 0;
            int attributes = 0;
            for (Map.Entry<String, byte[]> f : fields.entrySet()) {
                bytes += f.getValue().length;
                if (f.getKey().startsWith(SessionKey.ATTRIBUTE_PREFIX)) {
                    attributes++;
                }
            }
            stats.loaded(bytes, attributes);
        }
        // An expiring session was last accessed when it was stored last, not now.
        return new RedisHttpSession(this, key, false, created, maxInactive, lastAccess, fields,
                pastDeadline ? lastAccess : now);
    }

    /** The sooner of the idle and the absolute deadline; Long.MAX_VALUE when neither applies. */
    long deadline(long created, int maxInactive, long lastAccess) {
        // The key's deadline was set at the commit that wrote this last-access time: the same one.
        long absolute = config.absoluteTimeout().toMillis();
        long deadline = Long.MAX_VALUE;
        if (absolute > 0) {
            deadline = created + absolute;
        }
        if (maxInactive > 0) {
            deadline = Math.min(deadline, lastAccess + maxInactive * 1000L);
        }
        return deadline;
    }

    RedisHttpSession create() {
        String id = newId();
        long now = now();
        int maxInactive = (int) Math.min(Integer.MAX_VALUE, config.idleTimeout().toSeconds());
        if (maxInactive == 0) {
            maxInactive = -1;
        }
        RedisHttpSession s = new RedisHttpSession(this, key(id), true, now, maxInactive, now, Map.of(), now);
        stats.created.increment();
        if (CREATION_LOG.isLoggable(Level.DEBUG)) {
            CREATION_LOG.log(Level.DEBUG, config.namespace() + " - session " + s.key().hash() + " created at",
                    new Throwable("session creation point (set logger dev.sessionfilter.session.creation above DEBUG to silence)"));
        }
        return s;
    }

    byte[] sealMeta(SessionKey key, long created, int maxInactive) {
        ByteBuffer b = ByteBuffer.allocate(META_LENGTH).put(META_FORMAT).putLong(created).putInt(maxInactive)
                .put(key.id().getBytes(StandardCharsets.US_ASCII));
        return sealed(b.array(), sealer.seal(b.array(), key.associatedData(SessionKey.META)));
    }

    byte[] sealPrincipalName(SessionKey key, String name) {
        return sealer.seal(name.getBytes(StandardCharsets.UTF_8), key.associatedData(SessionKey.PRINCIPAL_NAME));
    }

    /** The sealed principal name, or null when absent or unreadable. */
    String openPrincipalName(SessionKey key, byte[] sealed) {
        byte[] p = sealed == null ? null : open(key, SessionKey.PRINCIPAL_NAME, Map.of(SessionKey.PRINCIPAL_NAME, sealed));
        return p == null ? null : new String(p, StandardCharsets.UTF_8);
    }

    /**
     * Adds a session to its principal's index; false when Redis could not be reached (the session is then
     * not findable by its principal until the next change, logged).
     */
    boolean index(String principal, String member, long created) {
        long absolute = config.absoluteTimeout().toMillis();
        try {
            store.indexPrincipal(config.namespace(), principal, member, null,
                    (long) PrincipalIndex.score(created, absolute));
            return true;
        } catch (RedisUnavailableException e) {
            warnOnce("index", SessionKey.ofHash(config.namespace(), member), "could not add a session to its "
                    + "principal's index (" + e.getMessage() + "); the registry will not list it");
            return false;
        }
    }

    /**
     * How long a session just admitted counts as live without being checked: longer than any login request
     * takes (its session may not be saved yet); a crashed login's entry is then checked like the others.
     */
    static final long PENDING_GRACE_MILLIS = 120_000;

    /**
     * Admits a session to its principal's index under {@code sessionfilter.maxSessionsPerPrincipal}, in one
     * script run (atomic, so simultaneous logins on any instances never get past the limit). Only when the
     * index is full are its members checked: entries whose session ended (idle expiry not yet swept, a crash)
     * are dropped and the admission runs again under the policy. Returns the sessions to evict (the caller
     * ends them once it holds no session lock), or null when {@code replaced} is no longer indexed (the
     * session was evicted or ended meanwhile, or its entry lost: it takes no place); while Redis is
     * unreachable, admits (logged).
     *
     * @param replaced the hash whose place the session takes (an id change), or null
     * @throws dev.sessionfilter.SessionLimitExceededException when full and the policy is refuse
     */
    List<String> admit(String principal, String member, String replaced, long created) {
        SessionConfig.SessionLimit limit = config.sessionLimit();
        double score = PrincipalIndex.score(created, config.absoluteTimeout().toMillis());
        String ns = config.namespace();
        try {
            SessionBackend.Admission a = store.admitPrincipal(ns, principal, member, replaced, score, limit.max(), "check",
                    PENDING_GRACE_MILLIS);
            if (a.outcome() != SessionBackend.Admission.FULL) {
                return a.outcome() == SessionBackend.Admission.ADMITTED ? a.members() : null;
            }
            List<String> m = a.members();
            for (int i = 0; i + 1 < m.size(); i += 2) {
                SessionBackend.Liveness l = store.live(SessionKey.ofHash(ns, m.get(i)));
                // Not stored yet is a login in progress while its admission is recent (pending).
                if (l == SessionBackend.Liveness.ENDED || (l == SessionBackend.Liveness.ABSENT && !"1".equals(m.get(i + 1)))) {
                    unindex(principal, m.get(i));
                }
            }
            a = store.admitPrincipal(ns, principal, member, replaced, score, limit.max(),
                    limit.refuse() ? "refuse" : "evict", PENDING_GRACE_MILLIS);
            if (a.outcome() == SessionBackend.Admission.FULL) {
                stats.rejected.increment();
                throw new dev.sessionfilter.SessionLimitExceededException(limit.max());
            }
            return a.outcome() == SessionBackend.Admission.ADMITTED ? a.members() : null;
        } catch (RedisUnavailableException e) {
            warnOnce("admit", SessionKey.ofHash(ns, member), "could not check the session limit of a principal ("
                    + e.getMessage() + "); the login is let through and the registry will not list this session");
            return List.of();
        }
    }

    /**
     * Ends sessions the limit evicted: each one's listeners fire here, once. One not saved yet (a login in
     * progress elsewhere) gets a tombstone, so its first save is refused and it never appears.
     */
    void evict(List<String> hashes) {
        for (String hash : hashes) {
            SessionKey key = SessionKey.ofHash(config.namespace(), hash);
            try {
                Map<String, byte[]> fields = store.load(key);
                RedisHttpSession s = fields == null ? null : open(key, fields, false);
                if (s != null) {
                    s.invalidateHere();
                } else {
                    store.delete(key);
                }
                stats.evicted.increment();
            } catch (RuntimeException e) {
                warnOnce("evict", key, "a session the per-principal limit evicted could not be ended ("
                        + e.getMessage() + "); it ends at its own timeout");
            }
        }
    }

    /** Drops a session from a principal's index; a failure leaves an entry that lookups drop later. */
    void unindex(String principal, String member) {
        try {
            store.indexPrincipal(config.namespace(), principal, null, member, 0);
        } catch (RedisUnavailableException e) {
            LOG.log(Level.DEBUG, () -> config.namespace() + " - principal index entry left for later cleaning: "
                    + e.getMessage());
        }
    }

    byte[] sealLastAccess(SessionKey key, long at) {
        ByteBuffer b = ByteBuffer.allocate(9).put(FORMAT).putLong(at);
        return sealed(b.array(), sealer.seal(b.array(), key.associatedData(SessionKey.LAST_ACCESS)));
    }

    /**
     * Name, write time and JSON sealed together, bound to the session and field. The write time lets the
     * write-back after an outage keep the newer of two conflicting writes.
     */
    byte[] sealAttribute(SessionKey key, String field, String name, byte[] json, long writtenAt) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(1 + 4 + n.length + 8 + json.length)
                .put(FORMAT).putInt(n.length).put(n).putLong(writtenAt).put(json);
        byte[] sealed = sealer.seal(b.array(), key.associatedData(field));
        if (opened != null) {
            // The array our commit hands to the near cache: the next load here needs no AEAD open.
            opened.put(sealed, new Opened(name, writtenAt, json));
        }
        return sealed;
    }

    /** Remembers what this instance just sealed, for the next load of the same arrays. */
    private byte[] sealed(byte[] plain, byte[] sealed) {
        if (opened != null) {
            opened.put(sealed, plain);
        }
        return sealed;
    }

    /**
     * A decoded immutable value (or a pristine plain copy) of this sealed attribute seen before, or null.
     * Kept only in a near-cache entry: fields that came any other way are decoded per request.
     */
    Object decodedBefore(String field, byte[] sealed, Map<String, byte[]> stored) {
        return stored instanceof CachedFields memo && sealed != null ? memo.decoded(field, sealed) : null;
    }

    /** Keeps the pristine copy of a plain mutable value decoded from this sealed attribute. */
    void decodedPlain(String field, byte[] sealed, Map<String, byte[]> stored, Object pristine) {
        remember(field, sealed, stored, new PlainValues.Pristine(pristine));
    }

    void decodedNow(String field, byte[] sealed, Map<String, byte[]> stored, Object value) {
        if (AttributeCodec.immutable(value) && value != null) {
            remember(field, sealed, stored, value);
        }
    }

    private static void remember(String field, byte[] sealed, Map<String, byte[]> stored, Object made) {
        if (stored instanceof CachedFields memo && sealed != null) {
            memo.decoded(field, sealed, made);
        }
    }

    /** An opened attribute: its real name, when it was written, its JSON. */
    record Opened(String name, long writtenAt, byte[] json) {
    }

    /** The opened attribute, or null when it does not open or is malformed. */
    Opened openAttribute(SessionKey key, String field, byte[] sealed) {
        return openAttribute(key, field, sealed, null);
    }

    /** @param stored the session's fields: a near-cache entry keeps what was opened from them */
    Opened openAttribute(SessionKey key, String field, byte[] sealed, Map<String, byte[]> stored) {
        if (sealed == null) {
            return parseAttribute(key, null);
        }
        CachedFields memo = stored instanceof CachedFields c ? c : null;
        if (openedBefore(field, sealed, memo) instanceof Opened o) {
            return o;
        }
        // Opened straight from the sealer: the cache keeps the parsed attribute, not also its plaintext.
        Opened o = parseAttribute(key, sealer.open(sealed, key.associatedData(field)));
        if (o != null) {
            keepOpened(field, sealed, memo, o);
        }
        return o;
    }

    /**
     * What was opened from {@code sealed} before: in the near-cache entry, or (this instance sealed it, or
     * the fields came before their entry did) in the shared cache, then moved into the entry.
     */
    private Object openedBefore(String field, byte[] sealed, CachedFields memo) {
        Object made = memo == null ? null : memo.opened(field, sealed);
        if (made == null && opened != null) {
            made = opened.get(sealed);
            if (made != null && memo != null) {
                memo.opened(field, sealed, made);
            }
        }
        return made;
    }

    private void keepOpened(String field, byte[] sealed, CachedFields memo, Object made) {
        if (memo != null) {
            memo.opened(field, sealed, made);
        } else if (opened != null) {
            opened.put(sealed, made);
        }
    }

    private Opened parseAttribute(SessionKey key, byte[] p) {
        if (p == null || p.length < 13 || p[0] != FORMAT) {
            warnOnce("attribute", key, "a stored attribute could not be opened; treating it as absent");
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(p, 1, p.length - 1);
        int n = b.getInt();
        if (n < 0 || n > p.length - 13) {
            warnOnce("attribute", key, "a stored attribute is malformed; treating it as absent");
            return null;
        }
        String name = new String(p, 5, n, StandardCharsets.UTF_8);
        long writtenAt = ByteBuffer.wrap(p, 5 + n, 8).getLong();
        return new Opened(name, writtenAt, java.util.Arrays.copyOfRange(p, 13 + n, p.length));
    }

    /** When a sealed attribute was written, or -1 when it does not open: for the outage write-back. */
    public long writtenAt(SessionKey key, String field, byte[] sealed) {
        Opened o = sealed == null ? null : openAttribute(key, field, sealed);
        return o == null ? -1 : o.writtenAt();
    }

    private byte[] open(SessionKey key, String field, Map<String, byte[]> stored) {
        byte[] sealed = stored.get(field);
        if (sealed == null) {
            return null;
        }
        CachedFields memo = stored instanceof CachedFields c ? c : null;
        if (openedBefore(field, sealed, memo) instanceof byte[] p) {
            return p;
        }
        byte[] p = sealer.open(sealed, key.associatedData(field));
        if (p != null) {
            keepOpened(field, sealed, memo, p);
        }
        return p;
    }

    /** Logs a problem with stored data once per kind (then at DEBUG), never the value. */
    void warnOnce(String kind, SessionKey key, String message) {
        long n = warned.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
        LOG.log(n == 1 ? Level.WARNING : Level.DEBUG,
                () -> config.namespace() + " - " + message + " (session " + key.hash() + ", occurrence " + n + ")");
    }
}

package dev.sessionfilter.session;

import dev.sessionfilter.store.Delta;
import dev.sessionfilter.store.SessionBackend;
import dev.sessionfilter.store.SessionKey;
import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpSession;
import jakarta.servlet.http.HttpSessionActivationListener;
import jakarta.servlet.http.HttpSessionBindingEvent;
import jakarta.servlet.http.HttpSessionBindingListener;
import jakarta.servlet.http.HttpSessionEvent;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One session as one request sees it. Attributes are opened and decoded only when read; at commit only
 * changed fields are written (values mutated in place are found by re-encoding the ones that were read).
 * Synchronized: async work may use it from other threads.
 */
final class RedisHttpSession implements HttpSession {
    /** Bytes Tink and our framing add to a value: approximates the serialized size of unread attributes. */
    private static final int SEAL_OVERHEAD = 5 + 12 + 16 + 1 + 4 + 8;

    private final SessionEngine engine;
    private SessionKey key;
    private final boolean isNew;
    private final long creationTime;
    private long accessedAt;
    /** A request of {@code sessionfilter.noTouch}: reads and writes, never extends the idle expiry. */
    private boolean noTouch;
    private int maxInactive;
    private long storedLastAccess;
    private Map<String, byte[]> stored;
    private final Map<String, Attr> attrs = new LinkedHashMap<>();
    private final Set<String> removedFields = new HashSet<>();
    /** Stored fields whose value did not decode: hidden from this request, left as they are in Redis. */
    private final Set<String> undecodable = new HashSet<>();
    private boolean metaDirty;
    private boolean persisted;
    private boolean invalid;
    private boolean invalidating;
    private boolean gone;
    private Runnable onInvalidate;
    /** The principal's index name as stored (field p), or null. */
    private String principal;
    /** The principal name, when this request set it or needs to re-seal it; null otherwise. */
    private String principalName;
    /** The index name this request replaced, to drop the session from that principal's index. */
    private String replacedPrincipal;
    private boolean principalDirty;
    /** The hash this request admitted the principal under (the limit's index holds it): the commit skips it. */
    private String admittedHash;
    /** Sessions the per-principal limit evicted at commit, ended by {@link #afterCommit()}. */
    private List<String> evictAfterCommit = List.of();
    /** The commit's admission was refused (a container login past the limit): the session is ended after it. */
    private boolean refusedAtCommit;
    /** The limit evicted this session before its first save under its id: {@link #afterCommit()} fires its events. */
    private boolean evictedBeforeSave;

    private static final class Attr {
        final String name;
        String field;
        byte[] original; // JSON as stored, null when new in this request
        byte[] sealed; // the stored value it was opened from, null when new in this request
        Object pristine; // for a plain mutable value: what it was when decoded (compared at commit, never handed out)
        byte[] json;     // JSON of the current value when known
        Object value;
        boolean decoded;
        boolean dirty;

        Attr(String name, String field) {
            this.name = name;
            this.field = field;
        }
    }

    RedisHttpSession(SessionEngine engine, SessionKey key, boolean isNew, long creationTime, int maxInactive,
                     long storedLastAccess, Map<String, byte[]> stored, long now) {
        this.engine = engine;
        this.key = key;
        this.isNew = isNew;
        this.creationTime = creationTime;
        this.maxInactive = maxInactive;
        this.storedLastAccess = storedLastAccess;
        this.stored = stored;
        this.accessedAt = now;
        this.persisted = !isNew;
        this.metaDirty = isNew;
        byte[] p = stored.get(SessionKey.PRINCIPAL);
        this.principal = p == null ? null : new String(p, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    /**
     * Records the session's principal (the request's remote user, or the configured attribute's value);
     * written, and the registry's index updated, at commit only when it differs from the stored one.
     * Null removes it.
     */
    synchronized List<String> principal(String name) {
        if (invalid) {
            return List.of();
        }
        String p = name == null ? null : engine.principals.name(name);
        if (java.util.Objects.equals(p, principal)) {
            return List.of();
        }
        List<String> evict = List.of();
        if (principalDirty && admittedHash != null && principal != null) {
            // Admitted earlier in this request under another name, never saved: that place is given back.
            engine.unindex(principal, admittedHash);
            admittedHash = null;
        }
        if (p != null && engine.config.sessionLimit().enabled()) {
            // Admitted now, so a refusal reaches the app's setAttribute or changeSessionId, not the commit.
            evict = engine.admit(p, key.hash(), null, creationTime);
            admittedHash = key.hash();
        }
        if (!principalDirty) {
            replacedPrincipal = principal;
        }
        principal = p;
        principalName = name;
        principalDirty = true;
        return evict;
    }

    /**
     * Marks the session as used by a request that must not keep it alive (polling, SSE): its last-access time
     * and idle deadline stay as stored, and {@link #getLastAccessedTime()} reports the stored time.
     */
    synchronized void noTouch() {
        if (persisted) {
            noTouch = true;
            accessedAt = storedLastAccess;
        }
    }

    /** The principal's index name, or null. */
    synchronized String principalIndexName() {
        return principal;
    }

    /** Called once the session is invalidated (the request's cookie handling). */
    void onInvalidate(Runnable r) {
        this.onInvalidate = r;
    }

    SessionKey key() {
        return key;
    }

    synchronized boolean isValid() {
        return !invalid;
    }

    // ---- HttpSession -------------------------------------------------------------------------------------

    @Override
    public synchronized long getCreationTime() {
        check();
        return creationTime;
    }

    @Override
    public synchronized String getId() {
        return key.id();
    }

    @Override
    public synchronized long getLastAccessedTime() {
        check();
        return accessedAt;
    }

    @Override
    public ServletContext getServletContext() {
        return engine.servletContext;
    }

    @Override
    public synchronized void setMaxInactiveInterval(int interval) {
        // Kept as given (0 or negative: never idle-expires), as the container's sessions do.
        if (interval != maxInactive) {
            maxInactive = interval;
            metaDirty = true;
        }
    }

    @Override
    public synchronized int getMaxInactiveInterval() {
        return maxInactive;
    }

    @Override
    public synchronized Object getAttribute(String name) {
        check();
        Attr a = attr(name);
        return a == null ? null : value(a);
    }

    @Override
    public synchronized Enumeration<String> getAttributeNames() {
        check();
        materializeAll();
        return Collections.enumeration(new ArrayList<>(attrs.keySet()));
    }

    @Override
    public void setAttribute(String name, Object value) {
        if (name == null) {
            throw new IllegalArgumentException("attribute name must not be null");
        }
        if (value == null) {
            removeAttribute(name);
            return;
        }
        byte[] json;
        synchronized (this) {
            check();
            json = encodeForSet(name, value);
            checkSize(name, json.length);
        }
        // Servlet spec: valueBound runs before the value can be seen through getAttribute.
        Attr current;
        synchronized (this) {
            current = attrs.get(name);
        }
        if (value instanceof HttpSessionBindingListener l && (current == null || current.value != value)) {
            Listeners.run(() -> l.valueBound(new HttpSessionBindingEvent(this, name, value)));
        }
        // The principal first: a login the limit refuses leaves the session as it was.
        List<String> evict = name.equals(engine.config.principalAttribute()) ? principal(value.toString()) : List.of();
        Object old;
        boolean existed;
        synchronized (this) {
            check();
            Attr a = attr(name);
            existed = a != null;
            old = existed && needsOldValue(a) ? value(a) : null;
            if (a == null) {
                a = new Attr(name, key.attributeField(name));
                attrs.put(name, a);
            }
            removedFields.remove(a.field);
            a.json = json;
            a.sealed = null;
            a.pristine = null;
            a.value = value;
            a.decoded = true;
            a.dirty = true;
        }
        if (old instanceof HttpSessionBindingListener l && old != value) {
            Listeners.run(() -> l.valueUnbound(new HttpSessionBindingEvent(this, name, old)));
        }
        engine.evict(evict);
        if (existed) {
            engine.listeners.replaced(this, name, old);
        } else {
            engine.listeners.added(this, name, value);
        }
    }

    /** The value's JSON, or an IllegalArgumentException naming the attribute, the class and the fix. */
    private byte[] encodeForSet(String name, Object value) {
        try {
            return engine.codec.encode(value);
        } catch (AttributeCodec.NotAllowed e) {
            engine.refused.incrementAndGet();
            throw new IllegalArgumentException("sessionfilter: cannot store attribute '" + name + "': "
                    + e.getMessage(), e);
        } catch (RuntimeException e) {
            engine.refused.incrementAndGet();
            throw new IllegalArgumentException("sessionfilter: cannot store attribute '" + name + "' (class "
                    + value.getClass().getName() + "): JSON-B could not serialize it ("
                    + AttributeCodec.rootMessage(e) + "); store JDK value types, or make the class a plain data "
                    + "class (getters/setters or public fields, no cycles, no throwing getters)", e);
        }
    }

    @Override
    public void removeAttribute(String name) {
        Object old;
        synchronized (this) {
            check();
            Attr a = attr(name);
            if (a == null) {
                return;
            }
            old = needsOldValue(a) ? value(a) : null;
            attrs.remove(name);
            if (a.original != null || stored.containsKey(a.field)) {
                removedFields.add(a.field);
            }
            if (name.equals(engine.config.principalAttribute())) {
                principal(null);
            }
        }
        if (old instanceof HttpSessionBindingListener l) {
            Listeners.run(() -> l.valueUnbound(new HttpSessionBindingEvent(this, name, old)));
        }
        engine.listeners.removed(this, name, old);
    }

    @Override
    public void invalidate() {
        invalidateHere();
    }

    /** {@link #invalidate()}; true when this call ended the session and fired its events. */
    boolean invalidateHere() {
        synchronized (this) {
            check();
            if (invalidating) {
                return false; // a listener calling invalidate(), or a second thread: the first one finishes it
            }
            invalidating = true;
        }
        SessionBackend.Ended ended;
        try {
            synchronized (this) {
                materializeAll();
                ended = persisted ? engine.store.delete(key) : new SessionBackend.Ended(true, null);
            }
        } catch (RuntimeException e) {
            synchronized (this) {
                invalidating = false;
            }
            throw e;
        }
        if (ended.principal() != null) {
            engine.unindex(ended.principal(), key.hash());
        }
        if (!ended.live()) {
            // Ended elsewhere meanwhile (another request, the registry, or the expiry being notified): that
            // one fires the events; this request only forgets it.
            synchronized (this) {
                invalid = true;
            }
            if (onInvalidate != null) {
                onInvalidate.run();
            }
            return false;
        }
        end(false);
        if (onInvalidate != null) {
            onInvalidate.run();
        }
        return true;
    }

    /** The last access as stored (what other instances see). */
    synchronized long storedLastAccess() {
        return storedLastAccess;
    }

    /** The principal name (opened from its sealed field), or null. */
    synchronized String principalName() {
        if (principalName == null && principal != null) {
            principalName = engine.openPrincipalName(key, stored.get(SessionKey.PRINCIPAL_NAME));
        }
        return principalName;
    }

    /**
     * The expiry sweeper's path: fires what an invalidation fires, on a session past its deadline that the
     * sweeper claimed; the caller deletes it afterwards.
     */
    void expire() {
        synchronized (this) {
            if (invalidating || invalid) {
                return;
            }
            invalidating = true;
            materializeAll();
        }
        end(true);
    }

    /**
     * sessionDestroyed while the attributes are still readable, then the session is invalid and each value
     * is unbound (binding and attribute listeners), as the container does for an invalidation. The caller
     * has opened every stored attribute; a destroyed listener's own setAttribute lands in {@code attrs}.
     */
    private void end(boolean expired) {
        engine.stats.ended(expired, engine.now() - creationTime);
        engine.listeners.destroyed(this, expired);
        List<Map.Entry<String, Object>> unbound = new ArrayList<>();
        synchronized (this) {
            for (Attr a : new ArrayList<>(attrs.values())) {
                if (needsOldValue(a)) {
                    Object v = value(a);
                    if (v != null) {
                        unbound.add(Map.entry(a.name, v));
                    }
                }
            }
            invalid = true;
        }
        for (Map.Entry<String, Object> e : unbound) {
            if (e.getValue() instanceof HttpSessionBindingListener l) {
                Listeners.run(() -> l.valueUnbound(new HttpSessionBindingEvent(this, e.getKey(), e.getValue())));
            }
            engine.listeners.removed(this, e.getKey(), e.getValue());
        }
    }

    // Servlet 4.0's deprecated HttpSession methods, gone from Servlet 6 but still declared by the javax
    // interface the javax build implements (Tomcat 9): old JSPs and libraries still call them.

    /** Servlet 4.0 (deprecated since 2.2): {@link #getAttribute}. */
    @Deprecated
    public Object getValue(String name) {
        return getAttribute(name);
    }

    /** Servlet 4.0 (deprecated since 2.2): the attribute names. */
    @Deprecated
    public String[] getValueNames() {
        return Collections.list(getAttributeNames()).toArray(new String[0]);
    }

    /** Servlet 4.0 (deprecated since 2.2): {@link #setAttribute}. */
    @Deprecated
    public void putValue(String name, Object value) {
        setAttribute(name, value);
    }

    /** Servlet 4.0 (deprecated since 2.2): {@link #removeAttribute}. */
    @Deprecated
    public void removeValue(String name) {
        removeAttribute(name);
    }

    /**
     * Servlet 4.0 (deprecated since 2.1, "for security reasons"): a context that finds no session and lists
     * no ids, as Tomcat's own does.
     */
    @Deprecated
    public jakarta.servlet.http.HttpSessionContext getSessionContext() {
        // The cast keeps the verifier from loading HttpSessionContext to check the return type: on Servlet 6
        // that type does not exist, and RedisHttpSession must still load there.
        return (jakarta.servlet.http.HttpSessionContext) (Object) EmptySessionContext.INSTANCE;
    }

    @Deprecated
    private static final class EmptySessionContext implements jakarta.servlet.http.HttpSessionContext {
        static final EmptySessionContext INSTANCE = new EmptySessionContext();

        @Override
        public HttpSession getSession(String sessionId) {
            return null;
        }

        @Override
        public Enumeration<String> getIds() {
            return Collections.emptyEnumeration();
        }
    }

    @Override
    public synchronized boolean isNew() {
        check();
        return isNew;
    }

    // ---- commit ------------------------------------------------------------------------------------------

    /**
     * Writes what changed: one round trip, or none when nothing changed and the idle expiry is fresh enough.
     * After the session was invalidated or deleted elsewhere nothing is written.
     */
    synchronized void commit() {
        if (invalid || gone) {
            return;
        }
        long now = engine.now();
        boolean touch = !noTouch || !persisted; // an id change or a new session is always saved as touched
        long ttl = ttlMillis(now, touch ? now : storedLastAccess);
        if (ttl < 0) {
            return; // past its absolute timeout (or, untouched, its idle one): let it die
        }
        Map<String, byte[]> set = new HashMap<>();
        Map<Attr, byte[]> toWrite = new LinkedHashMap<>();
        for (Attr a : attrs.values()) {
            if (!a.decoded && !a.dirty) {
                continue;
            }
            byte[] json = a.json;
            if (a.decoded && !a.dirty && a.pristine != null && PlainValues.same(a.value, a.pristine)) {
                continue; // a plain value as it was decoded: unchanged, no need to encode it to know
            }
            if (a.decoded && !AttributeCodec.immutable(a.value)) {
                if (a.value instanceof HttpSessionActivationListener l) {
                    Listeners.run(() -> l.sessionWillPassivate(new HttpSessionEvent(this)));
                }
                try {
                    json = engine.codec.encode(a.value);
                } catch (RuntimeException e) {
                    // Changed in place into something JSON cannot hold: too late to refuse it to the app.
                    // A value set in this request still has the form it was accepted in at setAttribute.
                    engine.refused.incrementAndGet();
                    engine.warnOnce("encode:" + a.value.getClass().getName(), key, "attribute '" + a.name
                            + "' (class " + a.value.getClass().getName() + ") could no longer be encoded after an "
                            + "in-place change (" + AttributeCodec.rootMessage(e) + "); "
                            + (a.dirty ? "storing it as it was at setAttribute" : "keeping the stored value"));
                    json = a.json;
                }
                if (json != a.json && json.length > engine.config.maxAttributeSize()) {
                    // In-place growth past the limit: the same bound setAttribute enforces.
                    engine.refused.incrementAndGet();
                    engine.warnOnce("size:" + a.name, key, "attribute '" + a.name + "' grew to " + json.length
                            + " bytes serialized by an in-place change, more than sessionfilter.maxAttributeSize ("
                            + engine.config.maxAttributeSize() + " bytes); " + (a.dirty
                            ? "storing it as it was at setAttribute" : "keeping the stored value"));
                    json = a.json;
                }
                if (json == null) {
                    continue; // read but never encodable, and never set: nothing to write
                }
            }
            if (a.dirty || !Arrays.equals(json, a.original)) {
                toWrite.put(a, json);
            }
        }
        keepWithinSessionSize(toWrite);
        for (Map.Entry<Attr, byte[]> w : toWrite.entrySet()) {
            Attr a = w.getKey();
            set.put(a.field, engine.sealAttribute(key, a.field, a.name, w.getValue(), now));
            a.json = w.getValue();
            a.pristine = null; // changed: the next commit of this request encodes it again
        }
        boolean refresh = !persisted || (touch && now - storedLastAccess >= refreshIntervalMillis());
        if (set.isEmpty() && removedFields.isEmpty() && !metaDirty && !refresh && !principalDirty) {
            return;
        }
        if (metaDirty || !persisted) {
            set.put(SessionKey.META, engine.sealMeta(key, creationTime, maxInactive));
        }
        if (touch) {
            set.put(SessionKey.LAST_ACCESS, engine.sealLastAccess(key, now));
        }
        List<String> remove = new ArrayList<>(removedFields);
        boolean indexed = false;
        if (principalDirty || (!persisted && principal != null)) {
            if (principal != null) {
                set.put(SessionKey.PRINCIPAL, principal.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
                set.put(SessionKey.PRINCIPAL_NAME, engine.sealPrincipalName(key, principalName));
                // Indexed before the session names it: a crash in between leaves an entry that lookups
                // check against the session and drop, never a session its principal cannot find.
                if (engine.config.sessionLimit().enabled()) {
                    try {
                        if (!key.hash().equals(admittedHash)) {
                            evictAfterCommit = engine.admit(principal, key.hash(), null, creationTime);
                        }
                        indexed = true;
                    } catch (dev.sessionfilter.SessionLimitExceededException e) {
                        refusedAtCommit = true;
                        return;
                    }
                } else {
                    indexed = engine.index(principal, key.hash(), creationTime);
                }
            } else {
                remove.add(SessionKey.PRINCIPAL);
                remove.add(SessionKey.PRINCIPAL_NAME);
            }
        }
        boolean ok = engine.store.commit(key, new Delta(!persisted, set, remove, ttl, !touch));
        if (!ok) {
            gone = true; // invalidated or expired meanwhile: invalidate wins
            if (indexed) {
                engine.unindex(principal, key.hash());
            }
            // A first save refused: this id, fresh from this request, was known only to the principal's
            // index, so the limit evicted it. The evicting instance found nothing to end: the events are ours.
            evictedBeforeSave = !persisted && engine.config.sessionLimit().enabled();
            return;
        }
        if (principalDirty && replacedPrincipal != null) {
            engine.unindex(replacedPrincipal, key.hash());
        }
        principalDirty = false;
        replacedPrincipal = null;
        engine.committed.incrementAndGet();
        persisted = true;
        metaDirty = false;
        if (touch) {
            storedLastAccess = now;
        }
        removedFields.clear();
        for (Attr a : attrs.values()) {
            if (a.json != null && (a.dirty || a.decoded)) {
                a.original = a.json;
                a.sealed = null; // no longer what it was opened from
                a.dirty = false;
            }
        }
    }

    /**
     * After {@link #commit()}, outside the session's lock: ends the sessions the per-principal limit evicted;
     * fires this one's events when the limit evicted it before it was ever saved under its id; or ends it when
     * the limit refused it at commit (its admission was lost meanwhile: no call of the app's is left to refuse).
     */
    void afterCommit() {
        List<String> evict;
        boolean refused;
        boolean evicted;
        synchronized (this) {
            evict = evictAfterCommit;
            refused = refusedAtCommit;
            evicted = evictedBeforeSave;
            evictAfterCommit = List.of();
            refusedAtCommit = false;
            evictedBeforeSave = false;
        }
        engine.evict(evict);
        if (evicted) {
            end(false);
            if (onInvalidate != null) {
                onInvalidate.run();
            }
            return;
        }
        if (refused && isValid()) {
            engine.warnOnce("limit", key, "a session whose place in its principal's index was lost meanwhile is past "
                    + "sessionfilter.maxSessionsPerPrincipal (policy refuse); it is invalidated");
            invalidateHere();
        }
    }

    /**
     * Moves the session to a new id. A stored session's old id is retired first (deleted, tombstoned) and
     * only if it still existed is the session written under the new one: an id change racing with an
     * invalidation on another request ends invalid, never resurrected under a fresh id. A crash between the
     * two steps loses the session (the user logs in again); it never leaves the old id alive.
     *
     * @throws IllegalStateException when the session was invalidated or expired meanwhile
     */
    void changeId(String newId) {
        String oldId;
        List<String> evict = List.of();
        synchronized (this) {
            check();
            oldId = key.id();
            SessionKey oldKey = key;
            SessionKey newKey = engine.key(newId);
            boolean limited = principal != null && !gone && engine.config.sessionLimit().enabled();
            if (limited) {
                // The principal's place moves to the new hash in one step, before anything else changes: no
                // other login can take it in between. Not indexed any more (evicted, most likely): the retire
                // below tells; if the session still lives, its commit admits it like a login.
                evict = engine.admit(principal, newKey.hash(), oldKey.hash(), creationTime);
                limited = evict != null;
                evict = limited ? evict : List.of();
                admittedHash = limited ? newKey.hash() : null;
            }
            undecodable.clear(); // carried over as stored: an id change loses nothing
            materializeAll();
            SessionBackend.Ended retired = gone || !persisted ? null : engine.store.retire(oldKey);
            if (gone || (retired != null && !retired.live())) {
                invalid = true;
                gone = true;
                if (limited) {
                    engine.unindex(principal, newKey.hash());
                }
                throw new IllegalStateException("session was invalidated or expired by another request");
            }
            if (retired != null && retired.principal() != null && !(limited && retired.principal().equals(principal))) {
                engine.unindex(retired.principal(), oldKey.hash()); // re-indexed under the new hash at commit
            }
            if (principal != null && principalName == null) {
                // Re-sealed under the new id: its associated data names the session.
                principalName = engine.openPrincipalName(oldKey, stored.get(SessionKey.PRINCIPAL_NAME));
                if (principalName == null) {
                    principal = null;
                }
            }
            replacedPrincipal = null;
            key = newKey;
            for (Attr a : attrs.values()) {
                a.field = newKey.attributeField(a.name);
                a.dirty = true;
                if (a.json == null) {
                    a.json = a.original;
                }
            }
            boolean wasPersisted = persisted;
            stored = Map.of();
            removedFields.clear();
            persisted = false;
            metaDirty = true;
            if (wasPersisted) {
                commit();
            }
        }
        engine.evict(evict);
        afterCommit();
        synchronized (this) {
            if (gone) {
                invalid = true;
                throw new IllegalStateException("session was invalidated by another request (a newer login of the "
                        + "same user past sessionfilter.maxSessionsPerPrincipal)");
            }
        }
        engine.listeners.idChanged(this, oldId);
    }

    /**
     * In-place changes (never refused at setAttribute) that would take the session past
     * {@code maxSessionSize} are not written: the stored values stay, and a warning names each attribute.
     * Values set in this request were checked at setAttribute and are always written.
     */
    private void keepWithinSessionSize(Map<Attr, byte[]> toWrite) {
        boolean inPlace = false;
        for (Attr a : toWrite.keySet()) {
            inPlace |= !a.dirty;
        }
        if (!inPlace) {
            return; // everything here passed checkSize at setAttribute
        }
        long total = serializedSize(null, toWrite);
        long max = engine.config.maxSessionSize();
        for (var it = toWrite.entrySet().iterator(); total > max && it.hasNext(); ) {
            Map.Entry<Attr, byte[]> w = it.next();
            Attr a = w.getKey();
            if (a.dirty) {
                continue;
            }
            byte[] before = a.original;
            total -= w.getValue().length - (before == null ? 0 : before.length);
            it.remove();
            engine.refused.incrementAndGet();
            long t = total;
            engine.warnOnce("sessionSize:" + a.name, key, "attribute '" + a.name + "' was changed in place past "
                    + "sessionfilter.maxSessionSize (" + max + " bytes serialized) and was not saved; the stored "
                    + "value stays (session now about " + t + " bytes)");
        }
    }

    /**
     * The session's serialized size, the attribute in {@code exceptField} left out: the JSON of every
     * attribute this request holds ({@code replacing} overrides it), and for those it never opened an
     * estimate from their sealed size.
     */
    private long serializedSize(String exceptField, Map<Attr, byte[]> replacing) {
        long total = 0;
        Set<String> counted = new HashSet<>();
        for (Attr a : attrs.values()) {
            counted.add(a.field);
            byte[] j = replacing.getOrDefault(a, a.json);
            if (!a.field.equals(exceptField) && j != null) {
                total += j.length;
            }
        }
        for (Map.Entry<String, byte[]> e : stored.entrySet()) {
            String f = e.getKey();
            if (f.startsWith(SessionKey.ATTRIBUTE_PREFIX) && !counted.contains(f) && !f.equals(exceptField)
                    && !removedFields.contains(f)) {
                total += Math.max(0, e.getValue().length - SEAL_OVERHEAD);
            }
        }
        return total;
    }

    /**
     * Milliseconds for the key's expiry: the sooner of idle (counted from {@code lastAccess}) and absolute
     * expiry; 0 = never; -1 = expired.
     */
    private long ttlMillis(long now, long lastAccess) {
        long idle = maxInactive > 0 ? maxInactive * 1000L - (now - lastAccess) : 0;
        if (maxInactive > 0 && idle <= 0) {
            return -1;
        }
        long absMs = engine.config.absoluteTimeout().toMillis();
        long abs = 0;
        if (absMs > 0) {
            abs = creationTime + absMs - now;
            if (abs <= 0) {
                return -1;
            }
        }
        if (idle == 0) {
            return abs;
        }
        return abs == 0 ? idle : Math.min(idle, abs);
    }

    /** Last-access time is rewritten at most once per tenth of the timeout. */
    private long refreshIntervalMillis() {
        long base = maxInactive > 0 ? maxInactive * 1000L : engine.config.absoluteTimeout().toMillis();
        if (base <= 0) {
            base = 3_600_000L;
        }
        return Math.max(1000L, base / 10);
    }

    // ---- internals ---------------------------------------------------------------------------------------

    private void check() {
        if (invalid) {
            throw new IllegalStateException("session has been invalidated");
        }
    }

    private Attr attr(String name) {
        Attr a = attrs.get(name);
        if (a != null) {
            return a;
        }
        String field = key.attributeField(name);
        if (removedFields.contains(field) || undecodable.contains(field)) {
            return null;
        }
        byte[] sealed = stored.get(field);
        if (sealed == null) {
            return null;
        }
        SessionEngine.Opened opened = engine.openAttribute(key, field, sealed, stored);
        if (opened == null || !name.equals(opened.name())) {
            return null;
        }
        a = new Attr(name, field);
        a.original = opened.json();
        a.json = a.original;
        a.sealed = sealed;
        attrs.put(name, a);
        return a;
    }

    private Object value(Attr a) {
        if (!a.decoded && a.json == a.original) {
            Object known = engine.decodedBefore(a.field, a.sealed, stored);
            if (known instanceof PlainValues.Pristine p) {
                // Decoded before: this request gets its own copy, cheaper than parsing the JSON again.
                a.value = PlainValues.copyOf(p.value());
                a.pristine = p.value();
                a.decoded = true;
                return a.value;
            }
            if (known != null) { // an immutable value: shared safely
                a.value = known;
                a.decoded = true;
                return known;
            }
        }
        if (!a.decoded) {
            try {
                a.value = engine.codec.decode(a.json);
                if (!AttributeCodec.immutable(a.value)) {
                    Object copy = PlainValues.copyOf(a.value);
                    if (copy != null) {
                        a.pristine = copy;
                        if (a.json == a.original) {
                            engine.decodedPlain(a.field, a.sealed, stored, copy);
                        }
                    }
                } else if (a.json == a.original) {
                    engine.decodedNow(a.field, a.sealed, stored, a.value);
                }
            } catch (IllegalArgumentException e) {
                // Per class, so a second broken class is not hidden behind the first one's warning.
                String type = engine.codec.typeName(a.json);
                engine.warnOnce("decode:" + type, key, "stored attribute '" + a.name + "'"
                        + (type == null ? "" : " of class " + type) + " could not be decoded ("
                        + e.getMessage() + "); treating it as absent and keeping it in Redis unchanged");
                attrs.remove(a.name);
                undecodable.add(a.field);
                return null;
            }
            a.decoded = true;
            if (a.value instanceof HttpSessionActivationListener l) {
                Listeners.run(() -> l.sessionDidActivate(new HttpSessionEvent(this)));
            }
        }
        return a.value;
    }

    /** Opens every stored attribute (names are only inside the sealed values). */
    private void materializeAll() {
        for (Map.Entry<String, byte[]> e : stored.entrySet()) {
            String field = e.getKey();
            if (!field.startsWith(SessionKey.ATTRIBUTE_PREFIX) || removedFields.contains(field)
                    || undecodable.contains(field)) {
                continue;
            }
            boolean known = false;
            for (Attr a : attrs.values()) {
                if (a.field.equals(field)) {
                    known = true;
                    break;
                }
            }
            if (known) {
                continue;
            }
            SessionEngine.Opened opened = engine.openAttribute(key, field, e.getValue(), stored);
            if (opened == null) {
                continue;
            }
            String name = opened.name();
            if (!field.equals(key.attributeField(name)) || attrs.containsKey(name)) {
                continue;
            }
            Attr a = new Attr(name, field);
            a.original = opened.json();
            a.json = a.original;
            a.sealed = e.getValue();
            attrs.put(name, a);
        }
    }

    /** The old value must be decoded to notify a binding listener or attribute listeners. */
    private boolean needsOldValue(Attr a) {
        if (a.decoded) {
            return true;
        }
        if (engine.listeners.hasAttributeListeners()) {
            return true;
        }
        String type = engine.codec.typeName(a.json);
        if (type == null) {
            return false;
        }
        try {
            Class<?> c = Class.forName(type, false, engine.servletContext == null
                    ? Thread.currentThread().getContextClassLoader() : engine.servletContext.getClassLoader());
            return HttpSessionBindingListener.class.isAssignableFrom(c);
        } catch (ClassNotFoundException | RuntimeException | LinkageError e) {
            return false;
        }
    }

    private void checkSize(String name, int size) {
        if (size > engine.config.maxAttributeSize()) {
            engine.refused.incrementAndGet();
            throw new IllegalArgumentException("sessionfilter: attribute '" + name + "' is " + size
                    + " bytes serialized, more than sessionfilter.maxAttributeSize (" + engine.config.maxAttributeSize()
                    + " bytes)");
        }
        String field = key.attributeField(name);
        long total = size + serializedSize(field, Map.of());
        if (total > engine.config.maxSessionSize()) {
            engine.refused.incrementAndGet();
            throw new IllegalArgumentException("sessionfilter: attribute '" + name + "' would make the session "
                    + total + " bytes serialized, more than sessionfilter.maxSessionSize ("
                    + engine.config.maxSessionSize() + " bytes)");
        }
    }
}

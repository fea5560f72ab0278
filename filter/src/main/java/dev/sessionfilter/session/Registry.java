package dev.sessionfilter.session;

import dev.sessionfilter.SessionRegistry;
import dev.sessionfilter.store.SessionKey;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The {@link SessionRegistry} over one application's engine. */
public final class Registry implements SessionRegistry {
    private final SessionEngine engine;

    public Registry(SessionEngine engine) {
        this.engine = engine;
    }

    @Override
    public Optional<SessionInfo> find(String id) {
        RedisHttpSession s = SessionEngine.wellFormedId(id) ? engine.load(id) : null;
        return s == null ? Optional.empty() : Optional.of(new Info(s, null));
    }

    @Override
    public boolean invalidate(String id) {
        RedisHttpSession s = SessionEngine.wellFormedId(id) ? engine.load(id) : null;
        return s != null && s.invalidateHere();
    }

    @Override
    public List<SessionInfo> sessionsOf(String principal) {
        List<SessionInfo> out = new ArrayList<>();
        for (RedisHttpSession s : sessions(principal)) {
            out.add(new Info(s, principal));
        }
        return out;
    }

    @Override
    public int invalidateAll(String principal) {
        int n = 0;
        for (RedisHttpSession s : sessions(principal)) {
            if (s.invalidateHere()) {
                n++;
            }
        }
        return n;
    }

    /** Every live session in the principal's index under each key of the keyset; entries are checked. */
    private List<RedisHttpSession> sessions(String principal) {
        List<RedisHttpSession> out = new ArrayList<>();
        if (principal == null) {
            return out;
        }
        String ns = engine.config.namespace();
        Set<String> seen = new HashSet<>();
        for (String name : engine.principals.names(principal)) {
            for (String hash : engine.store.principalMembers(ns, name)) {
                if (!seen.add(hash)) {
                    continue;
                }
                SessionKey key = SessionKey.ofHash(ns, hash);
                Map<String, byte[]> fields = engine.store.load(key);
                RedisHttpSession s = fields == null ? null : engine.open(key, fields, false);
                if (s == null) {
                    continue; // ended (its entry goes with it), or being created right now
                }
                if (!name.equals(s.principalIndexName())) {
                    engine.unindex(name, hash); // the session belongs to someone else now
                    continue;
                }
                out.add(s);
            }
        }
        return out;
    }

    private final class Info implements SessionInfo {
        private final RedisHttpSession s;
        private final String id;
        private final long created;
        private final long lastAccess;
        private final int maxInactive;
        private final String principal;

        Info(RedisHttpSession s, String principal) {
            this.s = s;
            this.id = s.getId();
            this.created = s.getCreationTime();
            this.lastAccess = s.storedLastAccess();
            this.maxInactive = s.getMaxInactiveInterval();
            this.principal = principal != null ? principal : s.principalName();
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public long creationTime() {
            return created;
        }

        @Override
        public long lastAccessedTime() {
            return lastAccess;
        }

        @Override
        public int maxInactiveInterval() {
            return maxInactive;
        }

        @Override
        public String principal() {
            return principal;
        }

        @Override
        public Object attribute(String name) {
            synchronized (s) {
                return s.isValid() ? s.getAttribute(name) : null;
            }
        }

        @Override
        public Set<String> attributeNames() {
            synchronized (s) {
                return s.isValid() ? new HashSet<>(Collections.list(s.getAttributeNames())) : Set.of();
            }
        }

        @Override
        public String toString() {
            return "SessionInfo[created=" + created + ", lastAccess=" + lastAccess + ", maxInactive=" + maxInactive + "]";
        }
    }
}

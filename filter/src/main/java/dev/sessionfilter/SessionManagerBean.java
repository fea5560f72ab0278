package dev.sessionfilter;

import dev.sessionfilter.session.SessionEngine;
import dev.sessionfilter.session.SessionStats;
import dev.sessionfilter.store.RedisApi;
import jakarta.servlet.ServletContext;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.System.Logger.Level;
import java.lang.management.ManagementFactory;

/**
 * The session figures of one application on this instance, over JMX under
 * {@code dev.sessionfilter:type=Manager,host=<host>,context=<context path>}, with the attribute names of
 * Tomcat's {@code Catalina:type=Manager} ({@code activeSessions}, {@code sessionCounter},
 * {@code expiredSessions}, {@code rejectedSessions}, {@code sessionMaxAliveTime}...), so dashboards built on
 * those keep working with the domain changed. Counters are this instance's since it started;
 * {@code activeSessions} counts the app's sessions in Redis (every instance's), read when asked.
 * Registered while the engine runs.
 */
final class SessionManagerBean implements javax.management.DynamicMBean {
    private static final System.Logger LOG = System.getLogger(SessionManagerBean.class.getName());

    private final SessionEngine engine;
    private final RedisApi redis;

    private SessionManagerBean(SessionEngine engine, RedisApi redis) {
        this.engine = engine;
        this.redis = redis;
    }

    /** {@code dev.sessionfilter:type=Manager,host=localhost,context=/shop}, as Tomcat names its managers. */
    static ObjectName name(ServletContext context) throws JMException {
        String vs = context.getVirtualServerName();
        String host = vs == null ? "localhost" : vs.substring(vs.lastIndexOf('/') + 1);
        String ctx = context.getContextPath().isEmpty() ? "/" : context.getContextPath();
        return new ObjectName("dev.sessionfilter:type=Manager,host=" + value(host) + ",context=" + value(ctx));
    }

    private static String value(String v) {
        return v.matches("[A-Za-z0-9_./\\-]+") ? v : ObjectName.quote(v);
    }

    /** Registers the bean; null (logged) when JMX refuses, which never stops the app. */
    static ObjectName register(ServletContext context, SessionEngine engine, RedisApi redis) {
        try {
            ObjectName n = name(context);
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            // Taken: Tomcat's parallel deployment (two versions of one context run at once), or two
            // embedded servers in one JVM. The later one gets an instance key rather than hiding the first.
            SessionManagerBean bean = new SessionManagerBean(engine, redis);
            for (int i = 2; ; i++) {
                try {
                    server.registerMBean(bean, n);
                    return n;
                } catch (javax.management.InstanceAlreadyExistsException taken) {
                    n = new ObjectName(name(context) + ",instance=" + i);
                }
            }
        } catch (JMException | RuntimeException e) {
            LOG.log(Level.WARNING, "sessionfilter: the JMX session figures are not available (" + e + ")");
            return null;
        }
    }

    static void unregister(ObjectName n) {
        if (n == null) {
            return;
        }
        try {
            ManagementFactory.getPlatformMBeanServer().unregisterMBean(n);
        } catch (JMException | RuntimeException e) {
            LOG.log(Level.DEBUG, () -> "unregistering " + n + ": " + e);
        }
    }

    private record Attribute(String type, String description, java.util.function.Supplier<Object> value) {
    }

    /** Tomcat's Manager attribute names (lower camel case, as its MBean descriptors spell them), then ours. */
    private java.util.Map<String, Attribute> attributes() {
        java.util.Map<String, Attribute> m = new java.util.LinkedHashMap<>();
        SessionStats st = engine.stats();
        m.put("activeSessions", new Attribute("int", "Sessions of this app in Redis, all instances (estimate; -1: unknown)",
                () -> (int) Math.min(Integer.MAX_VALUE, active())));
        m.put("sessionCounter", new Attribute("long", "Sessions created on this instance", st::created));
        m.put("expiredSessions", new Attribute("long", "Sessions whose expiry this instance notified", () -> {
            var expiry = engine.expiryCounters();
            return expiry == null ? 0L : expiry.notified();
        }));
        m.put("rejectedSessions", new Attribute("int", "Logins refused by sessionfilter.maxSessionsPerPrincipal",
                () -> (int) Math.min(Integer.MAX_VALUE, st.rejected())));
        m.put("sessionMaxAliveTime", new Attribute("int", "Longest life of a session that ended here, in seconds",
                () -> (int) Math.min(Integer.MAX_VALUE, st.maxAliveSeconds())));
        m.put("sessionAverageAliveTime", new Attribute("int", "Mean life of the sessions that ended here, in seconds",
                () -> (int) Math.min(Integer.MAX_VALUE, st.averageAliveSeconds())));
        m.put("maxInactiveInterval", new Attribute("int", "Default idle timeout in seconds (-1: none)", () -> {
            long sec = engine.config().idleTimeout().toSeconds();
            return sec == 0 ? -1 : (int) Math.min(Integer.MAX_VALUE, sec);
        }));
        m.put("invalidatedSessions", new Attribute("long", "Sessions invalidated on this instance", st::invalidated));
        m.put("evictedSessions", new Attribute("long", "Sessions the per-principal limit evicted from this instance",
                st::evicted));
        m.put("maxSessionsPerPrincipal", new Attribute("int", "sessionfilter.maxSessionsPerPrincipal (0: no limit)",
                () -> engine.config().sessionLimit().max()));
        return m;
    }

    private long active() {
        try {
            return redis.figures(engine.config().namespace() + ":s:{").sessionKeys();
        } catch (RuntimeException e) {
            return -1;
        }
    }

    @Override
    public Object getAttribute(String name) throws javax.management.AttributeNotFoundException {
        Attribute a = attributes().get(name);
        if (a == null) {
            throw new javax.management.AttributeNotFoundException(name);
        }
        return a.value().get();
    }

    @Override
    public void setAttribute(javax.management.Attribute attribute) throws javax.management.AttributeNotFoundException {
        throw new javax.management.AttributeNotFoundException(attribute.getName() + " is read-only");
    }

    @Override
    public javax.management.AttributeList getAttributes(String[] names) {
        javax.management.AttributeList out = new javax.management.AttributeList();
        java.util.Map<String, Attribute> all = attributes();
        for (String n : names) {
            Attribute a = all.get(n);
            if (a != null) {
                out.add(new javax.management.Attribute(n, a.value().get()));
            }
        }
        return out;
    }

    @Override
    public javax.management.AttributeList setAttributes(javax.management.AttributeList attributes) {
        return new javax.management.AttributeList(); // all read-only: none set
    }

    @Override
    public Object invoke(String action, Object[] params, String[] signature) throws javax.management.ReflectionException {
        throw new javax.management.ReflectionException(new NoSuchMethodException(action));
    }

    @Override
    public javax.management.MBeanInfo getMBeanInfo() {
        java.util.List<javax.management.MBeanAttributeInfo> infos = new java.util.ArrayList<>();
        attributes().forEach((n, a) -> infos.add(new javax.management.MBeanAttributeInfo(n, a.type(), a.description(),
                true, false, false)));
        return new javax.management.MBeanInfo(SessionManagerBean.class.getName(),
                "sessionfilter: the sessions of one application (Tomcat Manager attribute names)",
                infos.toArray(new javax.management.MBeanAttributeInfo[0]), null, null, null);
    }
}

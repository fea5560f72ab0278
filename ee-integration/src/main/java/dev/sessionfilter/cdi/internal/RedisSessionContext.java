package dev.sessionfilter.cdi.internal;

import dev.sessionfilter.session.ServedRequest;
import jakarta.enterprise.context.ContextNotActiveException;
import jakarta.enterprise.context.spi.AlterableContext;
import jakarta.enterprise.context.spi.Contextual;
import jakarta.enterprise.context.spi.CreationalContext;
import jakarta.enterprise.inject.spi.Bean;
import jakarta.servlet.http.HttpSession;

import java.lang.annotation.Annotation;
import java.lang.System.Logger.Level;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The context of {@link RedisSessionScoped}: active while the session filter serves a request on this
 * thread. Each bean's state is one attribute of that request's Redis session (a map of its fields),
 * restored on first use in a request by making the instance through its injection target (constructor,
 * injection, no {@code @PostConstruct}: the bean was constructed once already) and setting its fields;
 * written back before the session is committed, which stores it only when its encoding changed. One
 * instance per bean and request, so identity is stable within a request.
 */
public final class RedisSessionContext implements AlterableContext {
    static final String ATTRIBUTE_PREFIX = "dev.sessionfilter.cdi.bean:";
    private static final System.Logger LOG = System.getLogger("dev.sessionfilter.cdi");

    private final SessionFilterExtension extension;

    RedisSessionContext(SessionFilterExtension extension) {
        this.extension = extension;
    }

    @Override
    public Class<? extends Annotation> getScope() {
        return RedisSessionScoped.class;
    }

    @Override
    public boolean isActive() {
        return ServedRequest.current() != null;
    }

    @Override
    public <T> T get(Contextual<T> contextual, CreationalContext<T> creationalContext) {
        return beans().get((Bean<T>) contextual, creationalContext);
    }

    @Override
    public <T> T get(Contextual<T> contextual) {
        return beans().get((Bean<T>) contextual, null);
    }

    @Override
    public void destroy(Contextual<?> contextual) {
        beans().destroy((Bean<?>) contextual);
    }

    private RequestBeans beans() {
        ServedRequest r = ServedRequest.current();
        if (r == null) {
            throw new ContextNotActiveException("@SessionScoped beans (kept in the Redis session by sessionfilter) "
                    + "are available while the SessionFilter serves a request; this thread is not inside its chain "
                    + "(an excluded path, a thread of your own, or no SessionFilter mapped)");
        }
        return r.beforeCommit(this, () -> new RequestBeans(r));
    }

    /**
     * The session ends (invalidated or expired): every stored bean of it is destroyed once, with its state
     * ({@code @PreDestroy} runs). Called by the session filter while the attributes are still readable.
     */
    void destroyAll(HttpSession session) {
        ServedRequest r = ServedRequest.current();
        RequestBeans live = r == null ? null : r.beforeCommit(this, () -> new RequestBeans(r));
        for (Map.Entry<Bean<?>, SessionFilterExtension.SessionBean> e : extension.sessionBeans().entrySet()) {
            Instance<?> inst = live == null ? null : live.take(e.getKey(), session);
            if (inst == null) {
                Object stored = session.getAttribute(e.getValue().state().attribute());
                if (!(stored instanceof Map<?, ?> state)) {
                    continue;
                }
                inst = restore(e.getKey(), e.getValue(), state, null);
            }
            inst.destroy();
        }
    }

    private <T> Instance<T> restore(Bean<T> bean, SessionFilterExtension.SessionBean sb, Map<?, ?> state,
                                    CreationalContext<T> cc) {
        CreationalContext<T> c = cc != null ? cc : extension.beanManager().createCreationalContext(bean);
        @SuppressWarnings("unchecked")
        jakarta.enterprise.inject.spi.InjectionTarget<T> it = (jakarta.enterprise.inject.spi.InjectionTarget<T>) sb.target();
        T instance = it.produce(c);
        it.inject(instance, c);
        List<String> misfits = sb.state().write(instance, state);
        if (!misfits.isEmpty()) {
            LOG.log(Level.WARNING, () -> "@SessionScoped bean " + bean.getBeanClass().getName() + ": stored field(s) "
                    + misfits + " no longer fit their declared type; they keep their initial values");
        }
        return new Instance<>(bean, instance, c, state);
    }

    /** One bean instance of this request, with the state map it was restored from (null for a new one). */
    private static final class Instance<T> {
        final Bean<T> bean;
        final T instance;
        final CreationalContext<T> cc;
        Map<?, ?> stored;
        HttpSession session;

        Instance(Bean<T> bean, T instance, CreationalContext<T> cc, Map<?, ?> stored) {
            this.bean = bean;
            this.instance = instance;
            this.cc = cc;
            this.stored = stored;
        }

        void destroy() {
            try {
                bean.destroy(instance, cc);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "@PreDestroy of " + bean.getBeanClass().getName() + " failed", e);
            }
        }
    }

    /** The beans one request uses; runs before each commit of its session to write changed state back. */
    private final class RequestBeans implements Runnable {
        private final ServedRequest request;
        private final Map<Bean<?>, Instance<?>> live = new HashMap<>();

        RequestBeans(ServedRequest request) {
            this.request = request;
        }

        synchronized <T> T get(Bean<T> bean, CreationalContext<T> cc) {
            HttpSession session = request.session(false);
            @SuppressWarnings("unchecked")
            Instance<T> known = (Instance<T>) live.get(bean);
            if (known != null && known.session == session && session != null) {
                return known.instance;
            }
            live.remove(bean);
            SessionFilterExtension.SessionBean sb = extension.sessionBeans().get(bean);
            if (session != null) {
                Object stored = session.getAttribute(sb.state().attribute());
                if (stored instanceof Map<?, ?> state) {
                    Instance<T> restored = restore(bean, sb, state, cc);
                    restored.session = session;
                    live.put(bean, restored);
                    return restored.instance;
                }
            }
            if (cc == null) {
                return null;
            }
            session = request.session(true);
            Instance<T> created = new Instance<>(bean, bean.create(cc), cc, null);
            created.session = session;
            live.put(bean, created);
            return created.instance;
        }

        synchronized Instance<?> take(Bean<?> bean, HttpSession session) {
            Instance<?> i = live.get(bean);
            if (i == null || i.session != session) {
                return null;
            }
            live.remove(bean);
            return i;
        }

        synchronized void destroy(Bean<?> bean) {
            Instance<?> i = live.remove(bean);
            HttpSession session = request.session(false);
            if (session != null) {
                SessionFilterExtension.SessionBean sb = extension.sessionBeans().get(bean);
                if (i == null && session.getAttribute(sb.state().attribute()) instanceof Map<?, ?> state) {
                    i = restore(bean, sb, state, null);
                }
                session.removeAttribute(sb.state().attribute());
            }
            if (i != null) {
                i.destroy();
            }
        }

        /** Before commit: each bean's fields into its attribute; the filter writes only what encodes differently. */
        @Override
        public synchronized void run() {
            HttpSession current = request.session(false);
            for (Instance<?> i : live.values()) {
                if (i.session != current || current == null) {
                    continue; // its session was invalidated in this request
                }
                BeanState st = extension.sessionBeans().get(i.bean).state();
                Map<String, Object> state = st.read(i.instance);
                try {
                    if (i.stored == null) {
                        current.setAttribute(st.attribute(), state);
                        i.stored = state;
                    } else if (!state.equals(i.stored)) {
                        @SuppressWarnings("unchecked")
                        Map<Object, Object> m = (Map<Object, Object>) i.stored;
                        m.clear();
                        m.putAll(state); // in place: the filter re-encodes what it handed out and compares
                    }
                } catch (IllegalArgumentException | IllegalStateException e) {
                    LOG.log(Level.WARNING, () -> "@SessionScoped bean " + i.bean.getBeanClass().getName()
                            + ": state not stored: " + e.getMessage());
                }
            }
        }
    }
}

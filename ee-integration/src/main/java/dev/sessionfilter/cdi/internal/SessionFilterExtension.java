package dev.sessionfilter.cdi.internal;

import dev.sessionfilter.cdi.KeepInContainerSession;
import dev.sessionfilter.cdi.RateLimited;
import dev.sessionfilter.cdi.SessionEvent;
import dev.sessionfilter.ratelimit.ClientKeys;
import dev.sessionfilter.ratelimit.Limit;
import dev.sessionfilter.session.SessionEngine;
import jakarta.enterprise.context.SessionScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.spi.AfterBeanDiscovery;
import jakarta.enterprise.inject.spi.AfterDeploymentValidation;
import jakarta.enterprise.inject.spi.Annotated;
import jakarta.enterprise.inject.spi.AnnotatedMethod;
import jakarta.enterprise.inject.spi.AnnotatedType;
import jakarta.enterprise.inject.spi.Bean;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.enterprise.inject.spi.BeforeBeanDiscovery;
import jakarta.enterprise.inject.spi.DefinitionException;
import jakarta.enterprise.inject.spi.DeploymentException;
import jakarta.enterprise.inject.spi.Extension;
import jakarta.enterprise.inject.spi.InjectionTarget;
import jakarta.enterprise.inject.spi.ProcessBeanAttributes;
import jakarta.enterprise.inject.spi.ProcessInjectionTarget;
import jakarta.enterprise.inject.spi.ProcessManagedBean;
import jakarta.enterprise.inject.spi.ProcessObserverMethod;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;

import java.lang.System.Logger.Level;
import java.lang.reflect.Method;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;

/**
 * The CDI side of sessionfilter, found through {@code META-INF/services}: registers the injectable beans and
 * the {@code @RateLimited} interceptor (whatever the application's discovery mode), moves
 * {@code @SessionScoped} beans to the Redis-backed {@link RedisSessionScoped}, checks settings, limit strings
 * and bean state at deployment, and bridges session events once the servlet context starts.
 */
public final class SessionFilterExtension implements Extension {
    private static final System.Logger LOG = System.getLogger("dev.sessionfilter.cdi");

    /** A {@code @RateLimited} method, parsed at deployment. */
    record Rule(String scope, List<Limit> limits, String key) {
    }

    private final Map<Class<?>, InjectionTarget<?>> targets = new HashMap<>();
    private final Set<Class<?>> moved = new CopyOnWriteArraySet<>();
    /** A bean moved to the Redis session: what of it is stored, and how to make an instance to restore into. */
    record SessionBean(BeanState state, InjectionTarget<?> target) {
    }

    private final Map<Bean<?>, SessionBean> sessionBeans = new ConcurrentHashMap<>();
    private final Map<Method, Rule> rules = new ConcurrentHashMap<>();
    private final Set<Class<?>> syncObserved = new CopyOnWriteArraySet<>();
    private final Set<Class<?>> asyncObserved = new CopyOnWriteArraySet<>();
    private volatile BeanManager beanManager;
    private volatile RedisSessionContext context;
    private volatile AppRuntime runtime;
    private EventBridge bridge;

    void registerBeans(@Observes BeforeBeanDiscovery bbd, BeanManager bm) {
        ClassLoader app = Thread.currentThread().getContextClassLoader();
        if (MicroProfileConfig.present(app)) {
            try {
                MicroProfileConfig.register(app);
            } catch (RuntimeException | LinkageError e) {
                LOG.log(Level.WARNING, "sessionfilter: MicroProfile Config is present but not usable here ("
                        + e + "); settings come from the other sources");
            }
        }
        for (Class<?> c : new Class<?>[] {Beans.Store.class, Beans.Limiter.class, Beans.Health.class,
                RateLimitInterceptor.class}) {
            bbd.addAnnotatedType(bm.createAnnotatedType(c), "sessionfilter-" + c.getName());
        }
    }

    <T> void rememberInjectionTarget(@Observes ProcessInjectionTarget<T> pit) {
        synchronized (targets) {
            targets.put(pit.getAnnotatedType().getJavaClass(), pit.getInjectionTarget());
        }
    }

    <T> void moveSessionScoped(@Observes ProcessBeanAttributes<T> pba) {
        Annotated a = pba.getAnnotated();
        if (pba.getBeanAttributes().getScope() == SessionScoped.class && a instanceof AnnotatedType<?> t
                && !t.isAnnotationPresent(KeepInContainerSession.class)) {
            pba.configureBeanAttributes().scope(RedisSessionScoped.class);
            moved.add(t.getJavaClass());
        }
    }

    <T> void checkBean(@Observes ProcessManagedBean<T> pmb) {
        AnnotatedType<T> type = pmb.getAnnotatedBeanClass();
        // An interceptor's own binding (ours: @RateLimited("")) binds nothing to its methods.
        RateLimited onClass = type.isAnnotationPresent(jakarta.interceptor.Interceptor.class) ? null
                : type.getAnnotation(RateLimited.class);
        for (AnnotatedMethod<? super T> m : type.getMethods()) {
            RateLimited rl = m.getAnnotation(RateLimited.class);
            if (rl == null && onClass != null && m.getJavaMember().getDeclaringClass() == type.getJavaClass()) {
                rl = onClass;
            }
            if (rl != null) {
                rule(m.getJavaMember(), rl, pmb::addDefinitionError);
            }
        }
        Bean<T> bean = pmb.getBean();
        if (bean.getScope() == RedisSessionScoped.class) {
            List<String> problems = new ArrayList<>();
            BeanState st = BeanState.of(type.getJavaClass(), problems);
            problems.forEach(p -> pmb.addDefinitionError(new DefinitionException(p)));
            if (st != null) {
                synchronized (targets) {
                    sessionBeans.put(bean, new SessionBean(st, targets.get(type.getJavaClass())));
                }
            }
        }
    }

    private void rule(Method m, RateLimited rl, java.util.function.Consumer<Throwable> error) {
        String where = m.getDeclaringClass().getName() + "." + m.getName();
        List<Limit> limits;
        try {
            limits = Limit.parse(rl.value());
        } catch (IllegalArgumentException e) {
            error.accept(new DefinitionException("@RateLimited(\"" + rl.value() + "\") on " + where
                    + " does not parse; expected " + Limit.SYNTAX));
            return;
        }
        if (ClientKeys.parse(rl.key(), List.of()) == null) {
            error.accept(new DefinitionException("@RateLimited(key = \"" + rl.key() + "\") on " + where
                    + " is not a key; expected ip, session, principal or header:NAME"));
            return;
        }
        String scope = rl.name().isEmpty() ? m.getDeclaringClass().getSimpleName() + "." + m.getName() : rl.name();
        rules.put(m, new Rule(scope, limits, rl.key()));
    }

    <T, X> void noteObserver(@Observes ProcessObserverMethod<T, X> pom) {
        Type t = pom.getObserverMethod().getObservedType();
        if (t instanceof Class<?> c && SessionEvent.class.isAssignableFrom(c)) {
            (pom.getObserverMethod().isAsync() ? asyncObserved : syncObserved).add(c);
        }
    }

    void addContext(@Observes AfterBeanDiscovery abd, BeanManager bm) {
        beanManager = bm;
        context = new RedisSessionContext(this);
        abd.addContext(context);
        synchronized (targets) {
            targets.clear();
        }
    }

    void validate(@Observes AfterDeploymentValidation adv) {
        String problem = DeployedWebXml.problems(Thread.currentThread().getContextClassLoader());
        if (problem != null) {
            adv.addDeploymentProblem(new DeploymentException(problem));
        }
        if (!moved.isEmpty()) {
            LOG.log(Level.INFO, () -> "sessionfilter: @SessionScoped beans kept in the Redis session: "
                    + moved.stream().map(Class::getName).sorted().toList());
        }
    }

    /** With the servlet context (see {@link Startup}); {@code declared} is the SessionFilter, or null. */
    synchronized void start(ServletContext servletContext, jakarta.servlet.FilterRegistration declared)
            throws ServletException {
        if (runtime != null) {
            return;
        }
        AppRuntime r = AppRuntime.start(servletContext, declared);
        SessionEngine engine = r.engine();
        if (engine != null) {
            for (SessionBean sb : sessionBeans.values()) {
                sb.state().valueClasses().forEach(engine::allowValueClass);
            }
            bridge = new EventBridge(this);
            engine.listeners().add(bridge);
        } else if (!sessionBeans.isEmpty()) {
            LOG.log(Level.WARNING, "sessionfilter: no SessionFilter is declared in web.xml, so @SessionScoped beans "
                    + "cannot be kept in Redis and fail with ContextNotActiveException; declare the filter");
        }
        runtime = r;
    }

    synchronized void stop() {
        AppRuntime r = runtime;
        if (r != null) {
            runtime = null;
            if (bridge != null && r.engine() != null) {
                r.engine().listeners().remove(bridge);
            }
            r.stop();
        }
    }

    // ---- for the beans and the context -------------------------------------------------------------------

    AppRuntime runtime() {
        AppRuntime r = runtime;
        if (r == null) {
            throw new IllegalStateException("sessionfilter: the servlet context has not started (or has stopped)");
        }
        return r;
    }

    BeanManager beanManager() {
        return beanManager;
    }

    RedisSessionContext context() {
        return context;
    }

    Map<Bean<?>, SessionBean> sessionBeans() {
        return sessionBeans;
    }

    boolean observed(Class<?> kind, boolean async) {
        for (Class<?> c : async ? asyncObserved : syncObserved) {
            if (c.isAssignableFrom(kind)) {
                return true;
            }
        }
        return false;
    }

    Rule rule(Method m) {
        Rule r = rules.get(m);
        if (r == null) {
            // Bound some other way (a stereotype, an annotation added by another extension): parse it now.
            RateLimited rl = m.getAnnotation(RateLimited.class);
            if (rl == null) {
                rl = m.getDeclaringClass().getAnnotation(RateLimited.class);
            }
            if (rl == null) {
                throw new IllegalStateException("sessionfilter: no @RateLimited found on " + m);
            }
            rule(m, rl, e -> {
                throw new IllegalArgumentException(e.getMessage());
            });
            r = rules.get(m);
        }
        return r;
    }
}

package dev.sessionfilter.cdi.internal;

import dev.sessionfilter.cdi.RateLimitExceededException;
import dev.sessionfilter.cdi.RateLimitResult;
import dev.sessionfilter.cdi.RateLimited;
import dev.sessionfilter.session.ServedRequest;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ContextNotActiveException;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.inject.Inject;
import jakarta.interceptor.AroundInvoke;
import jakarta.interceptor.Interceptor;
import jakarta.interceptor.InvocationContext;
import jakarta.servlet.http.HttpServletRequest;

import java.io.Serializable;

/** Enforces {@link RateLimited}: counts the call in Redis, and refuses it with the exception when over. */
@RateLimited("")
@Interceptor
@Priority(Interceptor.Priority.LIBRARY_BEFORE + 100)
public class RateLimitInterceptor implements Serializable {
    private static final long serialVersionUID = 1L;

    @Inject
    BeanManager beanManager;

    @Inject
    Instance<HttpServletRequest> requests;

    @AroundInvoke
    public Object limit(InvocationContext ic) throws Exception {
        SessionFilterExtension extension = beanManager.getExtension(SessionFilterExtension.class);
        SessionFilterExtension.Rule rule = extension.rule(ic.getMethod());
        String key = keyOf(extension, rule);
        RateLimitResult r = extension.runtime().decide(rule.scope(), key, rule.limits());
        if (!r.allowed()) {
            throw new RateLimitExceededException("Rate limit " + r.limits().get(0).name() + " of " + rule.scope()
                    + " exceeded; retry in " + r.retryAfterSeconds() + " s", r);
        }
        return ic.proceed();
    }

    private String keyOf(SessionFilterExtension extension, SessionFilterExtension.Rule rule) {
        ServedRequest served = ServedRequest.current();
        HttpServletRequest req = served != null ? served.request() : null;
        if (req == null) {
            try {
                req = requests.get();
                req.getMethod(); // the built-in bean is a proxy: this fails outside a request
            } catch (ContextNotActiveException | IllegalStateException | jakarta.enterprise.inject.UnsatisfiedResolutionException e) {
                return "global"; // not an HTTP request: one count for all callers
            }
        }
        return extension.runtime().keys(rule.key()).keyOf(req);
    }
}

package dev.sessionfilter;

import jakarta.servlet.FilterConfig;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.Registration;
import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletContainerInitializer;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRegistration;

import java.util.Collections;
import java.util.Enumeration;
import java.util.Map;
import java.util.Set;

/**
 * Checks the settings of every sessionfilter component the application declares while it is being
 * deployed, so a bad setting fails the deployment on every container. Tomcat initializes filters at
 * start anyway; WildFly (Undertow) initializes them at their first request, which would otherwise turn a
 * typo into a deployed application answering 500. Found through {@code META-INF/services}; nothing to
 * configure, and it never connects to Redis.
 */
public final class StartupCheck implements ServletContainerInitializer {

    @Override
    public void onStartup(Set<Class<?>> classes, ServletContext context) throws ServletException {
        for (FilterRegistration f : context.getFilterRegistrations().values()) {
            if (SessionFilter.class.getName().equals(f.getClassName())) {
                SessionFilter.prepare(new Declared(f, context));
            } else if (RateLimitFilter.class.getName().equals(f.getClassName())) {
                RateLimitFilter.prepare(new Declared(f, context));
            }
        }
        for (ServletRegistration s : context.getServletRegistrations().values()) {
            if (HealthServlet.class.getName().equals(s.getClassName())) {
                HealthServlet.prepare(new Declared(s, context));
            }
        }
    }

    static Declared declared(Registration registration, ServletContext context) {
        return new Declared(registration, context);
    }

    /** A component as web.xml declares it, seen the way its init() will see it. */
    private record Declared(Registration registration, ServletContext context) implements FilterConfig, ServletConfig {
        @Override
        public String getFilterName() {
            return registration.getName();
        }

        @Override
        public String getServletName() {
            return registration.getName();
        }

        @Override
        public ServletContext getServletContext() {
            return context;
        }

        @Override
        public String getInitParameter(String name) {
            return registration.getInitParameter(name);
        }

        @Override
        public Enumeration<String> getInitParameterNames() {
            Map<String, String> params = registration.getInitParameters();
            return Collections.enumeration(params == null ? Set.of() : params.keySet());
        }
    }
}

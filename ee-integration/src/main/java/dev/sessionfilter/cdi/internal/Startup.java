package dev.sessionfilter.cdi.internal;

import dev.sessionfilter.SessionFilter;
import jakarta.enterprise.inject.spi.CDI;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContainerInitializer;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.ServletException;

import java.lang.System.Logger.Level;
import java.util.Set;

/**
 * Starts the CDI side with the servlet context: before any filter's init() (WildFly initializes filters
 * at their first request, yet CDI beans may be used, and sessions may expire, before that), and after CDI
 * is up. The SessionFilter declaration is read here, where every container allows it.
 */
public final class Startup implements ServletContainerInitializer {
    private static final System.Logger LOG = System.getLogger("dev.sessionfilter.cdi");

    @Override
    public void onStartup(Set<Class<?>> classes, ServletContext context) {
        try {
            Class.forName("jakarta.enterprise.inject.spi.CDI", false, context.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            // A WAR made for both kinds of container (our sample on plain Tomcat): nothing to integrate.
            LOG.log(Level.INFO, "sessionfilter-ee: this container has no CDI; the CDI integration stays off");
            return;
        }
        FilterRegistration declared = null;
        for (FilterRegistration f : context.getFilterRegistrations().values()) {
            if (SessionFilter.class.getName().equals(f.getClassName())) {
                declared = f;
                break;
            }
        }
        context.addListener(new Listener(declared));
    }

    private static final class Listener implements ServletContextListener {
        private final FilterRegistration declared;
        private SessionFilterExtension extension;

        Listener(FilterRegistration declared) {
            this.declared = declared;
        }

        @Override
        public void contextInitialized(ServletContextEvent sce) {
            try {
                extension = CDI.current().getBeanManager().getExtension(SessionFilterExtension.class);
            } catch (IllegalStateException | IllegalArgumentException e) {
                LOG.log(Level.INFO, "sessionfilter-ee: CDI is not active for this application (" + e.getMessage()
                        + "); the CDI integration stays off");
                return;
            }
            try {
                extension.start(sce.getServletContext(), declared);
            } catch (ServletException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        }

        @Override
        public void contextDestroyed(ServletContextEvent sce) {
            if (extension != null) {
                extension.stop();
            }
        }
    }
}

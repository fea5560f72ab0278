package dev.sessionfilter;

import dev.sessionfilter.config.ConfigReader;
import dev.sessionfilter.config.ConfigSources;
import dev.sessionfilter.config.SessionConfig;
import dev.sessionfilter.config.Setting;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;

import java.lang.System.Logger.Level;
import java.util.Collections;
import java.util.Enumeration;
import java.util.function.Function;

/**
 * The one path every component (session filter, rate-limit filters, health servlet) reads its settings
 * by, at deployment ({@link StartupCheck}) and in init(): the documented lookup chain over its own
 * init-params and the context-params, the namespace, and one failure naming every bad setting.
 */
final class Components {
    private static final System.Logger LOG = System.getLogger("dev.sessionfilter");

    private Components() {
    }

    static ConfigReader settings(ServletContext context, Function<String, String> initParam,
                                 Enumeration<String> initParamNames) {
        return new ConfigReader(ConfigSources.of(initParam::apply, Collections.list(initParamNames),
                context::getInitParameter, Collections.list(context.getInitParameterNames())));
    }

    /** The configured namespace, or the one derived from the context path (as the session filter's). */
    static String namespace(ConfigReader r, ServletContext context) {
        String ns = r.string(Setting.NAMESPACE);
        return ns != null ? ns : SessionConfig.defaultNamespace(context.getContextPath());
    }

    /**
     * Fails with one message naming every bad setting (logged too, as some containers only say "failed").
     *
     * @param component how the message names the component, e.g. "rate-limit filter 'login'"; null for none
     */
    static void checked(ConfigReader r, String component) throws ServletException {
        try {
            r.throwIfProblems();
        } catch (RuntimeException e) {
            String msg = component == null ? e.getMessage() : e.getMessage().replace(
                    "sessionfilter: invalid configuration", "sessionfilter: invalid configuration of " + component);
            LOG.log(Level.ERROR, msg);
            throw new ServletException(msg, e);
        }
    }
}

package dev.sessionfilter.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * The lookup chain of the spec, first hit wins: system property, environment variable, MicroProfile Config
 * (when sessionfilter-ee found it), the component's own init-param, the web.xml context-param, the default.
 */
public final class ConfigSources {
    /**
     * A source between the environment and the init-params: MicroProfile Config, registered by
     * sessionfilter-ee when the application has it. Static, as the classes of sessionfilter.jar belong to
     * one application (WEB-INF/lib).
     */
    public interface Extra {
        /** How messages name a value from it, e.g. "MicroProfile Config property". */
        String kind();

        String get(String name);

        Iterable<String> names();
    }

    private static volatile Extra extraSource;

    /** Internal, for sessionfilter-ee. */
    public static void useExtra(Extra source) {
        extraSource = source;
    }

    private final Extra extra = extraSource;
    private final Map<String, String> systemProperties;
    private final Map<String, String> environment;
    private final Function<String, String> initParams;
    private final Iterable<String> initParamNames;
    private final Function<String, String> contextParams;
    private final Iterable<String> contextParamNames;

    public ConfigSources(Map<String, String> systemProperties, Map<String, String> environment,
                         Function<String, String> initParams, Iterable<String> initParamNames,
                         Function<String, String> contextParams, Iterable<String> contextParamNames) {
        this.systemProperties = Objects.requireNonNull(systemProperties);
        this.environment = Objects.requireNonNull(environment);
        this.initParams = Objects.requireNonNull(initParams);
        this.initParamNames = Objects.requireNonNull(initParamNames);
        this.contextParams = Objects.requireNonNull(contextParams);
        this.contextParamNames = Objects.requireNonNull(contextParamNames);
    }

    /** Sources for a component: the JVM's properties and environment, plus the given params. */
    public static ConfigSources of(Function<String, String> initParams, Iterable<String> initParamNames,
                                   Function<String, String> contextParams, Iterable<String> contextParamNames) {
        Map<String, String> props = new java.util.HashMap<>();
        for (String name : System.getProperties().stringPropertyNames()) {
            if (name.startsWith(Setting.PREFIX)) {
                props.put(name, System.getProperty(name));
            }
        }
        return new ConfigSources(props, System.getenv(), initParams, initParamNames, contextParams, contextParamNames);
    }

    /** The raw value of a setting and where it came from, or null when no source sets it. */
    Found find(Setting setting) {
        String v = systemProperties.get(setting.key());
        if (v != null) {
            return new Found(v, "system property " + setting.key());
        }
        v = environment.get(setting.envName());
        if (v != null) {
            return new Found(v, "environment variable " + setting.envName());
        }
        if (extra != null) {
            v = extra.get(setting.key());
            if (v != null) {
                return new Found(v, extra.kind() + " " + setting.key());
            }
        }
        v = initParams.apply(setting.key());
        if (v != null) {
            return new Found(v, "init-param " + setting.key());
        }
        v = contextParams.apply(setting.key());
        if (v != null) {
            return new Found(v, "context-param " + setting.key());
        }
        return null;
    }

    /** Every {@code sessionfilter.*} name (or {@code SESSIONFILTER_*} variable) that matches no setting. */
    List<String> unknownNames() {
        List<String> unknown = new ArrayList<>();
        for (String name : systemProperties.keySet()) {
            if (name.startsWith(Setting.PREFIX) && Setting.byName(name) == null) {
                unknown.add("system property " + name);
            }
        }
        for (String name : environment.keySet()) {
            if (name.startsWith(Setting.ENV_PREFIX) && Setting.byEnvName(name) == null) {
                unknown.add("environment variable " + name);
            }
        }
        if (extra != null) {
            for (String name : extra.names()) {
                // Its system properties and environment variables are reported as such above.
                if (name.startsWith(Setting.PREFIX) && Setting.byName(name) == null && !systemProperties.containsKey(name)) {
                    unknown.add(extra.kind() + " " + name);
                }
            }
        }
        for (String name : initParamNames) {
            if (name.startsWith(Setting.PREFIX) && Setting.byName(name) == null) {
                unknown.add("init-param " + name);
            }
        }
        for (String name : contextParamNames) {
            if (name.startsWith(Setting.PREFIX) && Setting.byName(name) == null) {
                unknown.add("context-param " + name);
            }
        }
        Collections.sort(unknown);
        return unknown;
    }

    record Found(String value, String source) {
    }
}

package dev.sessionfilter.cdi.internal;

import dev.sessionfilter.config.ConfigSources;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * The application's MicroProfile Config as a sessionfilter settings source (same names). Loaded only
 * after {@link #present} said the API is there, so applications without it never see its types.
 */
final class MicroProfileConfig implements ConfigSources.Extra {
    private static final String API = "org.eclipse.microprofile.config.ConfigProvider";
    private final Config config;

    private MicroProfileConfig(Config config) {
        this.config = config;
    }

    static boolean present(ClassLoader loader) {
        try {
            Class.forName(API, false, loader);
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** Registers the application's config with the filter's lookup chain. */
    static void register(ClassLoader loader) {
        ConfigSources.useExtra(new MicroProfileConfig(ConfigProvider.getConfig(loader)));
    }

    @Override
    public String kind() {
        return "MicroProfile Config property";
    }

    @Override
    public String get(String name) {
        return config.getOptionalValue(name, String.class).orElse(null);
    }

    @Override
    public Iterable<String> names() {
        return config.getPropertyNames();
    }
}

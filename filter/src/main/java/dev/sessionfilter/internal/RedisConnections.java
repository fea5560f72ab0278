package dev.sessionfilter.internal;

import dev.sessionfilter.config.RedisConfig;
import dev.sessionfilter.store.JedisRedisApi;
import dev.sessionfilter.store.RedisApi;
import jakarta.servlet.ServletContext;


/**
 * Internal use only. One Redis connection pool per application, shared by every sessionfilter component of
 * it (session filter, rate-limit filters, health servlet), counted so the last one to stop closes it.
 */
public final class RedisConnections {
    private static final String ATTRIBUTE = RedisConnections.class.getName();

    private RedisConnections() {
    }

    /** The application's shared Redis client, created on first use. */
    public static RedisApi acquire(ServletContext context, RedisConfig config) {
        synchronized (context) {
            Shared s = (Shared) context.getAttribute(ATTRIBUTE);
            if (s == null) {
                s = new Shared(config, new JedisRedisApi(config));
                context.setAttribute(ATTRIBUTE, s);
            } else if (!s.config.equals(config)) {
                throw new IllegalStateException("sessionfilter: Redis settings differ between components of one "
                        + "application; set them once as context-params");
            }
            s.users++;
            return s.api;
        }
    }

    public static void release(ServletContext context) {
        synchronized (context) {
            Shared s = (Shared) context.getAttribute(ATTRIBUTE);
            if (s != null && --s.users == 0) {
                context.removeAttribute(ATTRIBUTE);
                s.api.close();
            }
        }
    }

    private static final class Shared {
        final RedisConfig config;
        final RedisApi api;
        int users;

        Shared(RedisConfig config, RedisApi api) {
            this.config = config;
            this.api = api;
        }
    }

}

package dev.sessionfilter.testing;

import dev.sessionfilter.SessionFilter;
import dev.sessionfilter.crypto.Keysets;

import java.security.GeneralSecurityException;
import java.util.Map;

/** The test application: SessionFilter on /*, {@link OpsServlet} on /ops/*, an error page. */
public final class TestApps {
    private TestApps() {
    }

    public static String newKeyset() {
        try {
            return Keysets.toJson(Keysets.generate());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Not started: add params, then {@link EmbeddedTomcat#start()}. */
    public static EmbeddedTomcat app(String redisUrl, String keyset) {
        EmbeddedTomcat app = new EmbeddedTomcat("/app").param("sessionfilter.redis.url", redisUrl);
        if (keyset != null) {
            app.param("sessionfilter.keyset", keyset);
        }
        return app.filter("sessions", new SessionFilter(), Map.of())
                .servlet("ops", new OpsServlet(), "/ops/*")
                .errorPage(IllegalStateException.class, "/ops/error-page");
    }

    /** A container login stand-in: {@code getRemoteUser()} answers the request's X-Test-User header. */
    public static jakarta.servlet.Filter remoteUserFromHeader() {
        return (req, resp, chain) -> {
            String user = ((jakarta.servlet.http.HttpServletRequest) req).getHeader("X-Test-User");
            chain.doFilter(user == null ? req : new jakarta.servlet.http.HttpServletRequestWrapper(
                    (jakarta.servlet.http.HttpServletRequest) req) {
                @Override
                public String getRemoteUser() {
                    return user;
                }
            }, resp);
        };
    }
}

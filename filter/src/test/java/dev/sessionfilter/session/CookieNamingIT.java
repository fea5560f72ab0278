package dev.sessionfilter.session;

import dev.sessionfilter.SessionFilter;
import dev.sessionfilter.testing.Browser;
import dev.sessionfilter.testing.EmbeddedTomcat;
import dev.sessionfilter.testing.OpsServlet;
import dev.sessionfilter.testing.RedisProcess;
import dev.sessionfilter.testing.RedisServers;
import dev.sessionfilter.testing.TestApps;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Secure cookies on the root path get the __Host- prefix; SameSite and Path follow the settings. */
class CookieNamingIT {

    @Test
    void secureRootCookie_isHostPrefixed() {
        try (RedisProcess redis = RedisServers.standalone();
             EmbeddedTomcat app = new EmbeddedTomcat("")
                     .param("sessionfilter.redis.url", redis.url())
                     .param("sessionfilter.keyset", TestApps.newKeyset())
                     .param("sessionfilter.cookie.secure", "true")
                     .param("sessionfilter.cookie.sameSite", "Strict")
                     .filter("sessions", new SessionFilter(), Map.of())
                     .servlet("ops", new OpsServlet(), "/ops/*").start()) {
            Browser b = new Browser();
            Browser.Response r = b.get(app.url("/ops/set?n=user&v=ann"));
            String c = r.setCookies().get(0);
            assertTrue(c.startsWith("__Host-SESSION="), c);
            assertTrue(c.contains("; Path=/;") && c.contains("; Secure") && c.contains("SameSite=Strict")
                    && !c.contains("Domain"), c);
            assertEquals("ann", b.get(app.url("/ops/get?n=user")).body());
        }
    }

    @Test
    void domainCookie_keepsThePlainName_andCarriesTheDomain() {
        try (RedisProcess redis = RedisServers.standalone();
             EmbeddedTomcat app = TestApps.app(redis.url(), TestApps.newKeyset())
                     .param("sessionfilter.cookie.secure", "true")
                     .param("sessionfilter.cookie.domain", "127.0.0.1")
                     .param("sessionfilter.cookie.name", "APPSESSION").start()) {
            Browser.Response r = new Browser().get(app.url("/ops/new"));
            String c = r.setCookies().get(0);
            assertTrue(c.startsWith("APPSESSION=") && c.contains("Domain=127.0.0.1") && c.contains("Secure"), c);
        }
    }
}

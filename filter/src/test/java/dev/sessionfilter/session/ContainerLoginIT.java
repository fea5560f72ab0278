package dev.sessionfilter.session;

import dev.sessionfilter.testing.Browser;
import dev.sessionfilter.testing.EmbeddedTomcat;
import dev.sessionfilter.testing.RedisProcess;
import dev.sessionfilter.testing.RedisServers;
import dev.sessionfilter.testing.TestApps;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.catalina.Context;
import org.apache.catalina.authenticator.BasicAuthenticator;
import org.apache.catalina.authenticator.FormAuthenticator;
import org.apache.catalina.realm.GenericPrincipal;
import org.apache.catalina.realm.RealmBase;
import org.apache.tomcat.util.descriptor.web.LoginConfig;
import org.apache.tomcat.util.descriptor.web.SecurityCollection;
import org.apache.tomcat.util.descriptor.web.SecurityConstraint;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 15, item 7, the investigation: container login (FORM with j_security_check, and BASIC) on two
 * Tomcat 11 instances behind no sticky sessions, with the session filter in front of the app. What this
 * pins is today's behaviour, documented in docs/sessions.md#container-login: FORM login lives in the
 * container's own session, which the filter does not share, and the container checks its constraints
 * before any filter runs; BASIC sends the credentials with every request and holds everywhere.
 */
class ContainerLoginIT {

    /** One user, ann / secret, role user. */
    static final class OneUserRealm extends RealmBase {
        @Override
        protected String getPassword(String username) {
            return "ann".equals(username) ? "secret" : null;
        }

        @Override
        protected Principal getPrincipal(String username) {
            return "ann".equals(username) ? new GenericPrincipal(username, List.of("user")) : null;
        }
    }

    /** The login form's page, and the protected page showing who the container and our session say. */
    static final class Pages extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            resp.setContentType("text/plain");
            if (req.getServletPath().equals("/login.html")) {
                resp.getWriter().print("login form");
                return;
            }
            var s = req.getSession();
            Object visits = s.getAttribute("visits");
            int n = visits == null ? 1 : ((Number) visits).intValue() + 1;
            s.setAttribute("visits", n);
            resp.getWriter().print("user=" + req.getRemoteUser() + " visits=" + n);
        }
    }

    private static EmbeddedTomcat instance(RedisProcess redis, String keyset, String method) {
        EmbeddedTomcat app = TestApps.app(redis.url(), keyset).servlet("pages", new Pages(), "/secure/*")
                .servlet("login", new Pages(), "/login.html");
        Context ctx = app.context();
        ctx.setRealm(new OneUserRealm());
        LoginConfig lc = new LoginConfig(method, "test", "FORM".equals(method) ? "/login.html" : null,
                "FORM".equals(method) ? "/login.html" : null);
        ctx.setLoginConfig(lc);
        ctx.getPipeline().addValve("FORM".equals(method) ? new FormAuthenticator() : new BasicAuthenticator());
        SecurityConstraint sc = new SecurityConstraint();
        sc.addAuthRole("user");
        SecurityCollection col = new SecurityCollection();
        col.addPattern("/secure/*");
        sc.addCollection(col);
        ctx.addConstraint(sc);
        ctx.addSecurityRole("user");
        return app.start();
    }

    @Test
    void formLogin_holdsOnlyOnTheInstanceThatDidIt_theOtherAsksToLogInAgain() {
        try (RedisProcess redis = RedisServers.standalone()) {
            String keyset = TestApps.newKeyset();
            try (EmbeddedTomcat a = instance(redis, keyset, "FORM"); EmbeddedTomcat b = instance(redis, keyset, "FORM")) {
                Browser user = new Browser();
                assertEquals("login form", user.get(a.url("/secure/page")).body(), "the container asks to log in");
                Browser.Response posted = user.post(a.url("/j_security_check"), "j_username=ann&j_password=secret");
                assertEquals(303, posted.status(), posted.body());
                assertEquals("user=ann visits=1", user.get(a.url("/secure/page")).body());
                assertTrue(user.cookies.containsKey("JSESSIONID") && user.cookies.containsKey("SESSION"),
                        "two sessions: the container's (the login) and ours (the app's data): " + user.cookies.keySet());

                // On B the container does not know JSESSIONID: its constraint answers the login page before
                // any filter runs, although our session (visits) is on B too.
                assertEquals("login form", user.get(b.url("/secure/page")).body());
                assertEquals("1", user.get(b.url("/ops/get?n=visits")).body(), "our session is shared all the same");
                String principal = new Browser().get(b.url("/ops/registry-of?p=ann")).body();
                assertEquals(user.cookies.get("SESSION"), principal, "and indexed under the container's user");
                System.out.println("[container-login] FORM: logged in on A; on B the container answers its login page "
                        + "(its session is per instance), while our session and its principal index are on B");
            }
        }
    }

    @Test
    void basicLogin_holdsOnEveryInstance_theCredentialsComeWithEachRequest() {
        try (RedisProcess redis = RedisServers.standalone()) {
            String keyset = TestApps.newKeyset();
            try (EmbeddedTomcat a = instance(redis, keyset, "BASIC"); EmbeddedTomcat b = instance(redis, keyset, "BASIC")) {
                Browser user = new Browser();
                assertEquals(401, user.get(a.url("/secure/page")).status());
                Map<String, String> auth = Map.of("Authorization", "Basic "
                        + Base64.getEncoder().encodeToString("ann:secret".getBytes(StandardCharsets.UTF_8)));
                assertEquals("user=ann visits=1", user.get(a.url("/secure/page"), auth).body());
                assertEquals("user=ann visits=2", user.get(b.url("/secure/page"), auth).body(), "B: the same user and session");
                assertEquals("user=ann visits=3", user.get(a.url("/secure/page"), auth).body());
                System.out.println("[container-login] BASIC: user and session hold on both instances");
            }
        }
    }
}

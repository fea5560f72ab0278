package dev.sessionfilter.session;

import dev.sessionfilter.testing.Browser;
import dev.sessionfilter.testing.EmbeddedTomcat;
import dev.sessionfilter.testing.RedisProcess;
import dev.sessionfilter.testing.RedisServers;
import dev.sessionfilter.testing.TestApps;
import org.junit.jupiter.api.Test;

import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code sessionfilter.importContainerSessions}: a user whose session lives in the container (logged in
 * before the filter served that path) keeps it: the first request of ours copies it into Redis, where the
 * other instance sees it, and the container's copy ends; what the codec refuses is named once in the log.
 */
class ImportContainerSessionIT {

    @Test
    void aContainerSession_becomesOurs_onceAndVisibleOnTheOtherInstance() {
        java.util.List<String> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
        Handler h = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getMessage() != null && r.getMessage().contains("imported without")) {
                    warnings.add(r.getMessage());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger log = Logger.getLogger("dev.sessionfilter.session");
        log.addHandler(h);
        try (RedisProcess redis = RedisServers.standalone()) {
            String keyset = TestApps.newKeyset();
            // /ops/legacy/* is outside the filter: there the app still uses the container's session, as before
            // the rollout.
            try (EmbeddedTomcat a = TestApps.app(redis.url(), keyset).param("sessionfilter.exclude", "/ops/legacy/*")
                         .param("sessionfilter.importContainerSessions", "true").start();
                 EmbeddedTomcat b = TestApps.app(redis.url(), keyset).param("sessionfilter.importContainerSessions", "true")
                         .start()) {
                Browser user = new Browser();
                assertEquals("ok", user.get(a.url("/ops/legacy/set?n=user&v=ann")).body());
                assertEquals("ok", user.get(a.url("/ops/legacy/set-not-allowed?n=builder")).body(),
                        "the container takes any Serializable value");
                assertNotNull(user.cookies.get("JSESSIONID"), "the container's own session");
                assertEquals(null, user.cookies.get("SESSION"));

                Browser.Response first = user.get(a.url("/ops/get?n=user"));
                assertEquals("ann", first.body(), "still logged in after the rollout");
                String ours = user.cookies.get("SESSION");
                assertNotNull(ours, "now a session of ours");
                assertEquals("ann", user.get(b.url("/ops/get?n=user")).body(), "shared through Redis");
                assertEquals("null", user.get(b.url("/ops/get?n=builder")).body(), "the refused value stayed behind");
                assertEquals("no-session", user.get(a.url("/ops/legacy/get?n=user")).body(), "the container's copy ended");
                assertEquals(ours, user.cookies.get("SESSION"));
                assertEquals(1, warnings.size(), warnings.toString());
                assertTrue(warnings.get(0).contains("builder (java.lang.StringBuilder)"), warnings.get(0));

                // A client with neither session gets nothing imported; one with ours is never re-imported.
                assertEquals("no-session", new Browser().get(a.url("/ops/get?n=user")).body());
                Browser again = new Browser();
                again.get(a.url("/ops/legacy/set?n=user&v=bea"));
                again.get(a.url("/ops/set?n=x&v=1")); // imported here
                again.get(a.url("/ops/legacy/set?n=user&v=changed-in-container"));
                assertEquals("bea", again.get(a.url("/ops/get?n=user")).body(), "only a request without our session imports");
            }
        } finally {
            log.removeHandler(h);
        }
    }
}

package dev.sessionfilter.session;

import dev.sessionfilter.testing.Browser;
import dev.sessionfilter.testing.EmbeddedTomcat;
import dev.sessionfilter.testing.RecordingListener;
import dev.sessionfilter.testing.RedisProcess;
import dev.sessionfilter.testing.RedisServers;
import dev.sessionfilter.testing.TestApps;
import dev.sessionfilter.testing.TrackedValue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Listeners, value callbacks, size limits, the type allowlist, timeouts, cookie naming, exclusions. */
class ListenersAndLimitsIT {
    static RedisProcess redis;
    static EmbeddedTomcat app;

    @BeforeAll
    static void start() {
        redis = RedisServers.standalone();
        app = TestApps.app(redis.url(), TestApps.newKeyset())
                .param("sessionfilter.listeners", RecordingListener.class.getName())
                .param("sessionfilter.serialization.allow", TrackedValue.class.getName())
                .param("sessionfilter.maxAttributeSize", "1KiB")
                .param("sessionfilter.maxSessionSize", "3KiB")
                .param("sessionfilter.absoluteTimeout", "3s")
                .param("sessionfilter.exclude", "/ops/info,*.css")
                .start();
    }

    @AfterAll
    static void stop() {
        app.close();
        redis.close();
    }

    @BeforeEach
    void clear() {
        RecordingListener.EVENTS.clear();
        TrackedValue.EVENTS.clear();
    }

    @Test
    void sessionAttributeAndIdListeners_areCalled() {
        Browser b = new Browser();
        b.get(app.url("/ops/set?n=user&v=ann"));
        String first = b.cookies.get("SESSION");
        b.get(app.url("/ops/set?n=user&v=bob"));
        b.get(app.url("/ops/remove?n=user"));
        b.get(app.url("/ops/set?n=user&v=cy"));
        String[] ids = b.get(app.url("/ops/change")).body().split(" ");
        b.get(app.url("/ops/invalidate"));
        assertEquals(List.of("created " + first, "added user=ann", "replaced user old=ann", "removed user=bob",
                "added user=cy", "id " + ids[0] + " -> " + ids[1], "destroyed " + ids[1] + " user=cy",
                "removed user=cy"), RecordingListener.EVENTS);
    }

    @Test
    void bindingAndActivationCallbacks_reachTheValue() {
        Browser b = new Browser();
        b.get(app.url("/ops/bind?n=t&v=one"));
        assertEquals("Tracked(one)", b.get(app.url("/ops/tracked?n=t")).body());
        b.get(app.url("/ops/bind?n=t&v=two"));
        b.get(app.url("/ops/invalidate"));
        List<String> e = TrackedValue.EVENTS;
        assertTrue(e.contains("bound one as t"), e.toString());
        assertTrue(e.contains("activated one"), "decoded in a later request: " + e);
        assertTrue(e.contains("bound two as t"), e.toString());
        assertTrue(e.contains("unbound one from t"), "replaced value is unbound: " + e);
        assertTrue(e.contains("unbound two from t"), "invalidate unbinds: " + e);
    }

    @Test
    void tooLargeOrNotAllowedValues_areRefusedAtSetAttribute_namingTheAttribute() {
        Browser b = new Browser();
        assertEquals("ok", b.get(app.url("/ops/set-size?n=small&v=900")).body());
        String tooBig = b.get(app.url("/ops/set-size?n=huge&v=2000")).body();
        assertTrue(tooBig.startsWith("refused: sessionfilter: attribute 'huge' is 2002 bytes serialized, more than "
                + "sessionfilter.maxAttributeSize (1024 bytes)"), tooBig);
        b.get(app.url("/ops/set-size?n=s2&v=900"));
        String sessionTooBig = b.get(app.url("/ops/set-size?n=s4&v=900")).body();
        assertEquals("ok", sessionTooBig, "2.7 KiB in total still fits");
        String over = b.get(app.url("/ops/set-size?n=s5&v=900")).body();
        assertTrue(over.contains("attribute 's5' would make the session") && over.contains("sessionfilter.maxSessionSize"), over);
        String notAllowed = b.get(app.url("/ops/set-not-allowed?n=sb")).body();
        assertTrue(notAllowed.contains("attribute 'sb'") && notAllowed.contains("java.lang.StringBuilder")
                && notAllowed.contains("sessionfilter.serialization.allow"), notAllowed);
        assertEquals("null", b.get(app.url("/ops/get?n=huge")).body(), "a refused value changes nothing");
        assertEquals("null", b.get(app.url("/ops/get?n=sb")).body());
    }

    @Test
    void absoluteTimeout_endsTheSessionWhateverItsActivity() throws Exception {
        Browser b = new Browser();
        b.get(app.url("/ops/set?n=user&v=ann"));
        for (int i = 0; i < 5; i++) {
            Thread.sleep(400);
            assertEquals("ann", b.get(app.url("/ops/get?n=user")).body());
        }
        Thread.sleep(1500);
        assertEquals("no-session", b.get(app.url("/ops/get?n=user")).body());
    }

    @Test
    void idleTimeout_setPerSession_expiresIt() throws Exception {
        Browser b = new Browser();
        b.get(app.url("/ops/setmax?v=1"));
        b.get(app.url("/ops/set?n=user&v=ann"));
        assertEquals("ann", b.get(app.url("/ops/get?n=user")).body());
        Thread.sleep(1600);
        assertEquals("no-session", b.get(app.url("/ops/get?n=user")).body());
    }

    @Test
    void excludedPaths_areLeftAlone() {
        Browser b = new Browser();
        b.get(app.url("/ops/set?n=user&v=ann"));
        // /ops/info is excluded: there the request is the container's own, which knows nothing of our cookie.
        String info = b.get(app.url("/ops/info")).body();
        assertTrue(info.startsWith("requested=null valid=false"), info);
        assertEquals("ann", b.get(app.url("/ops/get?n=user")).body());
    }
}

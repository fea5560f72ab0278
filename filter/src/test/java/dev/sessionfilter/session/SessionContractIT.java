package dev.sessionfilter.session;

import dev.sessionfilter.testing.Browser;
import dev.sessionfilter.testing.EmbeddedTomcat;
import dev.sessionfilter.testing.RedisProcess;
import dev.sessionfilter.testing.RedisServers;
import dev.sessionfilter.testing.TestApps;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The HttpSession contract, through a real Tomcat over HTTP, against a real Redis. */
class SessionContractIT {
    static RedisProcess redis;
    static EmbeddedTomcat app;

    @BeforeAll
    static void start() {
        redis = RedisServers.standalone();
        app = TestApps.app(redis.url(), TestApps.newKeyset()).start();
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void getSession_new_setsHttpOnlyCookieWithoutMaxAge() {
        Browser b = new Browser();
        Browser.Response r = b.get(app.url("/ops/new"));
        assertEquals(200, r.status());
        assertTrue(r.body().endsWith("new=true"), r.body());
        String cookie = r.setCookies().stream().filter(c -> c.startsWith("SESSION=")).findFirst().orElseThrow();
        assertTrue(cookie.contains("HttpOnly"), cookie);
        assertTrue(cookie.contains("SameSite=Lax"), cookie);
        assertTrue(cookie.contains("Path=/app"), cookie);
        assertFalse(cookie.contains("Max-Age"), cookie);
        assertFalse(cookie.contains("Secure"), cookie);
        assertEquals("no-store", r.header("Cache-Control"));
        assertEquals(43, b.cookies.get("SESSION").length());
        // Not from the container's manager: no JSESSIONID.
        assertFalse(r.setCookies().stream().anyMatch(c -> c.startsWith("JSESSIONID")));

        Browser.Response again = b.get(app.url("/ops/new"));
        assertTrue(again.body().endsWith("new=false"), again.body());
        assertTrue(again.setCookies().isEmpty(), "no cookie re-sent for an existing session");
    }

    @Test
    void setAttribute_survivesAcrossRequests() {
        Browser b = new Browser();
        b.get(app.url("/ops/set?n=user&v=alice"));
        assertEquals("alice", b.get(app.url("/ops/get?n=user")).body());
        b.get(app.url("/ops/setint?n=count&v=42"));
        assertEquals("42", b.get(app.url("/ops/get?n=count")).body());
        assertEquals("count,user", b.get(app.url("/ops/names")).body());
        b.get(app.url("/ops/remove?n=user"));
        assertEquals("null", b.get(app.url("/ops/get?n=user")).body());
        assertEquals("count", b.get(app.url("/ops/names")).body());
    }

    @Test
    void getSessionFalse_withoutCookie_isNull_andCostsNoSession() {
        Browser b = new Browser();
        assertEquals("no-session", b.get(app.url("/ops/get?n=x")).body());
        assertTrue(b.cookies.isEmpty());
    }

    @Test
    void inPlaceMutation_isSaved() {
        Browser b = new Browser();
        b.get(app.url("/ops/cart-add?v=apple"));
        b.get(app.url("/ops/cart-add?v=pear"));
        assertEquals("[apple, pear, plum]", b.get(app.url("/ops/cart-add?v=plum")).body());
    }

    @Test
    void invalidate_clearsCookie_andOldIdIsDead() {
        Browser b = new Browser();
        b.get(app.url("/ops/set?n=user&v=bob"));
        String old = b.cookies.get("SESSION");
        Browser.Response r = b.get(app.url("/ops/invalidate"));
        assertTrue(r.setCookies().stream().anyMatch(c -> c.startsWith("SESSION=;") && c.contains("Max-Age=0")),
                r.setCookies().toString());
        Browser replay = Browser.withSession(old);
        assertEquals("no-session", replay.get(app.url("/ops/get?n=user")).body());
    }

    @Test
    void invalidatedSession_throwsIllegalState_andANewOneCanBeCreated() {
        Browser b = new Browser();
        assertEquals("ISE fresh=true new=true", b.get(app.url("/ops/invalidate-then-use")).body());
    }

    @Test
    void changeSessionId_keepsAttributes_killsOldId() {
        Browser b = new Browser();
        b.get(app.url("/ops/set?n=user&v=carol"));
        String before = b.cookies.get("SESSION");
        String[] ids = b.get(app.url("/ops/change")).body().split(" ");
        assertEquals(before, ids[0]);
        assertNotEquals(ids[0], ids[1]);
        assertEquals(ids[1], b.cookies.get("SESSION"));
        assertEquals("carol", b.get(app.url("/ops/get?n=user")).body());
        Browser thief = Browser.withSession(before);
        assertEquals("no-session", thief.get(app.url("/ops/get?n=user")).body());
    }

    @Test
    void requestedSessionId_reportsCookie_andValidity() {
        Browser b = new Browser();
        b.get(app.url("/ops/new"));
        String id = b.cookies.get("SESSION");
        String info = b.get(app.url("/ops/info")).body();
        assertTrue(info.startsWith("requested=" + id + " valid=true fromCookie=true fromURL=false id=" + id), info);
        assertTrue(info.endsWith("encoded=/x"), "encodeURL never adds a session id: " + info);
        assertTrue(info.contains("max=1800"), "web.xml session-timeout (30 min) is the default: " + info);
    }

    @Test
    void setMaxInactiveInterval_persists() {
        Browser b = new Browser();
        b.get(app.url("/ops/setmax?v=120"));
        assertTrue(b.get(app.url("/ops/info")).body().contains("max=120"));
        dev.sessionfilter.store.SessionKey k = new dev.sessionfilter.store.SessionKey("sessionfilter:app",
                b.cookies.get("SESSION"));
        try (var j = redis.jedis()) {
            long left = deadlineScore(j, k) - System.currentTimeMillis();
            assertTrue(left > 100_000 && left <= 120_000, "the session's deadline is its 120 s idle timeout away: " + left);
            long ttl = j.pttl(k.key());
            assertTrue(ttl > left, "its data outlives the deadline, for the expiry notification: " + ttl);
        }
    }

    @Test
    void forwardAndInclude_seeTheSameSession() {
        Browser b = new Browser();
        b.get(app.url("/ops/set?n=n&v=forwarded"));
        assertEquals("forwarded", b.get(app.url("/ops/forward?n=n")).body());
        assertEquals("[yes]", b.get(app.url("/ops/include?n=included-before")).body());
    }

    @Test
    void errorPage_seesTheSession_andTheChangeMadeBeforeTheError() {
        Browser b = new Browser();
        b.get(app.url("/ops/new"));
        Browser.Response r = b.get(app.url("/ops/fail?n=e&v=before-error"));
        assertEquals(500, r.status());
        assertEquals("error-page sees before-error", r.body());
        assertEquals("before-error", b.get(app.url("/ops/get?n=e")).body());
    }

    @Test
    void async_seesTheSession_andCommitsWhenComplete() {
        Browser b = new Browser();
        b.get(app.url("/ops/new"));
        assertEquals("async same=true", b.get(app.url("/ops/async?n=a&v=from-async")).body());
        assertEquals("from-async", b.get(app.url("/ops/get?n=a")).body());
    }

    @Test
    void largeResponse_newSessionIsSavedBeforeTheBodyLeaves() {
        Browser b = new Browser();
        Browser.Response r = b.get(app.url("/ops/big?n=k&v=big"));
        assertEquals(200_000, r.body().length());
        assertNotNull(b.cookies.get("SESSION"));
        assertEquals("big", b.get(app.url("/ops/get?n=k")).body());
    }

    @Test
    void createThenChangeId_inOneRequest_sendsOneCookie() {
        Browser b = new Browser();
        Browser.Response r = b.get(app.url("/ops/change"));
        assertEquals(1, r.setCookies().stream().filter(c -> c.startsWith("SESSION=")).count(), r.setCookies().toString());
        assertEquals(r.body().split(" ")[1], b.cookies.get("SESSION"));
    }

    @Test
    void createThenInvalidate_inOneRequest_sendsNoCookieForTheDeadSession() {
        Browser b = new Browser();
        Browser.Response r = b.get(app.url("/ops/invalidate-then-use"));
        // The request created a session, invalidated it and created a fresh one: only the fresh one is sent.
        assertEquals(1, r.setCookies().size(), r.setCookies().toString());
        assertEquals("null", b.get(app.url("/ops/get?n=x")).body());
    }

    @Test
    void maxInactiveZero_neverIdleExpires_butTheAbsoluteTimeoutStillBounds() {
        Browser b = new Browser();
        b.get(app.url("/ops/setmax?v=0"));
        assertTrue(b.get(app.url("/ops/info")).body().contains("max=0"));
        dev.sessionfilter.store.SessionKey k = new dev.sessionfilter.store.SessionKey("sessionfilter:app",
                b.cookies.get("SESSION"));
        try (var j = redis.jedis()) {
            long left = deadlineScore(j, k) - System.currentTimeMillis();
            assertTrue(left > 11 * 3_600_000L && left <= 12 * 3_600_000L, "bounded by the 12 h absolute timeout: " + left);
        }
    }

    private static long deadlineScore(redis.clients.jedis.Jedis j, dev.sessionfilter.store.SessionKey k) {
        Double score = j.zscore(k.deadlines(), k.hash().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        assertNotNull(score, "the session is in its shard's deadline index");
        return score.longValue();
    }
}

package dev.sessionfilter.hardening;

import dev.sessionfilter.store.SessionKey;
import dev.sessionfilter.testing.Browser;
import dev.sessionfilter.testing.EmbeddedTomcat;
import dev.sessionfilter.testing.RedisProcess;
import dev.sessionfilter.testing.RedisServers;
import dev.sessionfilter.testing.TestApps;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 9's session-contract defects, each pinned against real Redis on an embedded Tomcat. */
class HardeningIT {
    static final String NS = "hard";
    static RedisProcess redis;
    static String keyset = TestApps.newKeyset();
    static EmbeddedTomcat app;
    /** The same sessions, from an app that does not allow the value classes (an older or other deployment). */
    static EmbeddedTomcat strict;

    @BeforeAll
    static void start() {
        redis = RedisServers.standalone();
        app = TestApps.app(redis.url(), keyset).param("sessionfilter.namespace", NS)
                .param("sessionfilter.serialization.allow", "dev.sessionfilter.hardening")
                .param("sessionfilter.listeners", HardeningServlet.ReentrantListener.class.getName())
                .servlet("hardening", new HardeningServlet(), "/h/*").start();
        strict = TestApps.app(redis.url(), keyset).param("sessionfilter.namespace", NS)
                .servlet("hardening", new HardeningServlet(), "/h/*").start();
    }

    @AfterAll
    static void stop() {
        app.close();
        strict.close();
        redis.close();
    }

    /** Item 2: a value that cannot be stored is refused at setAttribute, naming the attribute, class and fix. */
    @Test
    void valuesThatCannotRoundTrip_areRefusedAtSetAttribute() {
        Browser b = new Browser();
        String noctor = b.get(app.url("/h/set?n=a&kind=noctor")).body();
        assertTrue(noctor.startsWith("refused: sessionfilter: cannot store attribute 'a'")
                && noctor.contains(Values.NoConstructor.class.getName()) && noctor.contains("@JsonbCreator"), noctor);
        String hidden = b.get(app.url("/h/set?n=b&kind=hidden")).body();
        assertTrue(hidden.contains("attribute 'b'") && hidden.contains("field 'secret'")
                && hidden.contains(Values.HiddenState.class.getName()) && hidden.contains("getter and setter"), hidden);
        String cycle = b.get(app.url("/h/set?n=c&kind=cycle")).body();
        assertTrue(cycle.startsWith("refused: sessionfilter: cannot store attribute 'c' (class "
                + Values.Node.class.getName() + "): JSON-B could not serialize it"), cycle);
        String throwing = b.get(app.url("/h/set?n=d&kind=throwing")).body();
        assertTrue(throwing.startsWith("refused: sessionfilter: cannot store attribute 'd' (class "
                + Values.Throwing.class.getName()) && throwing.contains("getter says no"), throwing);
        assertEquals("", b.get(app.url("/h/names")).body(), "nothing refused was kept");
    }

    /** Item 1 (classes side) and 2: values that can round-trip do, @JsonbCreator and @JsonbTransient included. */
    @Test
    void valuesThatRoundTrip_areReadBackOnTheNextRequest() {
        Browser b = new Browser();
        assertEquals("ok", b.get(app.url("/h/set?n=g&kind=good")).body());
        assertEquals("ok", b.get(app.url("/h/set?n=c&kind=created")).body());
        assertEquals("Good g [t]", b.get(app.url("/h/describe?n=g")).body());
        assertEquals("Created c not kept", b.get(app.url("/h/describe?n=c")).body());
    }

    /** Also-fix: a value that does not decode here is hidden (names too) and kept in Redis for others. */
    @Test
    void anUndecodableValue_isHiddenFromNames_andKeptInRedis() {
        Browser b = new Browser();
        assertEquals("ok", b.get(app.url("/h/set?n=g&kind=good")).body());
        String cookie = b.cookies.get("SESSION");
        Browser other = Browser.withSession(cookie);
        assertEquals("null names=", other.get(strict.url("/h/get-then-names?n=g")).body());
        assertEquals("ok", other.get(strict.url("/ops/set?n=more&v=1")).body());
        assertEquals("Good g [t]", b.get(app.url("/h/describe?n=g")).body(), "the other app lost nothing");
        assertEquals("g,more", b.get(app.url("/h/names")).body());
    }

    /**
     * Item 2: a value accepted at setAttribute and then changed in place into something JSON cannot hold is
     * stored as it was accepted, not skipped (the attribute is still there on the next request).
     */
    @Test
    void aValueBrokenInPlaceAfterSetAttribute_isStoredAsAccepted() {
        Browser b = new Browser();
        assertEquals("ok", b.get(app.url("/h/set-then-cycle?n=node")).body());
        assertEquals("Node accepted next=null", b.get(app.url("/h/node?n=node")).body());
    }

    /** Also-fix: an in-place change past maxAttributeSize is not written: the stored value stays. */
    @Test
    void anInPlaceChangePastTheSizeLimit_keepsTheStoredValue() {
        Browser b = new Browser();
        assertEquals("set", b.get(app.url("/h/grow?n=list")).body());
        assertEquals("grown", b.get(app.url("/h/grow?n=list")).body());
        assertEquals("items=1", b.get(app.url("/h/size?n=list")).body());
    }

    /** Item 7: a script running too long (BUSY) is an outage too: memory mode keeps serving. */
    @Test
    void redisBusyWithAScript_getsTheOutageBehaviour() throws Exception {
        try (RedisProcess busy = RedisServers.standalone("--busy-reply-threshold", "100");
             EmbeddedTomcat memory = TestApps.app(busy.url(), keyset).param("sessionfilter.namespace", "busy").start()) {
            Browser b = new Browser();
            assertEquals("ok", b.get(memory.url("/ops/set?n=x&v=before")).body());
            Thread script = new Thread(() -> {
                try (Jedis j = busy.jedis()) {
                    j.eval("local i = 0 while true do i = i + 1 end");
                } catch (RuntimeException killed) {
                    // SCRIPT KILL ends it
                }
            });
            script.start();
            Thread.sleep(300); // past busy-reply-threshold: every other command now gets -BUSY
            try {
                Browser.Response r = b.get(memory.url("/ops/set?n=x&v=during"));
                assertEquals(200, r.status(), r.body());
                assertEquals("during", b.get(memory.url("/ops/get?n=x")).body());
            } finally {
                try (Jedis j = busy.jedis()) {
                    j.scriptKill();
                }
                script.join(5_000);
            }
        }
    }

    /** Also-fix: in-place changes that together pass maxSessionSize are not written; the stored values stay. */
    @Test
    void inPlaceChangesPastTheSessionSize_keepTheStoredValues() {
        try (EmbeddedTomcat small = TestApps.app(redis.url(), keyset).param("sessionfilter.namespace", NS)
                .param("sessionfilter.maxSessionSize", "100KiB")
                .servlet("hardening", new HardeningServlet(), "/h/*").start()) {
            Browser b = new Browser();
            assertEquals("set", b.get(small.url("/h/grow?n=a")).body());
            assertEquals("set", b.get(small.url("/h/grow?n=b")).body());
            assertEquals("grown", b.get(small.url("/h/grow?n=a&kib=40")).body(), "40 KiB: within both limits");
            assertEquals("items=2", b.get(small.url("/h/size?n=a")).body());
            assertEquals("grown", b.get(small.url("/h/grow?n=b&kib=62")).body(), "would make the session 102 KiB");
            assertEquals("items=1", b.get(small.url("/h/size?n=b")).body(), "not written: the stored list stays");
            assertEquals("items=2", b.get(small.url("/h/size?n=a")).body());
        }
    }

    /** Item 3: changeSessionId racing an invalidation ends invalid; nothing is written under a new id. */
    @Test
    void changeSessionId_neverResurrectsASessionInvalidatedMeanwhile() throws Exception {
        for (int i = 0; i < 5; i++) {
            Browser b = new Browser();
            b.get(app.url("/ops/set?n=user&v=ann"));
            String cookie = b.cookies.get("SESSION");
            Set<String> others = liveSessionKeys();
            assertTrue(others.remove(key(cookie).toString()));
            CompletableFuture<Browser.Response> slow = CompletableFuture.supplyAsync(
                    () -> Browser.withSession(cookie).get(app.url("/h/slow-change?ms=400")));
            Thread.sleep(150); // the slow request has loaded the session
            assertEquals("invalidated", Browser.withSession(cookie).get(app.url("/ops/invalidate")).body());
            Browser.Response r = slow.join();
            assertEquals(200, r.status());
            assertTrue(r.body().startsWith("ISE "), r.body());
            assertTrue(r.setCookies().stream().noneMatch(c -> !c.contains("Max-Age=0")),
                    "no cookie for a new id: " + r.setCookies());
            assertEquals(others, liveSessionKeys(), "no session was written under a new id");
        }
    }

    /** Item 3: after the response is committed the id cannot change; the session is kept as it was. */
    @Test
    void changeSessionId_afterCommit_throwsAndKeepsTheSession() {
        Browser b = new Browser();
        b.get(app.url("/ops/set?n=user&v=bea"));
        String cookie = b.cookies.get("SESSION");
        assertEquals("early ISE id-kept=true", b.get(app.url("/h/change-after-commit")).body());
        assertEquals(cookie, b.cookies.get("SESSION"));
        assertEquals("bea", Browser.withSession(cookie).get(app.url("/ops/get?n=user")).body());
    }

    /** Also-fix: a listener calling invalidate() from sessionDestroyed neither recurses nor fires twice. */
    @Test
    void invalidate_fromSessionDestroyed_firesOnce() {
        assertEquals("destroyed user=ann,reentered", new Browser().get(app.url("/h/invalidate-reentrant")).body());
    }

    /** Also-fix: two threads invalidating one session at once fire sessionDestroyed once. */
    @Test
    void invalidate_fromTwoThreadsAtOnce_firesOnce() {
        assertEquals("1 destroyed", new Browser().get(app.url("/h/invalidate-concurrently")).body());
    }

    /** Also-fix: valueBound runs before the value can be read from the session. */
    @Test
    void valueBound_runsBeforeTheValueIsVisible() {
        assertEquals("[visible-in-valueBound=false]", new Browser().get(app.url("/h/bind-visible?n=p")).body());
    }

    /**
     * Item 7: Redis refusing writes for lack of memory ({@code -OOM} under {@code noeviction}) is an outage,
     * not a 500: memory mode keeps serving and writes back once Redis has room; fail mode answers 503.
     */
    @Test
    void redisOutOfMemory_getsTheOutageBehaviour() {
        try (RedisProcess full = RedisServers.standalone("--maxmemory-policy", "noeviction");
             EmbeddedTomcat memory = TestApps.app(full.url(), keyset).param("sessionfilter.namespace", "oom").start();
             EmbeddedTomcat fail = TestApps.app(full.url(), keyset).param("sessionfilter.namespace", "oom")
                     .param("sessionfilter.onRedisFailure", "fail").start()) {
            Browser b = new Browser();
            assertEquals("ok", b.get(memory.url("/ops/set?n=before&v=1")).body());
            String cookie = b.cookies.get("SESSION");
            try (Jedis j = full.jedis()) {
                j.configSet("maxmemory", "1"); // every write is now refused with -OOM
            }
            Browser.Response w = Browser.withSession(cookie).get(memory.url("/ops/set?n=during&v=2"));
            assertEquals(200, w.status(), w.body());
            assertEquals("2", Browser.withSession(cookie).get(memory.url("/ops/get?n=during")).body());
            Browser.Response f = new Browser().get(fail.url("/ops/set?n=x&v=1"));
            assertEquals(503, f.status(), f.body());
            try (Jedis j = full.jedis()) {
                j.configSet("maxmemory", "0");
            }
            // Written back within the prober's backoff; then read from Redis by the other instance.
            long deadline = System.currentTimeMillis() + 30_000;
            String seen = "";
            while (System.currentTimeMillis() < deadline && !seen.equals("2")) {
                seen = Browser.withSession(cookie).get(fail.url("/ops/get?n=during")).body();
            }
            assertEquals("2", seen, "the write acknowledged during the OOM was written back");
        }
    }

    /** Item 4: a page of CJK characters filling the buffer is sent only after the session is saved. */
    @Test
    void cjkPage_sessionSavedBeforeTheFirstBytesLeave() throws Exception {
        Browser b = new Browser();
        b.get(app.url("/ops/set?n=x&v=1"));
        String cookie = b.cookies.get("SESSION");
        Browser.DuringResponse r = Browser.duringResponse(app.url("/h/cjk-then-wait?n=x&v=saved&ms=1500"), cookie,
                () -> Browser.withSession(cookie).get(app.url("/ops/get?n=x")).body());
        assertTrue(r.probedEarly(1500), "the container sent part of the page before the servlet returned: " + r);
        assertEquals("saved", r.seen());
    }

    /** Item 4: an async request dispatched to a servlet saves what that servlet changed before answering. */
    @Test
    void asyncDispatch_sessionSavedBeforeTheResponseLeaves() {
        Browser b = new Browser();
        b.get(app.url("/ops/set?n=x&v=1"));
        String cookie = b.cookies.get("SESSION");
        Browser.DuringResponse r = Browser.duringResponse(app.url("/h/async-dispatch?n=x&v=saved&ms=1500"), cookie,
                () -> Browser.withSession(cookie).get(app.url("/ops/get?n=x")).body());
        assertEquals("saved", r.seen(), r.toString());
    }

    /** Item 4: flushing a streaming page does not re-encode the session at every flush. */
    @Test
    void flushes_doNotReencodeTheSessionEachTime() {
        Browser b = new Browser();
        assertEquals("set", b.get(app.url("/h/flushes?n=c")).body());
        assertEquals(200, b.get(app.url("/h/flushes?n=c")).status());
        int reads = Integer.parseInt(b.get(app.url("/h/reads")).body());
        assertTrue(reads <= 2, "JSON-B read the value " + reads + " times for 10 flushes");
    }

    /**
     * Item 4: in {@code fail} mode, a commit that fails before a redirect answers 503: the redirect must
     * not go out with the change unsaved.
     */
    @Test
    void failMode_aCommitFailingBeforeARedirect_answers503() throws Exception {
        try (RedisProcess own = RedisServers.standalone();
             EmbeddedTomcat failing = TestApps.app(own.url(), keyset).param("sessionfilter.onRedisFailure", "fail")
                     .param("sessionfilter.redis.timeout", "500ms")
                     .servlet("hardening", new HardeningServlet(), "/h/*").start()) {
            Browser b = new Browser();
            b.get(failing.url("/ops/set?n=user&v=anon"));
            String cookie = b.cookies.get("SESSION");
            CompletableFuture<Browser.Response> login = CompletableFuture.supplyAsync(
                    () -> Browser.withSession(cookie).get(failing.url("/h/redirect-after-wait?v=ann&ms=600")));
            Thread.sleep(200); // loaded; Redis dies before the commit
            own.stop();
            Browser.Response r = login.join();
            assertEquals(503, r.status(), "not a redirect with the login unsaved: " + r.body());
        }
    }

    static Set<String> liveSessionKeys() {
        try (Jedis j = redis.jedis()) {
            return j.keys(NS + ":s:{*").stream().filter(k -> !k.endsWith(":x")).collect(Collectors.toSet());
        }
    }

    static SessionKey key(String id) {
        return new SessionKey(NS, id);
    }
}

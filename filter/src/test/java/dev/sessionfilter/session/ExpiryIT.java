package dev.sessionfilter.session;

import dev.sessionfilter.testing.Browser;
import dev.sessionfilter.testing.EmbeddedTomcat;
import dev.sessionfilter.testing.ExpiryRecorder;
import dev.sessionfilter.testing.NotifierProcess;
import dev.sessionfilter.testing.RedisProcess;
import dev.sessionfilter.testing.RedisServers;
import dev.sessionfilter.testing.TestApps;
import dev.sessionfilter.testing.TrackedValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Guarantee 11: a session that idles out or reaches its absolute timeout fires sessionDestroyed (and
 * valueUnbound) exactly once across instances, with its attributes readable, within the bound; never for an
 * invalidated session; still when the instance that served it is gone; at-least-once when an instance dies
 * holding the notification (a real SIGKILL of a second JVM). Embedded Tomcats on one real Redis (standalone and a 3-master Cluster).
 */
class ExpiryIT {
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeEach
    void reset() {
        ExpiryRecorder.reset();
        TrackedValue.EVENTS.clear();
    }

    @AfterEach
    void close() throws Exception {
        ExpiryRecorder.reset(); // lets a held listener thread go before its Tomcat is closed for good
        for (int i = open.size() - 1; i >= 0; i--) {
            try {
                open.get(i).close();
            } catch (RuntimeException e) {
                // closed by the test already
            }
        }
    }

    private <T extends AutoCloseable> T track(T t) {
        open.add(t);
        return t;
    }

    private EmbeddedTomcat instance(String tag, String keyset, UnaryOperator<EmbeddedTomcat> redis,
                                    String... params) {
        EmbeddedTomcat app = redis.apply(TestApps.app("redis://127.0.0.1:1", keyset))
                .param("test.instance", tag)
                .param("sessionfilter.listeners", ExpiryRecorder.class.getName())
                .param("sessionfilter.serialization.allow", TrackedValue.class.getName());
        for (int i = 0; i < params.length; i += 2) {
            app.param(params[i], params[i + 1]);
        }
        return track(app.start());
    }

    /** Instances A and B of one app (one keyset, one Redis, the same settings). */
    private EmbeddedTomcat[] twoInstances(String keyset, UnaryOperator<EmbeddedTomcat> redis, String... params) {
        return new EmbeddedTomcat[] {instance("A", keyset, redis, params), instance("B", keyset, redis, params)};
    }

    private static UnaryOperator<EmbeddedTomcat> standalone(RedisProcess redis) {
        return app -> app.param("sessionfilter.redis.url", redis.url());
    }

    private static UnaryOperator<EmbeddedTomcat> cluster(RedisServers.Cluster cluster) {
        return app -> app.param("sessionfilter.redis.cluster.nodes", cluster.nodes());
    }

    /** Creates sessions alternately on the instances; returns id to the time of its last request's end. */
    private static Map<String, Long> createSessions(int n, EmbeddedTomcat... on) {
        Map<String, Long> last = new HashMap<>();
        for (int i = 0; i < n; i++) {
            Browser b = new Browser();
            EmbeddedTomcat app = on[i % on.length];
            assertEquals("ok", b.get(app.url("/ops/set?n=user&v=u" + i)).body());
            assertEquals("ok", b.get(app.url("/ops/bind?n=seat&v=seat" + i)).body());
            last.put(b.cookies.get("SESSION"), System.currentTimeMillis());
        }
        return last;
    }

    private static void await(BooleanSupplier condition, long millis, String what) {
        long end = System.currentTimeMillis() + millis;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > end) {
                throw new AssertionError("timed out after " + millis + " ms waiting for: " + what);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    /** Asserts one event per session, each with its user readable, within the bound; returns the delays. */
    private static List<Long> assertExactlyOnce(Map<String, Long> sessions, long idleMillis, long boundMillis) {
        Map<String, List<ExpiryRecorder.Event>> byId = ExpiryRecorder.EVENTS.stream()
                .collect(Collectors.groupingBy(ExpiryRecorder.Event::id));
        assertEquals(sessions.keySet(), byId.keySet(), "an event for every session and no other");
        List<Long> delays = new ArrayList<>();
        for (Map.Entry<String, List<ExpiryRecorder.Event>> e : byId.entrySet()) {
            assertEquals(1, e.getValue().size(), "exactly once across instances: " + e.getValue());
            ExpiryRecorder.Event ev = e.getValue().get(0);
            assertTrue(ev.user() instanceof String u && u.startsWith("u"), "attribute readable in the listener: " + ev);
            long sinceLastRequest = sessions.get(e.getKey()) - ev.lastAccessed();
            assertTrue(sinceLastRequest >= 0 && sinceLastRequest < 1_000,
                    "getLastAccessedTime is the last request's, not the sweep's: " + sinceLastRequest + " ms");
            long delay = ev.at() - (sessions.get(e.getKey()) + idleMillis);
            assertTrue(delay >= -150, "not before the deadline: " + delay + " ms");
            assertTrue(delay <= boundMillis, "within the bound: " + delay + " ms");
            delays.add(delay);
        }
        return delays;
    }

    static String figures(List<Long> delays) {
        List<Long> sorted = delays.stream().sorted().toList();
        return "p50=" + sorted.get(sorted.size() / 2) + "ms max=" + sorted.get(sorted.size() - 1) + "ms";
    }

    private static long notified(EmbeddedTomcat app) {
        return ((dev.sessionfilter.session.ExpirySweeper) app.context().getServletContext()
                .getAttribute(dev.sessionfilter.SessionFilter.SWEEPER_ATTRIBUTE)).counters().notified();
    }

    private static long unbound() {
        return TrackedValue.EVENTS.stream().filter(e -> e.startsWith("unbound ")).count();
    }

    @Test
    void twoInstances_200SessionsIdlingOutTogether_eachNotifiedOnce_withTheDefaultBound() {
        try (RedisProcess redis = RedisServers.standalone()) {
            String keyset = TestApps.newKeyset();
            EmbeddedTomcat[] ab = twoInstances(keyset, standalone(redis), "sessionfilter.timeout", "2s");
            EmbeddedTomcat a = ab[0];
            EmbeddedTomcat b = ab[1];
            Map<String, Long> sessions = createSessions(200, a, b);
            await(() -> ExpiryRecorder.EVENTS.size() >= 200, 20_000, "200 expiry events");
            sleep(1_500); // a duplicate would show now
            List<Long> delays = assertExactlyOnce(sessions, 2_000, 10_000);
            assertEquals(200, unbound(), "valueUnbound once per bound value: " + unbound());
            long fromA = ExpiryRecorder.EVENTS.stream().filter(e -> "A".equals(e.instance())).count();
            assertEquals(200, notified(a) + notified(b), "the sweepers' counters (health, metrics) agree");
            System.out.println("[expiry] standalone, 200 sessions, default bound: " + figures(delays)
                    + "; fired on A " + fromA + ", on B " + (200 - fromA));
            assertNoSessionDataLeft(redis, "sessionfilter:app");
        }
    }

    @Test
    void cluster_200Sessions_instanceThatCreatedThemStopped_theOtherNotifiesEachOnce() throws Exception {
        try (RedisServers.Cluster cluster = new RedisServers.Cluster()) {
            String keyset = TestApps.newKeyset();
            EmbeddedTomcat[] ab = twoInstances(keyset, cluster(cluster), "sessionfilter.timeout", "2s",
                    "sessionfilter.expiry.notifyWithin", "2s");
            EmbeddedTomcat a = ab[0];
            EmbeddedTomcat b = ab[1];
            Map<String, Long> sessions = createSessions(200, a);
            a.close(); // gone before any deadline
            await(() -> ExpiryRecorder.EVENTS.size() >= 200, 20_000, "200 expiry events");
            sleep(1_000);
            List<Long> delays = assertExactlyOnce(sessions, 2_000, 2_000 + 500);
            assertTrue(ExpiryRecorder.EVENTS.stream().allMatch(e -> "B".equals(e.instance())), "B fired them all");
            System.out.println("[expiry] cluster, 200 sessions, A stopped, bound 2s: " + figures(delays));
            for (var m : cluster.masters) {
                assertNoSessionDataLeft(m, "sessionfilter:app");
            }
            b.close();
        }
    }

    @Test
    void absoluteTimeout_firesOnce_evenForASessionInUse() {
        try (RedisProcess redis = RedisServers.standalone()) {
            String keyset = TestApps.newKeyset();
            EmbeddedTomcat[] ab = twoInstances(keyset, standalone(redis), "sessionfilter.absoluteTimeout", "3s",
                    "sessionfilter.expiry.notifyWithin", "1s");
            EmbeddedTomcat a = ab[0];
            EmbeddedTomcat b = ab[1];
            Browser user = new Browser();
            long start = System.currentTimeMillis();
            user.get(a.url("/ops/set?n=user&v=u1"));
            String id = user.cookies.get("SESSION");
            String seen = "";
            while (System.currentTimeMillis() - start < 2_500) { // busy until just before the absolute deadline
                seen = user.get((System.currentTimeMillis() / 300 % 2 == 0 ? a : b).url("/ops/setint?n=n&v=1")).body();
                sleep(100);
            }
            await(() -> !ExpiryRecorder.EVENTS.isEmpty(), 5_000, "the absolute timeout's event");
            sleep(1_500);
            assertEquals(1, ExpiryRecorder.EVENTS.size(), "once: " + ExpiryRecorder.EVENTS);
            ExpiryRecorder.Event e = ExpiryRecorder.EVENTS.get(0);
            assertEquals(id, e.id());
            assertEquals("u1", e.user());
            long delay = e.at() - (start + 3_000);
            assertTrue(delay >= -150 && delay <= 1_500, "at the absolute deadline, within 1 s: " + delay + " " + seen);
            assertEquals("no-session", user.get(b.url("/ops/get?n=user")).body());
        }
    }

    @Test
    void invalidatedSession_firesOnce_andNotAgainAtItsDeadline() {
        try (RedisProcess redis = RedisServers.standalone()) {
            String keyset = TestApps.newKeyset();
            EmbeddedTomcat a = twoInstances(keyset, standalone(redis), "sessionfilter.timeout", "1s",
                    "sessionfilter.expiry.notifyWithin", "1s")[0];
            Browser user = new Browser();
            user.get(a.url("/ops/set?n=user&v=u1"));
            user.get(a.url("/ops/bind?n=seat&v=s1"));
            assertEquals("invalidated", user.get(a.url("/ops/invalidate")).body());
            assertEquals(1, ExpiryRecorder.EVENTS.size());
            sleep(4_000); // past the deadline, several sweeps on both instances
            assertEquals(1, ExpiryRecorder.EVENTS.size(), "one event in total: " + ExpiryRecorder.EVENTS);
            assertEquals(1, unbound(), TrackedValue.EVENTS.toString());
        }
    }

    @Test
    void requestCommittingAfterTheClaim_doesNotBringTheSessionBack() {
        try (RedisProcess redis = RedisServers.standalone()) {
            String keyset = TestApps.newKeyset();
            EmbeddedTomcat a = instance("A", keyset, standalone(redis), "sessionfilter.timeout", "1s",
                    "sessionfilter.expiry.notifyWithin", "1s");
            Browser user = new Browser();
            user.get(a.url("/ops/set?n=user&v=u1"));
            // Loads the session in time, then sleeps past its deadline before committing its change.
            user.get(a.url("/ops/slow-set?n=late&v=1&ms=1800"));
            // The sweeper claimed it during the sleep: the late commit is dropped, the session stays expired.
            await(() -> !ExpiryRecorder.EVENTS.isEmpty(), 3_000, "the expiry event");
            sleep(2_500);
            assertEquals("no-session", user.get(a.url("/ops/get?n=late")).body(), "notified, so never served again");
            assertEquals(1, ExpiryRecorder.EVENTS.size(), ExpiryRecorder.EVENTS.toString());
            try (Jedis j = redis.jedis()) {
                assertTrue(j.keys("sessionfilter:app:s:*").stream().allMatch(k -> k.endsWith(":x")),
                        "the late commit did not bring it back: " + j.keys("sessionfilter:app:*"));
            }
        }
    }

    @Test
    void instanceKilledMidNotification_anotherFiresItAfterTheLease() {
        try (RedisProcess redis = RedisServers.standalone()) {
            String keyset = TestApps.newKeyset();
            // A runs in its own JVM; its listener never returns once it claimed the expiry.
            NotifierProcess a = track(new NotifierProcess(redis.url(), keyset, "sessionfilter.timeout", "1s",
                    "sessionfilter.expiry.notifyWithin", "1s"));
            Browser user = new Browser();
            assertEquals("ok", user.get(a.url + "/ops/set?n=user&v=u1").body());
            String id = user.cookies.get("SESSION");
            a.await("HELD", 10_000);
            long claimedAt = System.currentTimeMillis();
            a.kill(); // SIGKILL in the middle of the notification
            EmbeddedTomcat b = instance("B", keyset, standalone(redis), "sessionfilter.expiry.notifyWithin", "1s",
                    "sessionfilter.timeout", "1s");
            await(() -> !ExpiryRecorder.EVENTS.isEmpty(), 15_000, "B notifying the expiry A never finished");
            ExpiryRecorder.Event e = ExpiryRecorder.EVENTS.get(0);
            assertEquals(id, e.id());
            assertEquals("B", e.instance());
            assertEquals("u1", e.user(), "the data outlived the deadline for the second notifier");
            long after = e.at() - claimedAt;
            assertTrue(after >= 4_500, "not before A's 6 s lease ran out: " + after + " ms");
            System.out.println("[expiry] take-over after a SIGKILLed notifier: " + after + " ms after the claim");
            try (Jedis j = redis.jedis()) {
                await(() -> j.keys("sessionfilter:app:*").isEmpty(), 3_000, "the session and its claim deleted by B");
            }
            sleep(1_500);
            assertEquals(1, ExpiryRecorder.EVENTS.size(), "fired once by the survivor");
            b.close();
        }
    }

    @Test
    void memoryFallback_sessionsBornDuringAnOutage_expireLocally_once() {
        try (RedisProcess redis = RedisServers.standalone()) {
            String keyset = TestApps.newKeyset();
            EmbeddedTomcat a = instance("A", keyset, standalone(redis), "sessionfilter.timeout", "2s",
                    "sessionfilter.expiry.notifyWithin", "1s", "sessionfilter.redis.timeout", "300ms");
            redis.stop();
            Browser user = new Browser();
            assertEquals("ok", user.get(a.url("/ops/set?n=user&v=offline")).body());
            String id = user.cookies.get("SESSION");
            await(() -> !ExpiryRecorder.EVENTS.isEmpty(), 6_000, "the local expiry event");
            assertEquals(id, ExpiryRecorder.EVENTS.get(0).id());
            assertEquals("offline", ExpiryRecorder.EVENTS.get(0).user());
            redis.restart();
            sleep(4_000); // recovery, write-back, sweeps
            assertEquals(1, ExpiryRecorder.EVENTS.size(), "not again from Redis: " + ExpiryRecorder.EVENTS);
            try (Jedis j = redis.jedis()) {
                assertTrue(j.keys("sessionfilter:app:s:*").isEmpty(), "a dead session is not written back");
            }
        }
    }

    /** After every session expired: no session, index, claim or principal key of the namespace remains. */
    static void assertNoSessionDataLeft(RedisProcess redis, String ns) {
        try (Jedis j = redis.jedis()) {
            await(() -> j.keys(ns + ":*").stream().allMatch(k -> k.endsWith(":x")), 5_000,
                    "no key but tombstones left: " + j.keys(ns + ":*"));
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}

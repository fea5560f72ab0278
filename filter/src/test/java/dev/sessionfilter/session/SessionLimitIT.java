package dev.sessionfilter.session;

import dev.sessionfilter.SessionFilter;
import dev.sessionfilter.testing.Browser;
import dev.sessionfilter.testing.EmbeddedTomcat;
import dev.sessionfilter.testing.ExpiryRecorder;
import dev.sessionfilter.testing.OpsServlet;
import dev.sessionfilter.testing.RedisProcess;
import dev.sessionfilter.testing.RedisServers;
import dev.sessionfilter.testing.TestApps;
import jakarta.servlet.Filter;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code sessionfilter.maxSessionsPerPrincipal}: simultaneous logins of one user on two instances never
 * get past the limit (evict-oldest and refuse), evictions fire their listeners once, an entry whose
 * session idled out does not hold a place, and requests that do not change the principal pay nothing.
 */
class SessionLimitIT {
    static final int LOGINS = 20;
    static final int LIMIT = 2;

    @BeforeEach
    void reset() {
        ExpiryRecorder.reset();
    }

    private static EmbeddedTomcat instance(RedisProcess redis, String keyset, String tag, String... params) {
        EmbeddedTomcat app = TestApps.app(redis.url(), keyset).param("test.instance", tag)
                .param("sessionfilter.listeners", ExpiryRecorder.class.getName())
                .param("sessionfilter.principalAttribute", "user");
        for (int i = 0; i < params.length; i += 2) {
            app.param(params[i], params[i + 1]);
        }
        return app.start();
    }

    /** 20 browsers, each with an anonymous session, log in as alice at once, alternating instances. */
    private static List<Browser.Response> simultaneousLogins(List<Browser> browsers, List<EmbeddedTomcat> on)
            throws Exception {
        for (int i = 0; i < browsers.size(); i++) {
            browsers.get(i).get(on.get(i % 2).url("/ops/set?n=cart&v=c" + i));
        }
        ExecutorService pool = Executors.newFixedThreadPool(browsers.size());
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Browser.Response>> out = new ArrayList<>();
            for (int i = 0; i < browsers.size(); i++) {
                Browser b = browsers.get(i);
                EmbeddedTomcat t = on.get(i % 2);
                out.add(pool.submit(() -> {
                    go.await();
                    return b.get(t.url("/ops/login?v=alice&hold=50"));
                }));
            }
            go.countDown();
            List<Browser.Response> responses = new ArrayList<>();
            for (Future<Browser.Response> f : out) {
                responses.add(f.get());
            }
            return responses;
        } finally {
            pool.shutdownNow();
        }
    }

    /** The browsers whose session still says alice, asked on both instances. */
    private static Set<String> loggedIn(List<Browser> browsers, List<EmbeddedTomcat> on) {
        Set<String> ids = new TreeSet<>();
        for (Browser b : browsers) {
            String onA = b.get(on.get(0).url("/ops/get?n=user")).body();
            String onB = b.get(on.get(1).url("/ops/get?n=user")).body();
            assertEquals(onA, onB, "both instances agree");
            if ("alice".equals(onA)) {
                ids.add(b.cookies.get("SESSION"));
            }
        }
        return ids;
    }

    private static Set<String> registry(EmbeddedTomcat t, String principal) {
        String body = new Browser().get(t.url("/ops/registry-of?p=" + principal)).body();
        return body.isEmpty() ? Set.of() : new TreeSet<>(Set.of(body.split(",")));
    }

    @Test
    void twentySimultaneousLogins_onTwoInstances_evictOldest_leaveExactlyTwo_andEachEvictionFiresOnce() throws Exception {
        try (RedisProcess redis = RedisServers.standalone()) {
            String keyset = TestApps.newKeyset();
            try (EmbeddedTomcat a = instance(redis, keyset, "A", "sessionfilter.maxSessionsPerPrincipal", "2");
                 EmbeddedTomcat b = instance(redis, keyset, "B", "sessionfilter.maxSessionsPerPrincipal", "2")) {
                List<EmbeddedTomcat> on = List.of(a, b);
                List<Browser> browsers = new ArrayList<>();
                for (int i = 0; i < LOGINS; i++) {
                    browsers.add(new Browser());
                }
                List<Browser.Response> responses = simultaneousLogins(browsers, on);
                // A login evicted by a later one while its own request still runs finds its session gone at
                // changeSessionId: the IllegalStateException of a session invalidated by another request.
                long in = responses.stream().filter(r -> r.status() == 200 && r.body().startsWith("in ")).count();
                long evictedMidLogin = responses.stream().filter(r -> r.body().equals("error-page sees no-session")).count();
                assertEquals(LOGINS, in + evictedMidLogin, "evict-oldest never refuses: " + responses.stream()
                        .map(Browser.Response::body).toList());
                assertTrue(in >= LIMIT, "at least the survivors got through: " + in);

                Set<String> alive = loggedIn(browsers, on);
                System.out.println("[session-limit] evict-oldest: " + LOGINS + " simultaneous logins of one user on 2 "
                        + "instances, limit " + LIMIT + ": " + alive.size() + " sessions left, "
                        + ExpiryRecorder.EVENTS.size() + " evicted (" + evictedMidLogin + " while their login ran)");
                assertEquals(LIMIT, alive.size(), "exactly the limit survives");
                assertEquals(alive, registry(a, "alice"), "the registry lists the survivors");
                assertEquals(alive, registry(b, "alice"));

                Map<String, Long> perSession = ExpiryRecorder.EVENTS.stream()
                        .collect(Collectors.groupingBy(ExpiryRecorder.Event::id, Collectors.counting()));
                assertEquals(LOGINS - LIMIT, perSession.size(), "each evicted session's listeners fired: " + perSession);
                assertTrue(perSession.values().stream().allMatch(n -> n == 1), "once each: " + perSession);
                assertTrue(perSession.keySet().stream().noneMatch(alive::contains), "never for a survivor");
                try (Jedis j = redis.jedis()) {
                    String index = "sessionfilter:app:p:{" + onlyIndexName(j) + "}";
                    assertEquals(Set.of(index, index + ":n"), j.keys("sessionfilter:app:p:*"), "one index and its pending set");
                    assertEquals(LIMIT, j.zcard(index));
                    assertTrue(j.zcard(index + ":n") <= LIMIT, "no evicted member left pending");
                    long ttl = j.pttl(index + ":n");
                    assertTrue(ttl > 0 && ttl <= 120_000, "the pending marks age out: " + ttl);
                }

                // One at a time: the oldest goes. The survivors are the two just logged in.
                Browser third = new Browser();
                third.get(a.url("/ops/login?v=alice"));
                Browser fourth = new Browser();
                fourth.get(b.url("/ops/login?v=alice"));
                Set<String> now = loggedIn(List.of(browsers.toArray(new Browser[0])), on);
                assertEquals(Set.of(), now, "both earlier survivors evicted, the older first");
                assertEquals(Set.of(third.cookies.get("SESSION"), fourth.cookies.get("SESSION")), registry(a, "alice"));
                assertEquals(LOGINS, ExpiryRecorder.EVENTS.size());

                // Another principal is not touched, and the same session logging in again takes no place.
                Browser bob = new Browser();
                assertEquals(200, bob.get(a.url("/ops/login?v=bob")).status());
                assertEquals(200, fourth.get(a.url("/ops/set?n=user&v=alice")).status());
                assertEquals(Set.of(third.cookies.get("SESSION"), fourth.cookies.get("SESSION")), registry(b, "alice"));
                assertEquals(LOGINS, ExpiryRecorder.EVENTS.size());
            }
        }
    }

    private static String onlyIndexName(Jedis j) {
        Set<String> keys = j.keys("sessionfilter:app:p:{*}");
        assertEquals(1, keys.size(), keys.toString());
        String k = keys.iterator().next();
        return k.substring(k.indexOf('{') + 1, k.indexOf('}'));
    }

    @Test
    void twentySimultaneousLogins_onTwoInstances_refuse_letExactlyTwoIn_andTheOthersKeepTheirSession() throws Exception {
        try (RedisProcess redis = RedisServers.standalone()) {
            String keyset = TestApps.newKeyset();
            String[] params = {"sessionfilter.maxSessionsPerPrincipal", "2", "sessionfilter.maxSessionsPolicy", "refuse"};
            try (EmbeddedTomcat a = instance(redis, keyset, "A", params);
                 EmbeddedTomcat b = instance(redis, keyset, "B", params)) {
                List<EmbeddedTomcat> on = List.of(a, b);
                List<Browser> browsers = new ArrayList<>();
                for (int i = 0; i < LOGINS; i++) {
                    browsers.add(new Browser());
                }
                List<Browser.Response> responses = simultaneousLogins(browsers, on);
                long in = responses.stream().filter(r -> r.status() == 200 && r.body().startsWith("in ")).count();
                long refused = responses.stream().filter(r -> r.status() == 409).count();
                System.out.println("[session-limit] refuse: " + LOGINS + " simultaneous logins of one user on 2 instances, "
                        + "limit " + LIMIT + ": " + in + " in, " + refused + " refused");
                assertEquals(LIMIT, in, responses.stream().map(Browser.Response::body).toList().toString());
                assertEquals(LOGINS - LIMIT, refused);
                assertTrue(responses.stream().filter(r -> r.status() == 409)
                                .allMatch(r -> r.body().equals("refused 2 user=null")),
                        "the refused setAttribute left no principal: " + responses.stream().map(Browser.Response::body).toList());
                Set<String> alive = loggedIn(browsers, on);
                assertEquals(LIMIT, alive.size());
                assertEquals(alive, registry(b, "alice"));
                assertEquals(0, ExpiryRecorder.EVENTS.size(), "refusing ends nobody's session");
                for (int i = 0; i < LOGINS; i++) {
                    String cart = browsers.get(i).get(on.get((i + 1) % 2).url("/ops/get?n=cart")).body();
                    assertEquals("c" + i, cart, "every browser kept its session, refused or not");
                }

                // A place frees when a session ends: the next login gets it.
                String leaving = alive.iterator().next();
                assertEquals("true", new Browser().get(a.url("/ops/registry-end?id=" + leaving)).body());
                Browser late = new Browser();
                assertEquals(200, late.get(b.url("/ops/login?v=alice")).status());
                assertEquals(409, new Browser().get(a.url("/ops/login?v=alice")).status());
            }
        }
    }

    @Test
    void onRedisCluster_theSameTwentyLogins_stayWithinTheLimit_withNoCrossSlotCommand() throws Exception {
        try (RedisServers.Cluster cluster = new RedisServers.Cluster()) {
            String keyset = TestApps.newKeyset();
            List<EmbeddedTomcat> on = new ArrayList<>();
            try {
                for (String tag : List.of("A", "B")) {
                    on.add(TestApps.app("redis://127.0.0.1:1", keyset).param("sessionfilter.redis.cluster.nodes", cluster.nodes())
                            .param("sessionfilter.principalAttribute", "user").param("sessionfilter.maxSessionsPerPrincipal", "2")
                            .param("sessionfilter.maxSessionsPolicy", "refuse").start());
                }
                List<Browser> browsers = new ArrayList<>();
                for (int i = 0; i < LOGINS; i++) {
                    browsers.add(new Browser());
                }
                List<Browser.Response> responses = simultaneousLogins(browsers, on);
                long in = responses.stream().filter(r -> r.status() == 200).count();
                System.out.println("[session-limit] cluster, refuse: " + in + " in, " + (LOGINS - in) + " refused");
                assertEquals(LIMIT, in, responses.stream().map(Browser.Response::body).toList().toString());
                assertEquals(LIMIT, loggedIn(browsers, on).size());
                // A place freed: a later login is checked (liveness, in each session's slot) and gets it.
                String leaving = loggedIn(browsers, on).iterator().next();
                assertEquals("true", new Browser().get(on.get(0).url("/ops/registry-end?id=" + leaving)).body());
                assertEquals(200, new Browser().get(on.get(1).url("/ops/login?v=alice")).status());
                assertEquals(409, new Browser().get(on.get(0).url("/ops/login?v=alice")).status());
            } finally {
                on.forEach(EmbeddedTomcat::close);
            }
        }
    }

    @Test
    void aSessionThatIdledOut_butIsNotSweptYet_holdsNoPlace() throws Exception {
        try (RedisProcess redis = RedisServers.standalone();
             // The sweeper's rounds come every hour: the idled-out session's index entry stays meanwhile.
             EmbeddedTomcat a = instance(redis, TestApps.newKeyset(), "A", "sessionfilter.maxSessionsPerPrincipal", "1",
                     "sessionfilter.maxSessionsPolicy", "refuse", "sessionfilter.expiry.notifyWithin", "1h")) {
            Browser first = new Browser();
            assertEquals(200, first.get(a.url("/ops/login?v=carol")).status());
            first.get(a.url("/ops/setmax?v=1"));
            assertEquals(409, new Browser().get(a.url("/ops/login?v=carol")).status(), "the place is taken");
            Thread.sleep(2_200);
            try (Jedis j = redis.jedis()) {
                assertEquals(1, j.keys("sessionfilter:app:p:{*}").size(), "the idled-out session is still indexed");
            }
            Browser second = new Browser();
            assertEquals(200, second.get(a.url("/ops/login?v=carol")).status(), "its entry was checked and dropped");
            assertEquals(Set.of(second.cookies.get("SESSION")), registry(a, "carol"));
        }
    }

    @Test
    void containerLogin_isCheckedAtChangeSessionId_andOneThatNeverCallsIt_atTheEndOfItsRequest() {
        Filter login = TestApps.remoteUserFromHeader();
        Map<String, String> erin = Map.of("X-Test-User", "erin");
        try (RedisProcess redis = RedisServers.standalone();
             EmbeddedTomcat app = new EmbeddedTomcat("/app").param("sessionfilter.redis.url", redis.url())
                     .param("sessionfilter.keyset", TestApps.newKeyset())
                     .param("sessionfilter.maxSessionsPerPrincipal", "1").param("sessionfilter.maxSessionsPolicy", "refuse")
                     .filter("login", login, Map.of()).filter("sessions", new SessionFilter(), Map.of())
                     .servlet("ops", new OpsServlet(), "/ops/*").start()) {
            Browser first = new Browser();
            first.get(app.url("/ops/set?n=x&v=1"));
            assertEquals(200, first.get(app.url("/ops/change"), erin).status());
            assertEquals(Set.of(first.cookies.get("SESSION")), registry(app, "erin"));

            Browser second = new Browser();
            second.get(app.url("/ops/set?n=x&v=2"));
            Browser.Response refused = second.get(app.url("/ops/change"), erin);
            assertEquals(409, refused.status());
            assertEquals("refused 1 id kept true", refused.body());
            // The app caught the refusal but did not call request.logout(): the container still names erin at
            // the end of the request, so that session ends there (the limit holds whatever the app does).
            assertEquals("no-session", second.get(app.url("/ops/get?n=x")).body());

            // A container login whose request never calls changeSessionId: refused at its end, its session ended.
            Browser third = new Browser();
            third.get(app.url("/ops/set?n=x&v=3"));
            assertEquals("ok", third.get(app.url("/ops/set?n=y&v=4"), erin).body());
            assertEquals("no-session", third.get(app.url("/ops/get?n=x")).body());
            assertEquals(Set.of(first.cookies.get("SESSION")), registry(app, "erin"), "still only the first");
        }
    }

    /** The commands of a read and of a write on a logged-in session, which do not change the principal. */
    private static List<Map<String, Long>> costs(RedisProcess redis, EmbeddedTomcat t) {
        Browser b = new Browser();
        b.get(t.url("/ops/set?n=x&v=1"));
        Set<String> ignored = Set.of("info", "ping", "hello", "client|setinfo", "client|setname", "select", "auth",
                "script|load", "client|id");
        Map<String, Long> login = redis.commandsDuring(() -> b.get(t.url("/ops/login?v=dave")), ignored);
        return List.of(redis.commandsDuring(() -> b.get(t.url("/ops/get?n=x")), ignored),
                redis.commandsDuring(() -> b.get(t.url("/ops/set?n=x&v=2")), ignored), login);
    }

    @Test
    void requestsThatDoNotChangeThePrincipal_costTheSameWithTheLimit() {
        try (RedisProcess redis = RedisServers.standalone();
             EmbeddedTomcat limited = instance(redis, TestApps.newKeyset(), "L", "sessionfilter.maxSessionsPerPrincipal", "3",
                     "sessionfilter.expiry.notifyWithin", "1h", "sessionfilter.namespace", "limited");
             EmbeddedTomcat free = instance(redis, TestApps.newKeyset(), "F", "sessionfilter.expiry.notifyWithin", "1h",
                     "sessionfilter.namespace", "free")) {
            costs(redis, free); // scripts loaded once
            costs(redis, limited);
            List<Map<String, Long>> without = costs(redis, free);
            List<Map<String, Long>> with = costs(redis, limited);
            System.out.println("[session-limit] read " + with.get(0) + ", write " + with.get(1) + " (without the limit: "
                    + without.subList(0, 2) + "); a login below the limit " + with.get(2) + ", without the limit "
                    + without.get(2));
            assertEquals(without.subList(0, 2), with.subList(0, 2));
            assertEquals(without.get(2).get("evalsha") + 1, with.get(2).get("evalsha"),
                    "a login pays one script more with the limit: its admission before the id change");
        }
    }
}

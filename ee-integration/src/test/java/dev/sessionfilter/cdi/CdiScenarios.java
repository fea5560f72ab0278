package dev.sessionfilter.cdi;

import dev.sessionfilter.testing.Browser;
import dev.sessionfilter.testing.RedisProcess;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the CDI integration promises, over real HTTP against two instances of one application (A and B) on
 * one real Redis; the subclasses run it on WildFly (Arquillian) and on Tomcat with Weld Servlet.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class CdiScenarios {

    /** The instance's URL for a path of the application. */
    abstract String url(String instance, String path);

    abstract RedisProcess redis();

    /** Stops serving the application on that instance (the fail-over). */
    abstract void stop(String instance);

    /** Deploys a broken variant of the application; returns the failure the container reported. */
    abstract String deployBroken(TestWars.Kind kind);

    /** Refusals are checked through a JAX-RS resource (WildFly) or a servlet calling a CDI bean (Tomcat). */
    abstract boolean jaxrs();

    static Map<String, String> kv(Browser.Response r) {
        assertEquals(200, r.status(), () -> "status " + r.status() + ": " + r.body());
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : r.body().split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                m.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return m;
    }

    Map<String, String> get(Browser user, String instance, String path) {
        return kv(user.get(url(instance, path)));
    }

    /** Every event both instances fired, in order per instance. */
    List<String> events() {
        return fromBoth("events", "\\|");
    }

    /** What each @PreDestroy saw (items@creator), on both instances. */
    List<String> destroyedBoth() {
        return fromBoth("destroyed", " ");
    }

    private List<String> fromBoth(String stat, String separator) {
        List<String> all = new ArrayList<>();
        for (String i : List.of("a", "b")) {
            String v = stats(i).get(stat);
            if (v != null && !v.isEmpty()) {
                all.addAll(Arrays.asList(v.split(separator)));
            }
        }
        return all;
    }

    Map<String, String> stats(String instance) {
        try {
            return get(new Browser(), instance, "/probe/stats");
        } catch (RuntimeException | AssertionError e) {
            return Map.of(); // a stopped instance
        }
    }

    static long count(List<String> list, String item) {
        return list.stream().filter(item::equals).count();
    }

    static void await(String what, long millis, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(200);
        }
    }

    @Test
    @Order(1)
    void injectedBeans_work_andShareTheFiltersConnectionPool() {
        Browser user = new Browser();
        get(user, "a", "/probe/add?item=warmup"); // the filter's pool has connected
        get(user, "b", "/probe/add?item=warmup");
        long before = clients();
        String key = UUID.randomUUID().toString();
        Map<String, String> first = get(user, "a", "/probe/inject?key=" + key);
        assertEquals("true", first.get("found"), "the injected SessionStore finds the request's session: " + first);
        assertEquals("true", first.get("sameRegistry"), "@Inject SessionRegistry is the same store");
        assertEquals("true", first.get("allowed"));
        assertEquals("1", first.get("remaining"), "2 per minute, one used");
        assertTrue(Long.parseLong(first.get("reset")) > 0 && Long.parseLong(first.get("reset")) <= 60, first.toString());
        assertEquals("true", first.get("healthUp"));
        assertEquals("redis", first.get("healthMode"));
        Map<String, String> second = get(user, "b", "/probe/inject?key=" + key);
        assertEquals("0", second.get("remaining"), "the limiter counts across instances: " + second);
        Map<String, String> third = get(user, "a", "/probe/inject?key=" + key);
        assertEquals("false", third.get("allowed"), "the third call of 2 per minute is refused");
        assertEquals(2, before, "one pooled connection per instance (maxTotal 1)");
        assertEquals(before, clients(), "the injected beans opened no connections of their own");
    }

    private long clients() {
        try (var j = redis().jedis()) {
            return Arrays.stream(j.clientList().split("\n")).filter(l -> !l.isBlank() && !l.contains("cmd=client|list"))
                    .count();
        }
    }

    @Test
    @Order(2)
    void rateLimited_passesExactlyN_acrossBothInstances_thenRefusesWithRetryAfter() {
        String client = UUID.randomUUID().toString();
        Map<String, String> headers = Map.of("X-Client", client);
        List<Integer> statuses = new ArrayList<>();
        Browser.Response refused = null;
        for (int i = 0; i < 6; i++) {
            String instance = i % 2 == 0 ? "a" : "b";
            Browser.Response r = jaxrs()
                    ? new Browser().post(url(instance, "/api/login"), "", headers)
                    : new Browser().get(url(instance, "/probe/guarded"), headers);
            statuses.add(r.status());
            if (r.status() == 429 && refused == null) {
                refused = r;
            }
        }
        assertEquals(List.of(200, 200, 200, 429, 429, 429), statuses, "3 per minute across A and B");
        assertNotNull(refused);
        long retry = Long.parseLong(refused.header("Retry-After"));
        assertTrue(retry >= 1 && retry <= 60, "Retry-After " + retry);
        if (jaxrs()) {
            assertTrue(refused.header("Content-Type").startsWith("application/problem+json"), refused.header("Content-Type"));
            // The filter's answer: its body, and the item named as the filter names it (3/1m).
            assertTrue(refused.body().contains("\"status\":429") && refused.body().contains("Rate limit 3/1m exceeded"),
                    refused.body());
            assertEquals("\"3/1m\";q=3;w=60", refused.header("RateLimit-Policy"));
            assertTrue(refused.header("RateLimit").startsWith("\"3/1m\";r=0;t="), refused.header("RateLimit"));
        } else {
            assertTrue(refused.body().contains("result=refused"), refused.body());
        }
        // Another client has its own count.
        Map<String, String> other = Map.of("X-Client", UUID.randomUUID().toString());
        assertEquals(200, (jaxrs() ? new Browser().post(url("b", "/api/login"), "", other)
                : new Browser().get(url("b", "/probe/guarded"), other)).status());
    }

    @Test
    @Order(3)
    void events_createdChangedInvalidated_firedOnceEach_onTheInstanceWhereTheyHappened() throws Exception {
        Browser user = new Browser();
        get(user, "a", "/probe/attr?name=color&value=red");
        String id = get(user, "a", "/probe/session").get("id");
        get(user, "b", "/probe/attr?name=color&value=blue");
        get(user, "a", "/probe/attr-remove?name=color");
        String newId = get(user, "b", "/probe/change-id").get("id");
        assertNotEquals(id, newId);
        get(user, "a", "/probe/invalidate");
        await("the async destroyed event", 10_000, () -> events().contains("async invalidated " + newId));
        List<String> ev = events();
        assertEquals(1, count(ev, "created " + id), ev::toString);
        assertEquals(1, count(ev, "added " + id + " color"), ev::toString);
        assertEquals(1, count(ev, "replaced " + id + " color"), ev::toString);
        assertEquals(1, count(ev, "removed " + id + " color"), ev::toString);
        assertEquals(1, count(ev, "idChanged " + id + " " + newId), ev::toString);
        assertEquals(1, count(ev, "invalidated " + newId), ev::toString);
        assertEquals(1, count(ev, "async invalidated " + newId), ev::toString);
        assertTrue(stats("a").get("events").contains("created " + id), "created where it happened (A)");
        assertTrue(stats("b").get("events").contains("replaced " + id + " color"), "replaced where it happened (B)");
        assertFalse(ev.stream().anyMatch(e -> e.contains("dev.sessionfilter")), "no events for our own bean state: " + ev);
    }

    @Test
    @Order(4)
    void sessionScopedBean_followsTheUserAcrossInstances_withoutPostConstructAgain() {
        Browser user = new Browser();
        Map<String, String> added = get(user, "a", "/probe/add?item=apple");
        assertEquals("true", added.get("sameInstance"), "one instance per request");
        get(user, "a", "/probe/add?item=kiwi");
        int constructedOnB = Integer.parseInt(stats("b").get("constructed"));
        Map<String, String> onB = get(user, "b", "/probe/show");
        assertEquals("apple+kiwi", onB.get("items"), "B reads the bean A changed: " + onB);
        assertEquals("9", onB.get("total"));
        assertEquals("a", onB.get("createdBy"), "the state came from A");
        assertEquals("1", onB.get("uses"), "transient fields are not stored (re-initialized per request)");
        assertEquals(constructedOnB, Integer.parseInt(onB.get("constructed")), "no @PostConstruct on restore");
        get(user, "b", "/probe/add?item=fig");
        assertEquals("apple+kiwi+fig", get(user, "a", "/probe/show").get("items"));
    }

    @Test
    @Order(5)
    void sessionScopedBean_isWrittenBackOnlyWhenItsStateChanged() {
        Browser user = new Browser();
        get(user, "a", "/probe/add?item=pear");
        get(user, "a", "/probe/show"); // makes the second bean (Preferences): both exist from here on
        Set<String> ignored = Set.of("ping", "client|list", "info");
        Map<String, Long> read = redis().commandsDuring(() -> get(user, "b", "/probe/show"), ignored);
        System.out.println("Redis commands of a request reading two session beans: " + read);
        assertEquals(1L, sessionRoundTrips(read), "one read of the session: " + read);
        assertEquals(0L, read.getOrDefault("hset", 0L), "a read of the beans writes nothing: " + read);
        Map<String, Long> write = redis().commandsDuring(() -> get(user, "b", "/probe/add?item=plum"), ignored);
        System.out.println("Redis commands of a request changing one of them: " + write);
        assertEquals(2L, sessionRoundTrips(write), "a read and the commit: " + write);
        assertEquals(1L, write.getOrDefault("hset", 0L), "one write of the changed bean: " + write);
    }

    /**
     * The request's round trips to the session: HGETALL, or the near cache's version-checked load, and the
     * commit, both scripts. The sweepers' own scripts (CLAIM, per shard) run meanwhile and are told apart
     * by the ZRANGEBYSCORE each of them runs.
     */
    private static long sessionRoundTrips(Map<String, Long> commands) {
        long scripts = commands.getOrDefault("evalsha", 0L) + commands.getOrDefault("eval", 0L)
                - commands.getOrDefault("zrangebyscore", 0L) / 2;
        return commands.getOrDefault("hgetall", 0L) + scripts;
    }

    @Test
    @Order(6)
    void invalidate_runsPreDestroyOnce_withTheState() throws Exception {
        Browser user = new Browser();
        get(user, "a", "/probe/add?item=grape");
        get(user, "b", "/probe/add?item=lime");
        get(user, "b", "/probe/invalidate");
        List<String> destroyed = destroyedBoth();
        assertEquals(1, count(destroyed, "grape+lime@a"), destroyed::toString);
        Map<String, String> fresh = get(user, "a", "/probe/show");
        assertEquals("", fresh.get("items"), "after invalidate the next use makes a new bean in a new session");
    }

    @Test
    @Order(7)
    void expiry_runsPreDestroyAndFiresTheEvent_onceAcrossInstances() throws Exception {
        Browser user = new Browser();
        get(user, "a", "/probe/add?item=melon");
        get(user, "b", "/probe/add?item=peach&ttl=2");
        String id = get(user, "b", "/probe/session").get("id");
        await("the expiry events", 20_000, () -> events().contains("async expired " + id));
        Thread.sleep(1500); // a second notification would come within the sweep interval
        List<String> ev = events();
        assertEquals(1, count(ev, "expired " + id), ev::toString);
        assertEquals(1, count(ev, "async expired " + id), ev::toString);
        List<String> destroyed = destroyedBoth();
        assertEquals(1, count(destroyed, "melon+peach@a"), destroyed::toString);
    }

    @Test
    @Order(8)
    void brokenDeployments_failWithOurMessages() {
        String setting = deployBroken(TestWars.Kind.BAD_SETTING);
        assertTrue(setting.contains("invalid configuration (2 problems)"), setting);
        assertTrue(setting.contains("`sessionfilter.cookie.sameSite` (context-param sessionfilter.cookie.sameSite) was "
                + "`Loose`; expected one of Strict, Lax, None"), setting);
        assertTrue(setting.contains("names `/nonexistent/keyset.json`, which cannot be read"), setting);
        String limit = deployBroken(TestWars.Kind.BAD_LIMIT);
        assertTrue(limit.contains("@RateLimited(\"5 per fortnight\") on dev.sessionfilter.cdi.app.BadLimit.call does not "
                + "parse"), limit);
        String bean = deployBroken(TestWars.Kind.BAD_BEAN);
        assertTrue(bean.contains("@SessionScoped bean dev.sessionfilter.cdi.app.BadBean: field BadBean.anything "
                + "(java.lang.Object) cannot be stored in the Redis session"), bean);
    }

    @Test
    @Order(9)
    void concurrentChanges_theSameBeanLastCommitWins_differentBeansBothKept() throws Exception {
        Browser user = new Browser();
        get(user, "a", "/probe/add?item=base");
        Browser tab = new Browser();
        tab.cookies.putAll(user.cookies);
        java.util.concurrent.CompletableFuture<Map<String, String>> slow = java.util.concurrent.CompletableFuture
                .supplyAsync(() -> get(user, "a", "/probe/add?item=slow&sleep=1500"));
        Thread.sleep(400); // A has loaded the cart [base] and sleeps before committing
        get(tab, "b", "/probe/add?item=fast"); // commits [base, fast] first
        get(tab, "b", "/probe/theme?set=dark");
        assertEquals("base+slow", slow.get().get("items"));
        Map<String, String> after = get(user, "b", "/probe/show");
        assertEquals("base+slow", after.get("items"),
                "one bean is one value: the later commit (A's) replaces it whole: " + after);
        assertEquals("dark", after.get("theme"), "a bean A never used keeps B's change: " + after);
    }

    @Test
    @Order(100)
    void failover_theBeanSurvivesTheInstanceThatMadeIt() throws Exception {
        Browser user = new Browser();
        get(user, "a", "/probe/add?item=cherry");
        get(user, "a", "/probe/add?item=date");
        stop("a");
        Map<String, String> onB = get(user, "b", "/probe/show");
        assertEquals("cherry+date", onB.get("items"), "B serves A's bean after A is gone: " + onB);
        get(user, "b", "/probe/add?item=elder&ttl=2");
        await("the expiry on B", 20_000, () -> destroyedBoth().contains("cherry+date+elder@a"));
        assertEquals(1, count(destroyedBoth(), "cherry+date+elder@a"));
    }
}

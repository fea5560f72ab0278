package dev.sessionfilter.session;

import dev.sessionfilter.store.SessionKey;
import dev.sessionfilter.testing.Browser;
import dev.sessionfilter.testing.EmbeddedTomcat;
import dev.sessionfilter.testing.RedisProcess;
import dev.sessionfilter.testing.RedisServers;
import dev.sessionfilter.testing.TestApps;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code sessionfilter.noTouch}: polling requests read (and may write) the session without extending its
 * idle expiry, on two instances; the deadline and last-access time never move backwards; a poll costs one
 * read and no refresh write.
 */
class NoTouchIT {
    private static final Set<String> IGNORED = Set.of("info", "ping", "hello", "client|setinfo", "client|setname",
            "select", "auth", "script|load", "client|id");

    private static EmbeddedTomcat instance(RedisProcess redis, String keyset) {
        return TestApps.app(redis.url(), keyset).param("sessionfilter.timeout", "4s")
                .param("sessionfilter.noTouch", "/ops/poll/*,*.sse").param("sessionfilter.expiry.notifyWithin", "1h").start();
    }

    private static double deadline(RedisProcess redis, String id) {
        SessionKey k = new SessionKey("sessionfilter:app", id);
        try (Jedis j = redis.jedis()) {
            Double d = j.zscore(k.deadlines(), k.hash().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            return d == null ? -1 : d;
        }
    }

    private static long accessed(String info) {
        Matcher m = Pattern.compile(" accessed=(\\d+)").matcher(info);
        assertTrue(m.find(), info);
        return Long.parseLong(m.group(1));
    }

    @Test
    void pollingOnAnotherInstance_neverKeepsTheSessionAlive_butRegularRequestsDo() throws Exception {
        try (RedisProcess redis = RedisServers.standalone()) {
            String keyset = TestApps.newKeyset();
            try (EmbeddedTomcat a = instance(redis, keyset); EmbeddedTomcat b = instance(redis, keyset)) {
                Browser polled = new Browser();
                polled.get(a.url("/ops/set?n=user&v=alice"));
                String id = polled.cookies.get("SESSION");
                double before = deadline(redis, id);
                long lastAccess = accessed(polled.get(a.url("/ops/poll/info")).body());
                Browser kept = new Browser();
                kept.get(a.url("/ops/set?n=user&v=bob"));

                long start = System.currentTimeMillis();
                int served = 0;
                String last = "";
                while (System.currentTimeMillis() - start < 6_000) {
                    last = polled.get(b.url("/ops/poll/get?n=user")).body();
                    if (!"alice".equals(last)) {
                        break;
                    }
                    served++;
                    if (served == 3) {
                        assertEquals(before, deadline(redis, id), "polls leave the idle deadline where it was");
                        assertEquals(lastAccess, accessed(polled.get(a.url("/ops/poll/info")).body()),
                                "and the last-access time: getLastAccessedTime() in a poll is the stored one");
                        // A write in a poll is saved, and still does not extend the session.
                        assertEquals("ok", polled.get(b.url("/ops/poll/set?n=seen&v=1")).body());
                        assertEquals("1", polled.get(a.url("/ops/poll/get?n=seen")).body());
                        assertEquals(before, deadline(redis, id), "a poll's write keeps the deadline");
                    }
                    assertEquals("bob", kept.get(b.url("/ops/get?n=user")).body());
                    Thread.sleep(300);
                }
                long ended = System.currentTimeMillis() - start;
                System.out.println("[no-touch] polled every 300 ms on the other instance: served " + served
                        + " polls, then '" + last + "' after " + ended + " ms (idle timeout 4 s); regular requests kept the other session");
                assertEquals("no-session", last, "the polled session idled out");
                assertTrue(ended < 5_500 && served >= 5, "ended at its idle timeout, not later: " + ended + " ms, " + served + " polls");
                assertEquals("bob", kept.get(a.url("/ops/get?n=user")).body(), "the regularly used session lives on");
            }
        }
    }

    @Test
    void aSlowPollThatStartedBeforeARegularRequest_neverMovesTheDeadlineBack() throws Exception {
        try (RedisProcess redis = RedisServers.standalone()) {
            String keyset = TestApps.newKeyset();
            try (EmbeddedTomcat a = instance(redis, keyset); EmbeddedTomcat b = instance(redis, keyset)) {
                Browser br = new Browser();
                br.get(a.url("/ops/set?n=user&v=carol"));
                String id = br.cookies.get("SESSION");
                double first = deadline(redis, id);
                Thread.sleep(1_200); // past the refresh interval (a tenth of the timeout, at least 1 s)
                // The poll loads the session now and writes 1.5 s later; meanwhile a regular request touches it.
                CompletableFuture<String> slow = CompletableFuture.supplyAsync(
                        () -> br.get(b.url("/ops/poll/slow-set?n=progress&v=50&ms=1500")).body());
                Thread.sleep(300);
                assertEquals("carol", br.get(a.url("/ops/get?n=user")).body());
                double touched = deadline(redis, id);
                long touchedAccess = accessed(br.get(a.url("/ops/poll/info")).body());
                assertTrue(touched > first + 1_000, "the regular request extended it: " + first + " -> " + touched);
                assertEquals("ok", slow.get());
                assertEquals(touched, deadline(redis, id), "the slow poll's write did not move it back");
                assertEquals(touchedAccess, accessed(br.get(b.url("/ops/poll/info")).body()), "nor the last-access time");
                assertEquals("50", br.get(a.url("/ops/get?n=progress")).body(), "its write is there");
            }
        }
    }

    @Test
    void aPoll_costsOneReadAndNoRefresh_whereARegularRequestRefreshes() throws Exception {
        try (RedisProcess redis = RedisServers.standalone();
             EmbeddedTomcat a = instance(redis, TestApps.newKeyset())) {
            Browser br = new Browser();
            br.get(a.url("/ops/set?n=x&v=1"));
            Thread.sleep(1_200);
            Map<String, Long> poll = redis.commandsDuring(() -> br.get(a.url("/ops/poll/get?n=x")), IGNORED);
            Map<String, Long> sse = redis.commandsDuring(() -> assertEquals("1", br.get(a.url("/ops/events.sse?n=x")).body()), IGNORED);
            Map<String, Long> regular = redis.commandsDuring(() -> br.get(a.url("/ops/get?n=x")), IGNORED);
            System.out.println("[no-touch] after the refresh interval: a poll " + poll + ", a regular read " + regular);
            assertEquals(Map.of("hgetall", 1L), poll);
            assertTrue(regular.containsKey("evalsha"), "the regular read refreshes: " + regular);
            assertEquals(Map.of("hgetall", 1L), sse, "*.sse matches too");
        }
    }
}

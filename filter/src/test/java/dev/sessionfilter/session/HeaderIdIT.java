package dev.sessionfilter.session;

import dev.sessionfilter.testing.Browser;
import dev.sessionfilter.testing.EmbeddedTomcat;
import dev.sessionfilter.testing.RedisProcess;
import dev.sessionfilter.testing.RedisServers;
import dev.sessionfilter.testing.TestApps;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code sessionfilter.idHeader}: the session id of API clients in a request header, sent back when a
 * session is created or its id changes and emptied on invalidate, on two instances; with the cookie too
 * (the header wins) or alone; never from a URL; an unknown id never adopted.
 */
class HeaderIdIT {
    static final String H = "X-Auth-Token";

    private static EmbeddedTomcat instance(RedisProcess redis, String keyset, String... params) {
        EmbeddedTomcat app = TestApps.app(redis.url(), keyset).param("sessionfilter.idHeader", H);
        for (int i = 0; i < params.length; i += 2) {
            app.param(params[i], params[i + 1]);
        }
        return app.start();
    }

    private static Map<String, String> token(String id) {
        return Map.of(H, id);
    }

    @Test
    void headerOnly_acrossTwoInstances_create_read_changeId_invalidate() {
        try (RedisProcess redis = RedisServers.standalone()) {
            String keyset = TestApps.newKeyset();
            try (EmbeddedTomcat a = instance(redis, keyset, "sessionfilter.cookie.enabled", "false");
                 EmbeddedTomcat b = instance(redis, keyset, "sessionfilter.cookie.enabled", "false")) {
                Browser client = new Browser(); // an API client: it ignores cookies, and none is sent
                Browser.Response created = client.get(a.url("/ops/set?n=cart&v=tea"));
                String id = created.header(H);
                assertTrue(id != null && id.length() == 43, "the new session's id in the header: " + id);
                assertEquals(java.util.List.of(), created.setCookies(), "no cookie when it is off");
                assertEquals("no-store", created.header("Cache-Control"));
                assertTrue(client.cookies.isEmpty());

                Browser.Response read = client.get(b.url("/ops/info"), token(id));
                assertTrue(read.body().contains("requested=" + id + " valid=true fromCookie=false fromURL=false id=" + id
                        + " new=false"), read.body());
                assertNull(read.header(H), "nothing to say when the id did not change");
                assertEquals("tea", client.get(b.url("/ops/get?n=cart"), token(id)).body());

                Browser.Response changed = client.get(b.url("/ops/change"), token(id));
                String[] ids = changed.body().split(" ");
                assertEquals(id, ids[0]);
                assertEquals(ids[1], changed.header(H), "the new id goes back in the header");
                assertEquals("tea", client.get(a.url("/ops/get?n=cart"), token(ids[1])).body());
                assertEquals("no-session", client.get(a.url("/ops/get?n=cart"), token(id)).body(), "the old id is dead");

                Browser.Response ended = client.get(a.url("/ops/invalidate"), token(ids[1]));
                assertEquals("invalidated", ended.body());
                assertEquals("", ended.header(H), "emptied on invalidate");
                assertEquals("no-session", client.get(b.url("/ops/get?n=cart"), token(ids[1])).body());

                // Never from a URL or a parameter, and an unknown id is never adopted.
                Browser.Response fromUrl = client.get(a.url("/ops/info;jsessionid=" + ids[1] + "?" + H + "=" + ids[1]));
                assertTrue(fromUrl.body().startsWith("requested=null "), fromUrl.body());
                String forged = "A".repeat(43);
                Browser.Response adopted = client.get(a.url("/ops/set?n=x&v=1"), token(forged));
                assertNotEquals(forged, adopted.header(H), "a fresh id, never the one the client made up");
                try (Jedis j = redis.jedis()) {
                    Set<String> keys = j.keys("*");
                    assertTrue(keys.stream().noneMatch(k -> k.contains(adopted.header(H)) || k.contains(id) || k.contains(forged)),
                            "ids only hashed in key names: " + keys);
                }
            }
        }
    }

    @Test
    void headerAndCookie_bothOn_theHeaderWins_andBothCarryANewId() {
        try (RedisProcess redis = RedisServers.standalone();
             EmbeddedTomcat a = instance(redis, TestApps.newKeyset())) {
            Browser web = new Browser();
            Browser.Response created = web.get(a.url("/ops/set?n=who&v=browser"));
            String cookieId = web.cookies.get("SESSION");
            assertEquals(cookieId, created.header(H), "a new session is announced both ways");
            Browser api = new Browser();
            String headerId = api.get(a.url("/ops/set?n=who&v=api")).header(H);

            // The browser's cookie and the API token together: the header names the session served.
            Browser.Response both = web.get(a.url("/ops/get?n=who"), token(headerId));
            assertEquals("api", both.body());
            String info = web.get(a.url("/ops/info"), token(headerId)).body();
            assertTrue(info.contains("requested=" + headerId + " valid=true fromCookie=false"), info);
            assertTrue(web.get(a.url("/ops/info")).body().contains("requested=" + cookieId + " valid=true fromCookie=true"));
            // A malformed header is ignored: the cookie serves.
            assertEquals("browser", web.get(a.url("/ops/get?n=who"), token("not an id")).body());
            // An unknown but well-formed header id does not hide the valid cookie.
            assertEquals("browser", web.get(a.url("/ops/get?n=who"), token("B".repeat(43))).body());
            assertFalse(web.cookies.isEmpty());
        }
    }
}

package dev.sessionfilter.session;

import dev.sessionfilter.testing.EmbeddedTomcat;
import dev.sessionfilter.testing.RedisProcess;
import dev.sessionfilter.testing.RedisServers;
import dev.sessionfilter.testing.TestApps;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A bad setting stops the application from starting, with one message naming every bad setting. */
class StartupValidationIT {
    static RedisProcess redis;

    @BeforeAll
    static void start() {
        redis = RedisServers.standalone();
    }

    @AfterAll
    static void stop() {
        redis.close();
    }

    /** Starts the app (expecting failure) and returns the sessionfilter error messages logged. */
    static List<String> failedStart(Consumer<EmbeddedTomcat> configure, String keyset) {
        List<String> errors = new ArrayList<>();
        Logger logger = Logger.getLogger("dev.sessionfilter");
        Handler h = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getLevel().intValue() >= java.util.logging.Level.SEVERE.intValue()) {
                    errors.add(r.getMessage());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(h);
        EmbeddedTomcat app = TestApps.app(redis.url(), keyset);
        configure.accept(app);
        try {
            assertThrows(IllegalStateException.class, app::start, "the application must not start");
        } finally {
            app.close();
            logger.removeHandler(h);
        }
        assertEquals(1, errors.size(), "one message: " + errors);
        return errors;
    }

    @Test
    void everyBadSetting_isNamedInOneMessage() {
        String msg = failedStart(app -> app
                .param("sessionfilter.timeout", "30x")
                .param("sessionfilter.cookie.sameSite", "Loose")
                .param("sessionfilter.maxAttributeSize", "lots")
                .param("sessionfilter.redis.pool.maxTotal", "0")
                .param("sessionfilter.onRedisFailure", "explode")
                .param("sessionfilter.cookei.name", "typo"), TestApps.newKeyset()).get(0);
        assertTrue(msg.contains("6 problems"), msg);
        assertTrue(msg.contains("`sessionfilter.timeout` (context-param sessionfilter.timeout) was `30x`; expected an "
                + "ISO-8601 duration (PT30M) or a number ending in s, m, h or d"), msg);
        assertTrue(msg.contains("`sessionfilter.cookie.sameSite` (context-param sessionfilter.cookie.sameSite) was "
                + "`Loose`; expected one of Strict, Lax, None"), msg);
        assertTrue(msg.contains("`sessionfilter.maxAttributeSize`"), msg);
        assertTrue(msg.contains("`sessionfilter.redis.pool.maxTotal` (context-param sessionfilter.redis.pool.maxTotal) "
                + "was `0`; expected a whole number from 1 to 10000"), msg);
        assertTrue(msg.contains("`sessionfilter.onRedisFailure`"), msg);
        assertTrue(msg.contains("unknown setting context-param sessionfilter.cookei.name"), msg);
    }

    @Test
    void badSessionIdAndLimitSettings_areNamed() {
        String msg = failedStart(app -> app
                .param("sessionfilter.idHeader", "Cookie")
                .param("sessionfilter.maxSessionsPerPrincipal", "-1")
                .param("sessionfilter.maxSessionsPolicy", "kick"), TestApps.newKeyset()).get(0);
        assertTrue(msg.contains("3 problems"), msg);
        assertTrue(msg.contains("`sessionfilter.idHeader` (context-param sessionfilter.idHeader) was `Cookie`; expected an "
                + "HTTP header name token such as X-Auth-Token"), msg);
        assertTrue(msg.contains("`sessionfilter.maxSessionsPerPrincipal` (context-param sessionfilter.maxSessionsPerPrincipal) "
                + "was `-1`; expected a whole number from 0 to 100000"), msg);
        assertTrue(msg.contains("was `kick`; expected one of evict-oldest, refuse"), msg);
        msg = failedStart(app -> app.param("sessionfilter.cookie.enabled", "false"), TestApps.newKeyset()).get(0);
        assertTrue(msg.contains("`sessionfilter.cookie.enabled` is false but `sessionfilter.idHeader` is unset"), msg);
    }

    @Test
    void missingKeyset_saysHowToCreateOne() {
        String msg = failedStart(app -> { }, null).get(0);
        assertTrue(msg.contains("`sessionfilter.keyset` is required"), msg);
        assertTrue(msg.contains("keyset new"), msg);
    }

    @Test
    void unusableKeyset_namesTheSourceButNeverTheContents() {
        String secretLooking = "{\"primaryKeyId\": 1, \"key\": [\"TOPSECRETMATERIAL\"]}";
        String msg = failedStart(app -> { }, secretLooking).get(0);
        assertTrue(msg.contains("Cannot load the session keyset from context-param sessionfilter.keyset"), msg);
        assertFalse(msg.contains("TOPSECRETMATERIAL"), msg);
    }

    @Test
    void keysetAndKeysetFileTogether_isAnError() {
        String msg = failedStart(app -> app.param("sessionfilter.keysetFile", "/nonexistent"),
                TestApps.newKeyset()).get(0);
        assertTrue(msg.contains("are both set; expected only one of them"), msg);
    }

    @Test
    void badRedisUrl_isMaskedAndExplained() {
        String msg = failedStart(app -> app.param("sessionfilter.redis.url", "http://user:hunter2@host"),
                TestApps.newKeyset()).get(0);
        assertTrue(msg.contains("expected redis://[user:password@]host[:port][/database]"), msg);
        assertFalse(msg.contains("hunter2"), msg);
    }
}

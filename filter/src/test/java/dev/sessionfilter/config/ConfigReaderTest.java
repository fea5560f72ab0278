package dev.sessionfilter.config;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigReaderTest {

    static ConfigSources sources(Map<String, String> sys, Map<String, String> env, Map<String, String> init,
                                 Map<String, String> ctx) {
        return new ConfigSources(sys, env, init::get, init.keySet(), ctx::get, ctx.keySet());
    }

    @Test
    void parseDuration_acceptsIsoShortFormsAndBareSeconds() {
        assertEquals(Duration.ofMinutes(30), ConfigReader.parseDuration("PT30M"));
        assertEquals(Duration.ofSeconds(90), ConfigReader.parseDuration("90s"));
        assertEquals(Duration.ofMinutes(30), ConfigReader.parseDuration("30m"));
        assertEquals(Duration.ofHours(12), ConfigReader.parseDuration("12h"));
        assertEquals(Duration.ofDays(7), ConfigReader.parseDuration("7d"));
        assertEquals(Duration.ofMillis(250), ConfigReader.parseDuration("250ms"));
        assertEquals(Duration.ofSeconds(45), ConfigReader.parseDuration("45"));
        assertNull(ConfigReader.parseDuration("30x"));
        assertNull(ConfigReader.parseDuration("PTxM"));
        assertNull(ConfigReader.parseDuration("-5s"));
    }

    /** Issue 9: two context paths never share a default namespace; plain ones keep their readable name. */
    @Test
    void defaultNamespace_isInjective_andKeepsPlainNames() {
        assertEquals("sessionfilter:ROOT", SessionConfig.defaultNamespace(""));
        assertEquals("sessionfilter:ROOT", SessionConfig.defaultNamespace("/"));
        assertEquals("sessionfilter:sample", SessionConfig.defaultNamespace("/sample"));
        assertEquals("sessionfilter:a_b", SessionConfig.defaultNamespace("/a_b"));
        String nested = SessionConfig.defaultNamespace("/a/b");
        assertTrue(nested.startsWith("sessionfilter:a_b~"), nested);
        assertTrue(!nested.equals(SessionConfig.defaultNamespace("/a_b")));
        assertTrue(!SessionConfig.defaultNamespace("/ROOT").equals(SessionConfig.defaultNamespace("/")));
        String longA = SessionConfig.defaultNamespace("/" + "x".repeat(80) + "a");
        String longB = SessionConfig.defaultNamespace("/" + "x".repeat(80) + "b");
        assertTrue(!longA.equals(longB) && longA.length() <= 64, longA + " " + longB);
    }

    /** Issue 9: a password holding '@', '/' or ':' never shows, even in part. */
    @Test
    void maskUrl_hidesTheWholeUserInfo() {
        for (String pw : new String[] {"s3cret", "p@ss", "pa/ss", "p:a@s/s", "@@", "x/@y"}) {
            String masked = RedisConfig.maskUrl("redis://user:" + pw + "@redis.internal:6379/0");
            assertEquals("`redis://user:<masked>@redis.internal:6379/0`", masked);
        }
        assertEquals("`redis://redis.internal:6379`", RedisConfig.maskUrl("redis://redis.internal:6379"));
        assertEquals("`redis://<masked>@h:1`", RedisConfig.maskUrl("redis://p@ss@h:1"));
    }

    @Test
    void parseSize_acceptsBinaryUnits() {
        assertEquals(64 * 1024, ConfigReader.parseSize("64KiB"));
        assertEquals(1024 * 1024, ConfigReader.parseSize("1MiB"));
        assertEquals(500, ConfigReader.parseSize("500"));
        assertEquals(-1, ConfigReader.parseSize("lots"));
        assertEquals(-1, ConfigReader.parseSize("99999999999999999999GiB"));
    }

    @Test
    void lookup_firstHitWins_systemPropertyThenEnvThenInitThenContextThenDefault() {
        String k = "sessionfilter.redis.timeout";
        assertEquals("1s", new ConfigReader(sources(Map.of(k, "1s"), Map.of("SESSIONFILTER_REDIS_TIMEOUT", "2s"),
                Map.of(k, "3s"), Map.of(k, "4s"))).string(Setting.REDIS_TIMEOUT));
        assertEquals("2s", new ConfigReader(sources(Map.of(), Map.of("SESSIONFILTER_REDIS_TIMEOUT", "2s"),
                Map.of(k, "3s"), Map.of(k, "4s"))).string(Setting.REDIS_TIMEOUT));
        assertEquals("3s", new ConfigReader(sources(Map.of(), Map.of(), Map.of(k, "3s"), Map.of(k, "4s")))
                .string(Setting.REDIS_TIMEOUT));
        assertEquals("4s", new ConfigReader(sources(Map.of(), Map.of(), Map.of(), Map.of(k, "4s")))
                .string(Setting.REDIS_TIMEOUT));
        assertEquals("2s", new ConfigReader(sources(Map.of(), Map.of(), Map.of(), Map.of()))
                .string(Setting.REDIS_TIMEOUT));
    }

    @Test
    void envName_uppercasesAndReplacesDotsAndDashes() {
        assertEquals("SESSIONFILTER_REDIS_POOL_MAXTOTAL", Setting.REDIS_POOL_MAX_TOTAL.envName());
        assertEquals("SESSIONFILTER_KEYSET", Setting.KEYSET.envName());
    }

    @Test
    void unknownNames_fromEverySource_areProblems() {
        ConfigReader r = new ConfigReader(sources(Map.of("sessionfilter.timeot", "1"),
                Map.of("SESSIONFILTER_REDIS_URLL", "x", "PATH", "/bin"), Map.of("sessionfilter.namespce", "n"),
                Map.of("sessionfilter.cookie.nme", "c", "other.param", "fine")));
        ConfigException e = assertThrows(ConfigException.class, r::throwIfProblems);
        assertEquals(List.of("unknown setting context-param sessionfilter.cookie.nme (a typo?); see docs/configuration.md for the names",
                "unknown setting environment variable SESSIONFILTER_REDIS_URLL (a typo?); see docs/configuration.md for the names",
                "unknown setting init-param sessionfilter.namespce (a typo?); see docs/configuration.md for the names",
                "unknown setting system property sessionfilter.timeot (a typo?); see docs/configuration.md for the names"),
                e.problems());
    }

    @Test
    void secrets_areMaskedInMessagesAndInTheEffectiveConfiguration() {
        ConfigReader r = new ConfigReader(sources(Map.of(), Map.of(), Map.of(),
                Map.of("sessionfilter.keyset", "s3cr3t", "sessionfilter.redis.url", "redis://u:pw@h:1")));
        assertEquals("s3cr3t", r.secret(Setting.KEYSET, Setting.KEYSET_FILE));
        r.string(Setting.REDIS_URL);
        r.fail(Setting.KEYSET, "s3cr3t", "something else");
        assertEquals("<masked>", r.effective().get("sessionfilter.keyset"));
        assertEquals("redis://u:<masked>@h:1", r.effective().get("sessionfilter.redis.url"));
        ConfigException e = assertThrows(ConfigException.class, r::throwIfProblems);
        assertTrue(e.getMessage().contains("<masked>") && !e.getMessage().contains("s3cr3t"), e.getMessage());
    }

    @Test
    void sessionConfig_defaults() {
        ConfigReader r = new ConfigReader(sources(Map.of(), Map.of(), Map.of(), Map.of("sessionfilter.keyset", "k")));
        SessionConfig c = SessionConfig.read(r, "/shop", null);
        r.throwIfProblems();
        assertEquals("sessionfilter:shop", c.namespace());
        assertEquals(Duration.ofMinutes(30), c.idleTimeout());
        assertEquals(Duration.ofHours(12), c.absoluteTimeout());
        assertEquals("/shop", c.cookie().path());
        assertEquals("SESSION", c.cookie().nameFor(true), "a /shop path cannot use the __Host- prefix");
        assertEquals(64 * 1024, c.maxAttributeSize());
        assertEquals(SessionConfig.FailureMode.MEMORY, c.failureMode());
        SessionConfig root = SessionConfig.read(new ConfigReader(sources(Map.of(), Map.of(), Map.of(),
                Map.of("sessionfilter.keyset", "k"))), "", 20);
        assertEquals("sessionfilter:ROOT", root.namespace());
        assertEquals("__Host-SESSION", root.cookie().nameFor(true));
        assertEquals("SESSION", root.cookie().nameFor(false));
        assertEquals(Duration.ofMinutes(20), root.idleTimeout(), "web.xml session-timeout is the default");
    }

    @Test
    void redisConfig_modesAndCredentials() {
        RedisConfig c = RedisConfig.read(new ConfigReader(sources(Map.of(), Map.of(), Map.of(),
                Map.of("sessionfilter.redis.url", "rediss://app:p%40ss@redis.example:6380/2"))));
        assertEquals(RedisConfig.Mode.STANDALONE, c.mode());
        assertEquals("redis.example", c.host());
        assertEquals(6380, c.port());
        assertEquals(2, c.database());
        assertTrue(c.tls());
        assertEquals("app", c.user());
        assertEquals("p@ss", c.password());
        ConfigReader both = new ConfigReader(sources(Map.of(), Map.of(), Map.of(), Map.of(
                "sessionfilter.redis.cluster.nodes", "a:1", "sessionfilter.redis.sentinel.master", "m")));
        RedisConfig.read(both);
        assertThrows(ConfigException.class, both::throwIfProblems);
    }

    /** Every name the catalog knows is written out in full somewhere in docs/ (configuration.md links the rest). */
    @Test
    void everySetting_isDocumentedByItsFullName() throws Exception {
        java.nio.file.Path docs = java.nio.file.Path.of("..", "docs");
        StringBuilder all = new StringBuilder();
        try (var files = java.nio.file.Files.list(docs)) {
            for (java.nio.file.Path f : files.filter(p -> p.toString().endsWith(".md")).toList()) {
                all.append(java.nio.file.Files.readString(f));
            }
        }
        List<String> missing = new java.util.ArrayList<>();
        for (Setting st : Setting.values()) {
            if (!all.toString().contains("`" + st.key() + "`")) {
                missing.add(st.key());
            }
        }
        assertEquals(List.of(), missing, "settings not named in docs/*.md");
    }
}

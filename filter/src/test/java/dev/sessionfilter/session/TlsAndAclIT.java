package dev.sessionfilter.session;

import dev.sessionfilter.testing.Browser;
import dev.sessionfilter.testing.EmbeddedTomcat;
import dev.sessionfilter.testing.RedisProcess;
import dev.sessionfilter.testing.RedisServers;
import dev.sessionfilter.testing.TestApps;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code rediss://} against a real TLS Redis, and an ACL user holding only the documented commands.
 * Runs in its own JVM (failsafe does not reuse forks): it sets the JVM trust store.
 */
class TlsAndAclIT {

    static Path dir;

    /** Two server certificates, both in the JVM trust store: one for 127.0.0.1, one for another host. */
    @BeforeAll
    static void certificates() throws Exception {
        dir = Files.createTempDirectory("tls");
        certificate("redis", "SAN=ip:127.0.0.1,dns:localhost");
        certificate("wrong", "SAN=dns:wrong.example");
        System.setProperty("javax.net.ssl.trustStore", dir.resolve("trust.p12").toString());
        System.setProperty("javax.net.ssl.trustStorePassword", "changeit");
        System.setProperty("javax.net.ssl.trustStoreType", "PKCS12");
    }

    static void certificate(String alias, String san) throws Exception {
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Path p12 = dir.resolve(alias + ".p12");
        run(keytool, "-genkeypair", "-alias", alias, "-keyalg", "RSA", "-keysize", "2048", "-dname",
                "CN=" + (alias.equals("redis") ? "localhost" : "wrong.example"), "-ext", san, "-validity", "2",
                "-storetype", "PKCS12", "-keystore", p12.toString(), "-storepass", "changeit");
        run(keytool, "-exportcert", "-rfc", "-alias", alias, "-keystore", p12.toString(),
                "-storepass", "changeit", "-file", dir.resolve(alias + "-cert.pem").toString());
        run(keytool, "-importcert", "-noprompt", "-alias", alias, "-file", dir.resolve(alias + "-cert.pem").toString(),
                "-storetype", "PKCS12", "-keystore", dir.resolve("trust.p12").toString(), "-storepass", "changeit");
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12)) {
            ks.load(in, "changeit".toCharArray());
        }
        PrivateKey key = (PrivateKey) ks.getKey(alias, "changeit".toCharArray());
        Files.writeString(dir.resolve(alias + "-key.pem"), "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(key.getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
    }

    static RedisProcess tlsRedis(String alias, int tlsPort) {
        return RedisServers.standalone("--tls-port", String.valueOf(tlsPort),
                "--tls-cert-file", dir.resolve(alias + "-cert.pem").toString(),
                "--tls-key-file", dir.resolve(alias + "-key.pem").toString(),
                "--tls-ca-cert-file", dir.resolve(alias + "-cert.pem").toString(), "--tls-auth-clients", "no");
    }

    @Test
    void rediss_connectsOverTls_trustingTheJvmTrustStore() throws Exception {
        int tlsPort = RedisServers.freePort();
        try (RedisProcess redis = tlsRedis("redis", tlsPort);
             EmbeddedTomcat app = TestApps.app("rediss://127.0.0.1:" + tlsPort, TestApps.newKeyset()).start()) {
            Browser b = new Browser();
            b.get(app.url("/ops/set?n=user&v=over-tls"));
            assertEquals("over-tls", b.get(app.url("/ops/get?n=user")).body());
            try (Jedis j = redis.jedis()) {
                assertTrue(j.info("stats").matches("(?s).*total_connections_received:\\d+.*"));
                assertEquals(1, j.keys("sessionfilter:app:s:{*}:???????????????????????????????????????????").size(), "the session was written through TLS");
            }
        }
    }

    /**
     * Issue 9 item 9: a certificate signed by a trusted CA but for another host is refused (the host name is
     * verified by default), so a man in the middle never sees the AUTH password; the documented switch
     * turns the check off.
     */
    @Test
    void rediss_refusesACertificateForAnotherHost_unlessVerificationIsSwitchedOff() throws Exception {
        int tlsPort = RedisServers.freePort();
        try (RedisProcess redis = tlsRedis("wrong", tlsPort)) {
            try (EmbeddedTomcat app = TestApps.app("rediss://127.0.0.1:" + tlsPort, TestApps.newKeyset())
                    .param("sessionfilter.onRedisFailure", "fail").start()) {
                Browser.Response r = new Browser().get(app.url("/ops/set?n=user&v=mitm"));
                assertEquals(503, r.status(), "no session over a connection to the wrong host: " + r.body());
                try (Jedis j = redis.jedis()) {
                    assertEquals(0, j.dbSize());
                }
            }
            try (EmbeddedTomcat app = TestApps.app("rediss://127.0.0.1:" + tlsPort, TestApps.newKeyset())
                    .param("sessionfilter.redis.tls.verifyHostname", "false").start()) {
                Browser b = new Browser();
                b.get(app.url("/ops/set?n=user&v=unverified"));
                assertEquals("unverified", b.get(app.url("/ops/get?n=user")).body());
                try (Jedis j = redis.jedis()) {
                    assertEquals(1, j.keys("sessionfilter:app:s:{*}:???????????????????????????????????????????").size(), "written to Redis, not to memory");
                }
            }
        }
    }

    @Test
    void aclUser_withOnlyTheDocumentedCommands_works_andAWrongPasswordStopsStartup() {
        try (RedisProcess redis = RedisServers.standalone()) {
            try (Jedis j = redis.jedis()) {
                // docs/operations.md lists these commands.
                j.aclSetUser("app", concat(new String[] {"on", ">s3cret"}, DOCUMENTED));
            }
            try (EmbeddedTomcat app = TestApps.app("redis://app:s3cret@127.0.0.1:" + redis.port(), TestApps.newKeyset())
                    .param("sessionfilter.principalAttribute", "user").param("sessionfilter.maxSessionsPerPrincipal", "1")
                    .start()) {
                Browser b = new Browser();
                b.get(app.url("/ops/set?n=user&v=acl"));
                assertEquals("acl", b.get(app.url("/ops/get?n=user")).body());
                b.get(app.url("/ops/change"));
                assertEquals("acl", b.get(app.url("/ops/get?n=user")).body());
                // The per-principal limit's scripts: a second login evicts the first.
                Browser second = new Browser();
                assertEquals(200, second.get(app.url("/ops/login?v=acl")).status());
                assertEquals("no-session", b.get(app.url("/ops/get?n=user")).body());
                assertEquals("invalidated", second.get(app.url("/ops/invalidate")).body());
            }
            EmbeddedTomcat wrong = TestApps.app("redis://app:wrong@127.0.0.1:" + redis.port(), TestApps.newKeyset());
            try {
                assertThrows(IllegalStateException.class, wrong::start, "refused credentials fail the deployment");
            } finally {
                wrong.close();
            }
        }
    }

    /** The ACL list of docs/operations.md. */
    private static final String[] DOCUMENTED = {"~sessionfilter:*", "+hgetall", "+evalsha", "+eval", "+exists",
            "+hset", "+hdel", "+hget", "+pexpire", "+persist", "+del", "+set", "+zadd", "+zrem", "+zscore",
            "+zrange", "+zrangebyscore", "+zremrangebyscore", "+zcard", "+ping", "+info", "+dbsize", "+scan",
            "+cluster|info", "+hello", "+client|setname"};

    /**
     * The near cache's invalidation messages under ACL users: with the extras docs/operations.md lists, a
     * cached read costs nothing; without them the cache falls back to version checks (one round trip), and
     * the application works the same.
     */
    @Test
    void aclUser_nearCacheInvalidationMessages_needTheDocumentedExtras_andFallBackWithoutThem() {
        try (RedisProcess redis = RedisServers.standalone()) {
            try (Jedis j = redis.jedis()) {
                j.aclSetUser("plain", concat(new String[] {"on", ">s3cret"}, DOCUMENTED));
                j.aclSetUser("tracked", concat(new String[] {"on", ">s3cret"}, DOCUMENTED,
                        new String[] {"+client|id", "+client|tracking", "+subscribe", "&__redis__:invalidate"}));
            }
            java.util.Set<String> ignored = java.util.Set.of("info", "ping", "hello", "client|setinfo", "client|setname",
                    "auth", "client|id", "client|tracking", "subscribe", "eval");
            for (String user : new String[] {"tracked", "plain"}) {
                try (EmbeddedTomcat app = TestApps.app("redis://" + user + ":s3cret@127.0.0.1:" + redis.port(),
                        TestApps.newKeyset()).param("sessionfilter.nearCache.maxEntries", "100")
                        .param("sessionfilter.nearCache.invalidation", "tracking")
                        .param("sessionfilter.expiry.notifyWithin", "1h").start()) {
                    Browser b = new Browser();
                    b.get(app.url("/ops/set?n=user&v=acl"));
                    b.get(app.url("/ops/set?n=user&v=acl2"));
                    RoundTripBudgetIT.settle(app);
                    java.util.Map<String, Long> read = redis.commandsDuring(
                            () -> assertEquals("acl2", b.get(app.url("/ops/get?n=user")).body()), ignored);
                    assertEquals(user.equals("tracked") ? RoundTripBudgetIT.TRACKED_READ : RoundTripBudgetIT.CHECKED_READ,
                            read, user);
                }
            }
        }
    }

    private static String[] concat(String[]... parts) {
        return java.util.Arrays.stream(parts).flatMap(java.util.Arrays::stream).toArray(String[]::new);
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(List.of(cmd)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
    }
}

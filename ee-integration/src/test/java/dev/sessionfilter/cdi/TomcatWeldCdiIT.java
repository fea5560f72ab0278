package dev.sessionfilter.cdi;

import dev.sessionfilter.testing.ContainerProcess;
import dev.sessionfilter.testing.RedisProcess;
import dev.sessionfilter.testing.RedisServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The scenarios on two real Tomcat 11 processes (the unpacked Maven Central distribution, started by
 * {@code catalina.sh}) with Weld Servlet in the WAR, as a Tomcat user adds CDI. No JAX-RS here: the
 * refusal is checked through a servlet calling a @RateLimited bean.
 */
class TomcatWeldCdiIT extends CdiScenarios {
    private static RedisProcess redis;
    private static final Map<String, ContainerProcess> TOMCATS = new LinkedHashMap<>();
    private static Path work;

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServers.standalone();
        work = Path.of(System.getProperty("containers.work"), "tomcat-weld");
        Files.createDirectories(work);
        Path war = TestWars.export(TestWars.war("cdi", redis.url(), false, true, TestWars.Kind.GOOD), work);
        for (String i : List.of("a", "b")) {
            TOMCATS.put(i, ContainerProcess.tomcat(home(), work, "tomcat-" + i, RedisServers.freePort(), war,
                    TestWars.CONTEXT, Map.of("test.instance", i)));
        }
        TOMCATS.values().stream().map(c -> CompletableFuture.runAsync(() -> c.awaitStarted(Duration.ofSeconds(120))))
                .toList().forEach(CompletableFuture::join);
    }

    private static Path home() {
        return Path.of(System.getProperty("tomcat11.home"));
    }

    @AfterAll
    static void stopAll() {
        TOMCATS.values().forEach(ContainerProcess::close);
        if (redis != null) {
            redis.close();
        }
    }

    @Override
    String url(String instance, String path) {
        return TOMCATS.get(instance).url(path);
    }

    @Override
    RedisProcess redis() {
        return redis;
    }

    @Override
    void stop(String instance) {
        TOMCATS.get(instance).close();
    }

    @Override
    Map<String, String> stats(String instance) {
        if (!TOMCATS.get(instance).alive()) {
            return Map.of();
        }
        return super.stats(instance);
    }

    @Override
    String deployBroken(TestWars.Kind kind) {
        String name = kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        Path war = TestWars.export(TestWars.war(name, redis.url(), false, true, kind), work);
        try (ContainerProcess c = ContainerProcess.tomcat(home(), work, "tomcat-" + name, RedisServers.freePort(), war,
                "/" + name, Map.of())) {
            String expected = switch (kind) {
                case BAD_SETTING -> "sessionfilter.cookie.sameSite";
                case BAD_LIMIT -> "5 per fortnight";
                default -> "BadBean.anything";
            };
            if (!c.awaitConsole(expected, Duration.ofSeconds(60))) {
                return "no failure reported:\n" + c.consoleTail();
            }
            c.awaitConsole("Server startup in", Duration.ofSeconds(30));
            int status = new dev.sessionfilter.testing.Browser().get(c.url("/probe/stats")).status();
            return "status " + status + (status == 404 ? " (not deployed)" : " (DEPLOYED)") + "\n" + c.console();
        }
    }

    @Override
    boolean jaxrs() {
        return false;
    }
}

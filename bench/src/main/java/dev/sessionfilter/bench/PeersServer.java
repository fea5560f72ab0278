package dev.sessionfilter.bench;

import dev.sessionfilter.SessionFilter;
import dev.sessionfilter.testing.EmbeddedTomcat;
import dev.sessionfilter.testing.RedisProcess;
import dev.sessionfilter.testing.RedisServers;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.redisson.tomcat.RedissonSessionManager;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.session.data.redis.config.annotation.web.http.EnableRedisHttpSession;
import org.springframework.web.context.ContextLoaderListener;
import org.springframework.web.context.support.AnnotationConfigWebApplicationContext;
import org.springframework.web.filter.DelegatingFilterProxy;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Not a test: the server bench/throughput.sh loads. The same servlet (BenchServer.BenchServlet: /init,
 * /read, /write) in one JVM under every session store compared, each in its own embedded Tomcat 10.1, all
 * on one real Redis: Tomcat's in-memory sessions (the baseline), sessionfilter (near cache with
 * invalidation messages, with version checks only, and off), Spring Session 3.5 with Lettuce
 * ({@code @EnableRedisHttpSession}, and {@code @EnableRedisIndexedHttpSession}, which publishes session
 * events as our listeners get them; no Spring Boot) and Redisson's Tomcat manager ({@code readMode} REDIS and
 * MEMORY). A control app answers Redis figures: {@code /control/commands} (INFO commandstats, "name calls"
 * lines) and {@code /control/memory?match=glob} (keys and MEMORY USAGE bytes of the matching keys).
 */
public final class PeersServer {
    static int redisPort;

    public static void main(String[] args) throws Exception {
        RedisProcess redis = RedisServers.standalone();
        redisPort = redis.port();
        Map<String, EmbeddedTomcat> apps = new LinkedHashMap<>();
        apps.put("memory", bench("/memory"));
        apps.put("sessionfilter", sessionfilter("/sf", redis, "10000", "tracking"));
        apps.put("sessionfilter-version", sessionfilter("/sfv", redis, "10000", "version"));
        apps.put("sessionfilter-nocache", sessionfilter("/sfoff", redis, "0", "tracking"));
        apps.put("spring-session", springSession("/spring", SpringSessionConfig.class));
        apps.put("spring-session-indexed", springSession("/springidx", SpringIndexedSessionConfig.class));
        apps.put("redisson-redis", redisson("/rredis", "REDIS", "rredis:"));
        apps.put("redisson-memory", redisson("/rmemory", "MEMORY", "rmemory:"));
        for (EmbeddedTomcat t : apps.values()) {
            t.start();
        }
        EmbeddedTomcat control = new EmbeddedTomcat("/control").servlet("control", new Control(redis), "/*").start();
        apps.forEach((name, t) -> System.out.println("APP " + name + " " + t.url("")));
        System.out.println("CONTROL " + control.url(""));
        System.out.println("REDIS_PID=" + redis.pid());
        System.out.println("READY");
        System.out.flush();
        new CountDownLatch(1).await();
    }

    /** Through the shaded jar's own types (the test helpers' Tink is not the relocated one). */
    private static String keyset() {
        try {
            return dev.sessionfilter.crypto.Keysets.toJson(dev.sessionfilter.crypto.Keysets.generate());
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static EmbeddedTomcat bench(String path) {
        return new EmbeddedTomcat(path).servlet("bench", new BenchServer.BenchServlet(), "/*");
    }

    private static EmbeddedTomcat sessionfilter(String path, RedisProcess redis, String entries, String invalidation) {
        return new EmbeddedTomcat(path)
                .param("sessionfilter.redis.url", redis.url())
                .param("sessionfilter.keyset", keyset())
                .param("sessionfilter.nearCache.maxEntries", entries)
                .param("sessionfilter.nearCache.invalidation", invalidation)
                .filter("sessions", new SessionFilter(), Map.of())
                .servlet("bench", new BenchServer.BenchServlet(), "/*");
    }

    /** What a plain (non-Boot) Spring app does: @Enable...HttpSession and its filter proxy on /*. */
    private static EmbeddedTomcat springSession(String path, Class<?> config) {
        EmbeddedTomcat t = bench(path);
        t.context().addServletContainerInitializer((classes, ctx) -> {
            AnnotationConfigWebApplicationContext spring = new AnnotationConfigWebApplicationContext();
            spring.register(config);
            ctx.addListener(new ContextLoaderListener(spring));
            FilterRegistration.Dynamic f = ctx.addFilter("springSessionRepositoryFilter",
                    new DelegatingFilterProxy("springSessionRepositoryFilter", spring));
            f.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST, DispatcherType.ERROR, DispatcherType.ASYNC),
                    false, "/*");
        }, null);
        return t;
    }

    @Configuration
    @EnableRedisHttpSession(redisNamespace = "spring:session:bench")
    public static class SpringSessionConfig {
        @Bean
        public LettuceConnectionFactory redisConnectionFactory() {
            return new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", redisPort));
        }
    }

    /**
     * The repository that publishes session events (created, deleted, expired) like our listeners get: it
     * keeps an index of expirations next to each session.
     */
    @Configuration
    @org.springframework.session.data.redis.config.annotation.web.http.EnableRedisIndexedHttpSession(
            redisNamespace = "spring:session:indexed")
    public static class SpringIndexedSessionConfig {
        @Bean
        public LettuceConnectionFactory redisConnectionFactory() {
            return new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", redisPort));
        }
    }

    private static EmbeddedTomcat redisson(String path, String readMode, String keyPrefix) {
        try {
            Path yaml = Files.createTempFile("redisson", ".yaml");
            Files.writeString(yaml, "singleServerConfig:\n  address: \"redis://127.0.0.1:" + redisPort + "\"\n");
            RedissonSessionManager m = new RedissonSessionManager();
            m.setConfigPath(yaml.toString());
            m.setReadMode(readMode);
            m.setKeyPrefix(keyPrefix);
            EmbeddedTomcat t = bench(path);
            t.context().setManager(m);
            return t;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Redis figures for the bench script. */
    static final class Control extends HttpServlet {
        private static final long serialVersionUID = 1L;
        /** One connection, so that each figure costs Redis exactly one read event. */
        private final transient Jedis j;

        Control(RedisProcess redis) {
            this.j = new Jedis("127.0.0.1", redis.port());
        }

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            resp.setContentType("text/plain");
            synchronized (j) {
                switch (String.valueOf(req.getPathInfo())) {
                    case "/commands" -> {
                        for (String line : j.info("commandstats").split("\r?\n")) {
                            if (line.startsWith("cmdstat_")) { // cmdstat_get:calls=1,usec=...
                                String name = line.substring(8, line.indexOf(':'));
                                String calls = line.substring(line.indexOf("calls=") + 6, line.indexOf(',', line.indexOf("calls=")));
                                resp.getWriter().println(name + " " + calls);
                            }
                        }
                    }
                    case "/reads" -> { // read events: one per command sent, or per pipelined batch
                        String info = j.info("stats");
                        for (String line : info.split("\r?\n")) {
                            if (line.startsWith("total_reads_processed:")) {
                                resp.getWriter().print(line.substring(line.indexOf(':') + 1).trim());
                            }
                        }
                    }
                    case "/memory" -> {
                        long keys = 0;
                        long bytes = 0;
                        String cursor = ScanParams.SCAN_POINTER_START;
                        do {
                            ScanResult<String> r = j.scan(cursor, new ScanParams().match(req.getParameter("match")).count(1000));
                            for (String k : r.getResult()) {
                                Long m = j.memoryUsage(k, 0); // SAMPLES 0: exact, every field
                                if (m != null) {
                                    keys++;
                                    bytes += m;
                                }
                            }
                            cursor = r.getCursor();
                        } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
                        resp.getWriter().print(keys + " " + bytes);
                    }
                    default -> resp.sendError(404);
                }
            }
        }
    }
}

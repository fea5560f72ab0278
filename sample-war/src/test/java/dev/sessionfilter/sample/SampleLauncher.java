package dev.sessionfilter.sample;

import dev.sessionfilter.testing.ContainerProcess;
import dev.sessionfilter.testing.RedisProcess;
import dev.sessionfilter.testing.RedisServers;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * README command 1: starts the built sample WAR on a real Tomcat 11 (the distribution from Maven Central,
 * unpacked under target/) at http://localhost:8080/, with a Redis it starts itself and the INSECURE
 * development keyset, unless told otherwise:
 * <ul>
 *   <li>{@code SESSIONFILTER_REDIS_URL}: use that Redis instead of starting one;</li>
 *   <li>{@code SESSIONFILTER_KEYSET} or {@code SESSIONFILTER_KEYSETFILE}: use that keyset instead;</li>
 *   <li>{@code SAMPLE_PORT}: the first instance's port (default 8080);</li>
 *   <li>{@code SAMPLE_INSTANCES}: how many Tomcat instances to start on consecutive ports (default 2);</li>
 *   <li>{@code SAMPLE_TOMCAT=9}: Tomcat 9 with the javax WAR ({@code sessionfilter-javax.jar}) instead;</li>
 *   <li>{@code SAMPLE_TLS_PORT}: also an HTTPS connector per instance from that port on (say 8443), with a
 *   self-signed certificate made for this run: the cookie is then {@code __Host-SESSION}, Secure.</li>
 * </ul>
 */
public final class SampleLauncher {
    private SampleLauncher() {
    }

    public static void main(String[] args) throws Exception {
        Path base = Path.of(System.getProperty("sample.basedir", "."));
        boolean tomcat9 = "9".equals(System.getenv("SAMPLE_TOMCAT"));
        Path war = Path.of(System.getProperty(tomcat9 ? "sample.javaxWarFile" : "sample.warFile"));
        Path tomcat = Path.of(System.getProperty(tomcat9 ? "tomcat9.home" : "tomcat.home"));
        Path work = Path.of(System.getProperty("containers.work", "target/sample-runs"));
        if (!Files.isRegularFile(war) || !Files.isDirectory(tomcat)) {
            throw new IllegalStateException(war + " or " + tomcat + " not found: run the README command, which "
                    + "packages both first");
        }
        Map<String, String> props = new HashMap<>();
        RedisProcess redis = null;
        String redisUrl = System.getenv("SESSIONFILTER_REDIS_URL");
        if (redisUrl == null) {
            redis = RedisServers.standalone();
            redisUrl = redis.url();
            props.put("sessionfilter.redis.url", redisUrl);
        }
        if (System.getenv("SESSIONFILTER_KEYSET") == null && System.getenv("SESSIONFILTER_KEYSETFILE") == null) {
            props.put("sessionfilter.keysetFile", base.resolve("insecure-dev-keyset.json").toAbsolutePath().toString());
            System.out.println("WARNING: using insecure-dev-keyset.json, a keyset published in the repository. "
                    + "Never use it outside development.");
        }
        // Details on /health for the person at this machine only (the sample's pages link to it).
        props.put("sessionfilter.health.detailsFromLoopback", "true");
        int port = Integer.parseInt(System.getenv().getOrDefault("SAMPLE_PORT", "8080"));
        int instances = Integer.parseInt(System.getenv().getOrDefault("SAMPLE_INSTANCES", "2"));
        List<ContainerProcess> started = new ArrayList<>();
        RedisProcess startedRedis = redis;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            started.forEach(ContainerProcess::close);
            if (startedRedis != null) {
                startedRedis.close();
            }
        }));
        String tlsPort = System.getenv("SAMPLE_TLS_PORT");
        Path keystore = tlsPort == null ? null : ContainerProcess.selfSigned(work.resolve("sample-tls.p12"));
        for (int i = 0; i < instances; i++) {
            String name = "instance-" + (char) ('A' + i) + "-port-" + (port + i);
            Map<String, String> p = new HashMap<>(props);
            p.put("sample.instance", name);
            ContainerProcess.Tls tls = keystore == null ? null
                    : new ContainerProcess.Tls(Integer.parseInt(tlsPort) + i, keystore, ContainerProcess.TLS_PASSWORD);
            started.add(ContainerProcess.tomcat(tomcat, work, name, port + i, war, "", p, tls));
        }
        for (ContainerProcess c : started) {
            c.awaitStarted(Duration.ofSeconds(120));
        }
        System.out.println();
        System.out.println("sessionfilter sample is running on " + tomcat.getFileName() + ", " + instances
                + " instance(s) sharing one Redis:");
        for (ContainerProcess c : started) {
            System.out.println("  open " + c.url("/").replace("127.0.0.1", "localhost")
                    + (keystore == null ? "" : "  or  " + c.httpsUrl("/") + " (self-signed certificate: accept it once per port)"));
        }
        System.out.println("  Redis: " + (redis != null ? redisUrl + " (started for this run)" : "SESSIONFILTER_REDIS_URL"));
        System.out.println("  container logs: " + work.toAbsolutePath() + "/<instance>/console.log");
        System.out.println("  stop with Ctrl+C");
        new CountDownLatch(1).await();
    }
}

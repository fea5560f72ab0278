package dev.sessionfilter.sample;

import dev.sessionfilter.testing.RedisProcess;
import dev.sessionfilter.testing.RedisServers;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * README command 1: starts the built sample WAR on a real (embedded) Tomcat at http://localhost:8080/, with
 * a Redis it starts itself and the INSECURE development keyset, unless told otherwise:
 * <ul>
 *   <li>{@code SESSIONFILTER_REDIS_URL}: use that Redis instead of starting one;</li>
 *   <li>{@code SESSIONFILTER_KEYSET}: use that keyset instead of the insecure one;</li>
 *   <li>{@code SAMPLE_PORT}: listen there (a second instance on another port shares the same Redis);</li>
 *   <li>{@code SAMPLE_INSTANCES=2}: start two instances (8080 and 8081) on one Redis.</li>
 * </ul>
 */
public final class SampleLauncher {
    private SampleLauncher() {
    }

    public static void main(String[] args) throws Exception {
        Path base = Path.of(System.getProperty("sample.basedir", "."));
        Path war = Path.of(System.getProperty("sample.war", "target/sessionfilter-sample"));
        if (!Files.isDirectory(war)) {
            throw new IllegalStateException(war + " not found: run the README command, which packages it first");
        }
        RedisProcess redis = null;
        if (System.getenv("SESSIONFILTER_REDIS_URL") == null) {
            redis = RedisServers.standalone();
            System.setProperty("sessionfilter.redis.url", redis.url());
        }
        if (System.getenv("SESSIONFILTER_KEYSET") == null && System.getenv("SESSIONFILTER_KEYSETFILE") == null) {
            System.setProperty("sessionfilter.keysetFile", base.resolve("insecure-dev-keyset.json").toAbsolutePath().toString());
            System.out.println("WARNING: using insecure-dev-keyset.json, a keyset published in the repository. "
                    + "Never use it outside development.");
        }
        int port = Integer.parseInt(System.getenv().getOrDefault("SAMPLE_PORT", "8080"));
        int instances = Integer.parseInt(System.getenv().getOrDefault("SAMPLE_INSTANCES", "1"));
        for (int i = 0; i < instances; i++) {
            start(war, port + i, "instance-" + (char) ('A' + i) + " (port " + (port + i) + ")");
        }
        System.out.println();
        System.out.println("sessionfilter sample is running:");
        for (int i = 0; i < instances; i++) {
            System.out.println("  open http://localhost:" + (port + i) + "/");
        }
        System.out.println("  Redis: " + (redis != null ? redis.url() + " (started for this run)"
                : System.getenv("SESSIONFILTER_REDIS_URL")));
        System.out.println("  stop with Ctrl+C");
        RedisProcess started = redis;
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (started != null) {
                started.close();
            }
            stop.countDown();
        }));
        stop.await();
    }

    private static void start(Path war, int port, String instanceName) throws Exception {
        Tomcat tomcat = new Tomcat();
        // Under exec:java the container's classes are in Maven's class realm, not the system class loader.
        tomcat.getServer().setParentClassLoader(SampleLauncher.class.getClassLoader());
        tomcat.setBaseDir(Files.createTempDirectory("sample-tomcat").toString());
        Connector c = new Connector();
        c.setPort(port);
        tomcat.setConnector(c);
        tomcat.setAddDefaultWebXmlToWebapp(false); // no JSPs in the sample: skip Jasper
        Context ctx = tomcat.addWebapp("", war.toAbsolutePath().toString());
        // Each instance names itself (the sample shows which instance served the page).
        ctx.addParameter("sample.instance", instanceName);
        tomcat.start();
    }
}

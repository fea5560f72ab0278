package dev.sessionfilter.testing;


import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A real servlet container from an unpacked Maven Central distribution, started as its own process through
 * its own launch script, with the sample WAR file copied, unchanged, into its deployment directory.
 * Settings reach sessionfilter as JVM system properties, the way an operator would pass them.
 */
public final class ContainerProcess implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    private final Process process;
    private final int port;
    private final String contextPath;
    private final Path console;
    private final Path deployments;
    private int httpsPort = -1;

    private ContainerProcess(String name, Process process, int port, String contextPath, Path console,
                             Path deployments) {
        this.deployments = deployments;
        this.name = name;
        this.process = process;
        this.port = port;
        this.contextPath = contextPath;
        this.console = console;
        Runtime.getRuntime().addShutdownHook(new Thread(this::close));
    }

    /**
     * Tomcat through {@code bin/catalina.sh run}, with its own CATALINA_BASE under {@code work}.
     *
     * @param contextPath "" for the root context, else "/name"
     */
    public static ContainerProcess tomcat(Path home, Path work, String name, int port, Path war, String contextPath,
                                          Map<String, String> systemProperties) {
        return tomcat(home, work, name, port, war, contextPath, systemProperties, null);
    }

    /**
     * An HTTPS connector next to the HTTP one, with a PKCS#12 keystore.
     *
     * @param port     the HTTPS port
     * @param keystore from {@link #selfSigned(Path)}, or an operator's own
     */
    public record Tls(int port, Path keystore, String password) {
    }

    /**
     * A keystore with a new self-signed RSA certificate for localhost and 127.0.0.1, made by the JDK's keytool
     * (kept if the file exists: one certificate for every instance of a run).
     */
    public static synchronized Path selfSigned(Path keystore) {
        if (Files.isRegularFile(keystore)) {
            return keystore;
        }
        try {
            Files.createDirectories(keystore.getParent());
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                    "-genkeypair", "-alias", "tomcat", "-keyalg", "RSA", "-keysize", "2048", "-validity", "30",
                    "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", TLS_PASSWORD,
                    "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1")
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) {
                throw new IllegalStateException("keytool failed: " + out);
            }
            return keystore;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The password of {@link #selfSigned} keystores (test certificates only). */
    public static final String TLS_PASSWORD = "changeit";

    public static ContainerProcess tomcat(Path home, Path work, String name, int port, Path war, String contextPath,
                                          Map<String, String> systemProperties, Tls tls) {
        try {
            Path base = fresh(work.resolve(name));
            copyTree(home.resolve("conf"), base.resolve("conf"));
            for (String d : new String[] {"logs", "temp", "webapps", "work"}) {
                Files.createDirectories(base.resolve(d));
            }
            Path serverXml = base.resolve("conf/server.xml");
            String xml = Files.readString(serverXml)
                    .replace("<Server port=\"8005\"", "<Server port=\"-1\"")
                    .replace("<Connector port=\"8080\"", "<Connector port=\"" + port + "\"");
            if (!xml.contains("<Connector port=\"" + port + "\"")) {
                throw new IllegalStateException("unexpected server.xml in " + home);
            }
            if (tls != null) {
                xml = xml.replace("</Service>", "<Connector port=\"" + tls.port() + "\" protocol=\"org.apache.coyote."
                        + "http11.Http11NioProtocol\" SSLEnabled=\"true\" maxThreads=\"50\"><SSLHostConfig><Certificate "
                        + "certificateKeystoreFile=\"" + tls.keystore().toAbsolutePath() + "\" certificateKeystorePassword=\""
                        + tls.password() + "\" type=\"RSA\"/></SSLHostConfig></Connector>\n</Service>");
            }
            Files.writeString(serverXml, xml);
            String warName = contextPath.isEmpty() ? "ROOT.war" : contextPath.substring(1) + ".war";
            Files.copy(war, base.resolve("webapps").resolve(warName));
            ProcessBuilder pb = new ProcessBuilder("bash", home.resolve("bin/catalina.sh").toString(), "run");
            pb.environment().put("CATALINA_HOME", home.toString());
            pb.environment().put("CATALINA_BASE", base.toString());
            pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
            pb.environment().remove("JRE_HOME");
            pb.environment().put("CATALINA_OPTS", "-Xmx256m " + properties(systemProperties));
            ContainerProcess c = launch(name, pb, base, port, contextPath, base.resolve("webapps"));
            c.httpsPort = tls == null ? -1 : tls.port();
            return c;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** WildFly through {@code bin/standalone.sh}, with its own server base directory and a port offset. */
    public static ContainerProcess wildfly(Path home, Path work, String name, Path war, String contextPath,
                                           Map<String, String> systemProperties) {
        try {
            Path base = fresh(work.resolve(name));
            copyTree(home.resolve("standalone/configuration"), base.resolve("configuration"));
            Files.createDirectories(base.resolve("deployments"));
            Files.copy(war, base.resolve("deployments").resolve(contextPath.substring(1) + ".war"));
            int offset = freeOffset();
            List<String> cmd = new ArrayList<>(List.of("bash", home.resolve("bin/standalone.sh").toString(),
                    "-Djboss.server.base.dir=" + base, "-Djboss.socket.binding.port-offset=" + offset,
                    "-b", "127.0.0.1", "-bmanagement", "127.0.0.1"));
            systemProperties.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
            pb.environment().put("JBOSS_HOME", home.toString());
            return launch(name, pb, base, 8080 + offset, contextPath, base.resolve("deployments"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ContainerProcess launch(String name, ProcessBuilder pb, Path base, int port, String contextPath,
                                           Path deployments) throws IOException {
        Path console = base.resolve("console.log");
        pb.redirectErrorStream(true).redirectOutput(console.toFile());
        return new ContainerProcess(name, pb.start(), port, contextPath, console, deployments);
    }

    /** Hot-deploys a WAR into the running container (its deployment scanner picks it up). */
    public void deploy(Path war, String fileName) {
        try {
            Path tmp = deployments.getParent().resolve(fileName + ".tmp");
            Files.copy(war, tmp, StandardCopyOption.REPLACE_EXISTING);
            // Appear at once, complete: a scanner must never see half a file.
            Files.move(tmp, deployments.resolve(fileName), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path deployments() {
        return deployments;
    }

    /** Waits until the container printed {@code text}; false after the timeout. */
    public boolean awaitConsole(String text, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        do {
            try {
                if (Files.readString(console).contains(text)) {
                    return true;
                }
                Thread.sleep(500);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        } while (System.nanoTime() < deadline);
        return false;
    }

    /** Waits until the application answers {@code /health/started} with 200 (its filters finished init). */
    public ContainerProcess awaitStarted(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n" + consoleTail());
            }
            try {
                HttpResponse<Void> r = HTTP.send(HttpRequest.newBuilder(URI.create(url("/health/started")))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return this;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException(name + " did not start the sample within " + timeout + ":\n" + consoleTail());
    }

    public String url(String path) {
        return "http://127.0.0.1:" + port + contextPath + path;
    }

    /** The HTTPS connector's address, by host name (the certificate's and the browser's). */
    public String httpsUrl(String path) {
        if (httpsPort < 0) {
            throw new IllegalStateException(name + " has no HTTPS connector");
        }
        return "https://localhost:" + httpsPort + contextPath + path;
    }

    public int port() {
        return port;
    }

    public String name() {
        return name;
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** Everything the container printed so far. */
    public String console() {
        try {
            return Files.readString(console);
        } catch (IOException e) {
            return "(no console output: " + e + ")";
        }
    }

    /** The last lines the container printed, for failure messages. */
    public String consoleTail() {
        try {
            List<String> lines = Files.readAllLines(console);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException | RuntimeException e) {
            return "(no console output: " + e + ")";
        }
    }

    @Override
    public void close() {
        // The launch scripts may run java as a child: stop the whole tree.
        List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
        tree.add(process.toHandle());
        tree.forEach(ProcessHandle::destroy);
        for (ProcessHandle h : tree) {
            try {
                h.onExit().get(20, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                h.destroyForcibly();
            }
        }
    }

    @Override
    public String toString() {
        return name + " on port " + port;
    }

    private static String properties(Map<String, String> p) {
        StringBuilder sb = new StringBuilder();
        p.forEach((k, v) -> {
            if (v.contains(" ") || v.contains("'") || v.contains("\"")) {
                throw new IllegalArgumentException("keep test property values free of blanks and quotes: " + k);
            }
            sb.append(" -D").append(k).append('=').append(v);
        });
        return sb.toString();
    }

    /** A port offset under which WildFly's default bindings (HTTP, HTTPS, management, transactions) are free. */
    private static int freeOffset() {
        int[] defaults = {8080, 8443, 9990, 9993, 4712, 4713, 8009};
        for (int attempt = 0; attempt < 50; attempt++) {
            int offset = RedisServers.freePort() - 8080;
            if (offset < 0 || offset + 9993 > 65535) {
                continue;
            }
            boolean free = true;
            for (int d : defaults) {
                try (ServerSocket s = new ServerSocket(d + offset)) {
                    s.setReuseAddress(true);
                } catch (IOException e) {
                    free = false;
                    break;
                }
            }
            if (free) {
                return offset;
            }
        }
        throw new IllegalStateException("no free port offset for WildFly");
    }

    private static Path fresh(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        return Files.createDirectories(dir);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}

package dev.sessionfilter.testing;

import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** One running redis-server (or sentinel) process on 127.0.0.1. */
public final class RedisProcess implements AutoCloseable {
    private final int port;
    private final List<String> command;
    private final Path dir;
    private Process process;

    private RedisProcess(int port, List<String> command, Path dir) {
        this.port = port;
        this.command = command;
        this.dir = dir;
    }

    static RedisProcess start(int port, boolean cluster, String... extraArgs) {
        try {
            Path dir = Files.createTempDirectory("redis-" + port);
            List<String> cmd = new ArrayList<>(List.of(RedisServers.binary().toString(), "--port", String.valueOf(port),
                    "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString(),
                    "--protected-mode", "no"));
            if (cluster) {
                cmd.addAll(List.of("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                        "--cluster-node-timeout", "2000"));
            }
            Collections.addAll(cmd, extraArgs);
            RedisProcess p = new RedisProcess(port, cmd, dir);
            p.launch();
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static RedisProcess startSentinel(int port, Path conf) {
        List<String> cmd = List.of(RedisServers.binary().toString(), conf.toString(), "--sentinel");
        RedisProcess p = new RedisProcess(port, cmd, conf.getParent());
        p.launch();
        return p;
    }

    private void launch() {
        try {
            ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("redis-" + port + ".log").toFile());
            process = pb.start();
            RedisServers.register(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        waitFor(RedisProcess::answers, 10_000);
    }

    /** PONG, or a refusal to an unauthenticated client (a server with requirepass): either way it serves. */
    private static boolean answers(Jedis j) {
        try {
            return "PONG".equals(j.ping());
        } catch (redis.clients.jedis.exceptions.JedisAccessControlException e) {
            return true;
        }
    }

    /** The redis-server process id (for CPU figures). */
    public long pid() {
        return process.pid();
    }

    public int port() {
        return port;
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    /** A fresh direct connection (close it). */
    public Jedis jedis() {
        return new Jedis(new HostAndPort("127.0.0.1", port),
                DefaultJedisClientConfig.builder().timeoutMillis(2000).serverDefaultProtocol().build());
    }

    /** Waits until the condition holds on this server, failing the test after {@code millis}. */
    public void waitFor(Predicate<Jedis> condition, long millis) {
        long deadline = System.currentTimeMillis() + millis;
        RuntimeException last = null;
        while (System.currentTimeMillis() < deadline) {
            if (process != null && !process.isAlive()) {
                throw new IllegalStateException("redis on port " + port + " exited; log: " + log());
            }
            try (Jedis j = jedis()) {
                if (condition.test(j)) {
                    return;
                }
            } catch (RuntimeException e) {
                last = e;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("redis on port " + port + " not ready in " + millis + " ms; log: " + log(), last);
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("redis-" + port + ".log"));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    /** Stops the process (simulating an outage); {@link #restart} brings it back on the same port. */
    public void stop() {
        kill();
    }

    public void restart() {
        launch();
    }

    /** SIGSTOP: the port accepts connections but nothing answers (a hung Redis). */
    public void pause() {
        signal("STOP");
    }

    public void resume() {
        signal("CONT");
    }

    private void signal(String sig) {
        try {
            new ProcessBuilder("kill", "-" + sig, String.valueOf(process.pid())).inheritIO().start().waitFor();
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Command name to calls, from INFO commandstats (e.g. "hgetall" to 3). */
    public Map<String, Long> commandStats() {
        Map<String, Long> out = new HashMap<>();
        try (Jedis j = jedis()) {
            for (String line : j.info("commandstats").split("\r?\n")) {
                if (line.startsWith("cmdstat_")) {
                    String name = line.substring(8, line.indexOf(':'));
                    String calls = line.substring(line.indexOf("calls=") + 6);
                    calls = calls.substring(0, calls.indexOf(','));
                    out.put(name, Long.parseLong(calls));
                }
            }
        }
        return out;
    }

    /** Commands Redis ran (script-internal ones included) while {@code work} ran, minus {@code ignored} names. */
    public Map<String, Long> commandsDuring(Runnable work, java.util.Set<String> ignored) {
        Map<String, Long> before = commandStats();
        work.run();
        Map<String, Long> delta = new HashMap<>();
        commandStats().forEach((k, v) -> {
            long n = v - before.getOrDefault(k, 0L);
            if (n != 0 && !ignored.contains(k)) {
                delta.put(k, n);
            }
        });
        return delta;
    }

    void kill() {
        Process p = process;
        if (p != null) {
            if (p.isAlive()) {
                signalQuietly(p, "CONT");
            }
            p.destroyForcibly();
            try {
                p.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        RedisServers.unregister(this);
    }

    private static void signalQuietly(Process p, String sig) {
        try {
            new ProcessBuilder("kill", "-" + sig, String.valueOf(p.pid())).start().waitFor();
        } catch (IOException | InterruptedException e) {
            // best effort
        }
    }

    @Override
    public void close() {
        kill();
    }
}

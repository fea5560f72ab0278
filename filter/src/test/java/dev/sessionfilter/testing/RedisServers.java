package dev.sessionfilter.testing;

import redis.clients.jedis.Jedis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Starts real {@code redis-server} processes on free loopback ports: {@code redis-server} from PATH when there is
 * one, otherwise the static Redis 7 binary shipped in the {@code org.signal:embedded-redis} Maven artifact.
 * Every process is killed when closed, and at JVM exit whatever a failing test left behind.
 */
public final class RedisServers {
    private static final Set<RedisProcess> RUNNING = ConcurrentHashMap.newKeySet();
    private static volatile Path binary;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(RedisProcess::kill)));
    }

    private RedisServers() {
    }

    /** The redis-server executable; never null (a missing Redis is a test failure, not a skip). */
    public static synchronized Path binary() {
        if (binary != null) {
            return binary;
        }
        String override = System.getenv("SF_TEST_REDIS_SERVER");
        if (override != null) {
            return binary = Path.of(override);
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, "redis-server");
            if (Files.isExecutable(p)) {
                return binary = p;
            }
        }
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("mac") ? "darwin" : "linux";
        String resource = "/redis-server-7.0.15-" + os + "-"
                + (arch.contains("aarch64") || arch.contains("arm64") ? "arm64" : "amd64");
        try (InputStream in = RedisServers.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("no redis-server on PATH and no bundled binary " + resource);
            }
            Path dir = Files.createTempDirectory("sessionfilter-redis");
            Path p = dir.resolve("redis-server");
            Files.copy(in, p, StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
            return binary = p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A standalone Redis. */
    public static RedisProcess standalone(String... extraArgs) {
        return RedisProcess.start(freePort(), false, extraArgs);
    }

    static void register(RedisProcess p) {
        RUNNING.add(p);
    }

    static void unregister(RedisProcess p) {
        RUNNING.remove(p);
    }

    /** A master, one replica and three sentinels watching master name {@code mymaster}. */
    public static final class Sentinel implements AutoCloseable {
        public static final String MASTER = "mymaster";
        public final RedisProcess master;
        public final RedisProcess replica;
        public final List<RedisProcess> sentinels = new ArrayList<>();

        public Sentinel() {
            this(null);
        }

        /** With {@code sentinelPassword}, the sentinels require it of their clients ({@code requirepass}). */
        public Sentinel(String sentinelPassword) {
            master = RedisProcess.start(freePort(), false);
            replica = RedisProcess.start(freePort(), false, "--replicaof", "127.0.0.1", String.valueOf(master.port()));
            try {
                for (int i = 0; i < 3; i++) {
                    int port = freePort();
                    Path conf = Files.createTempFile("sentinel-" + port, ".conf");
                    Files.writeString(conf, "port " + port + "\nbind 127.0.0.1\n"
                            + "sentinel monitor " + MASTER + " 127.0.0.1 " + master.port() + " 2\n"
                            + "sentinel down-after-milliseconds " + MASTER + " 1000\n"
                            + "sentinel failover-timeout " + MASTER + " 5000\n"
                            + "sentinel parallel-syncs " + MASTER + " 1\n"
                            + (sentinelPassword == null ? "" : "requirepass " + sentinelPassword + "\n"));
                    sentinels.add(RedisProcess.startSentinel(port, conf));
                }
            } catch (IOException e) {
                close();
                throw new UncheckedIOException(e);
            }
            replica.waitFor(j -> j.info("replication").contains("master_link_status:up"), 10_000);
        }

        /** {@code 127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3}. */
        public String nodes() {
            return String.join(",", sentinels.stream().map(s -> "127.0.0.1:" + s.port()).toList());
        }

        @Override
        public void close() {
            sentinels.forEach(RedisProcess::close);
            replica.close();
            master.close();
        }
    }

    /** A Redis Cluster of three masters, slots split evenly, optionally with one replica each. */
    public static final class Cluster implements AutoCloseable {
        public final List<RedisProcess> masters = new ArrayList<>();
        public final List<RedisProcess> replicas = new ArrayList<>();

        public Cluster() {
            this(false);
        }

        public Cluster(boolean withReplicas) {
            try {
                for (int i = 0; i < 3; i++) {
                    int port = freePort();
                    masters.add(RedisProcess.start(port, true));
                }
                RedisProcess first = masters.get(0);
                try (Jedis j = first.jedis()) {
                    for (RedisProcess m : masters.subList(1, 3)) {
                        j.clusterMeet("127.0.0.1", m.port());
                    }
                }
                int[][] ranges = {{0, 5460}, {5461, 10922}, {10923, 16383}};
                for (int i = 0; i < 3; i++) {
                    try (Jedis j = masters.get(i).jedis()) {
                        int[] slots = new int[ranges[i][1] - ranges[i][0] + 1];
                        for (int s = 0; s < slots.length; s++) {
                            slots[s] = ranges[i][0] + s;
                        }
                        j.clusterAddSlots(slots);
                    }
                }
                for (RedisProcess m : masters) {
                    m.waitFor(j -> j.clusterInfo().contains("cluster_state:ok")
                            && j.clusterNodes().lines().filter(l -> l.contains("connected")).count() == 3, 20_000);
                }
                if (withReplicas) {
                    for (RedisProcess m : masters) {
                        RedisProcess r = RedisProcess.start(freePort(), true);
                        replicas.add(r);
                        String id;
                        try (Jedis j = m.jedis()) {
                            id = j.clusterMyId();
                            j.clusterMeet("127.0.0.1", r.port());
                        }
                        r.waitFor(j -> j.clusterNodes().contains(id), 20_000);
                        try (Jedis j = r.jedis()) {
                            j.clusterReplicate(id);
                        }
                    }
                    for (RedisProcess r : replicas) {
                        r.waitFor(j -> j.info("replication").contains("master_link_status:up"), 20_000);
                    }
                    for (RedisProcess m : masters) {
                        m.waitFor(j -> j.clusterInfo().contains("cluster_state:ok")
                                && j.clusterNodes().lines().filter(l -> l.contains("connected")).count() == 6, 20_000);
                    }
                }
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }

        public String nodes() {
            return String.join(",", masters.stream().map(m -> "127.0.0.1:" + m.port()).toList());
        }

        @Override
        public void close() {
            replicas.forEach(RedisProcess::close);
            masters.forEach(RedisProcess::close);
        }
    }
}

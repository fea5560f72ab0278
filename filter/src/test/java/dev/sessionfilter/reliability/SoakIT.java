package dev.sessionfilter.reliability;

import dev.sessionfilter.testing.Browser;
import dev.sessionfilter.testing.RedisProcess;
import dev.sessionfilter.testing.RedisServers;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Item 8: steady mixed load with session churn (new sessions, invalidations, and abandoned sessions of a 1 s
 * idle timeout that the sweepers expire), instance A with the defaults and B with the near cache on. Every
 * step records heap after a full GC, threads, Redis connections and keys, the instances' local state and
 * throughput; nothing may grow from the first step to the last.
 */
@Tag("reliability")
class SoakIT {
    static final Duration WARM_UP = Scale.pick(Duration.ofSeconds(15), Duration.ofSeconds(30));

    /**
     * {@code redisKeys} counts what SCAN returns (keys alive now); DBSIZE also counts keys whose TTL has passed
     * but that Redis' active expiry has not reclaimed yet (it tolerates about 10% of them): reported apart.
     */
    record Step(long atMs, long heapBytes, int threads, int poolThreads, long redisClients, long redisKeys, long tombstones,
                long dbsize, String internalsA, String internalsB, Load.Window window) {
        @Override
        public String toString() {
            return String.format("t=%3ds heap %5.1f MB, threads %d (+%d in worker pools), Redis clients %d, keys %d (tombstones %d; DBSIZE %d), A[%s] B[%s], %s",
                    atMs / 1000, heapBytes / 1048576.0, threads, poolThreads, redisClients, redisKeys, tombstones, dbsize,
                    internalsA, internalsB, window);
        }
    }

    @Test
    void steadyLoadWithChurn_heapThreadsConnectionsAndCachesStayFlat() throws Exception {
        Duration run = Duration.ofSeconds(Long.getLong("sf.soak.seconds", Scale.pick(60, 600)));
        Duration step = Scale.pick(Duration.ofSeconds(10), Duration.ofMinutes(1));
        Report report = new Report("soak");
        try (LogCount logs = new LogCount(); RedisProcess redis = RedisServers.standalone();
             Rig rig = new Rig(2, redis.url(), "soak", a -> a.param("sessionfilter.expiry.notifyWithin", "2s"))) {
            // B: the near cache on, with tracking
            rig.apps.get(1).close();
            rig.apps.set(1, dev.sessionfilter.testing.TestApps.app(redis.url(), rig.keyset)
                    .param("sessionfilter.namespace", "soak").param("sessionfilter.health.token", HealthWatch.TOKEN)
                    .param("sessionfilter.expiry.notifyWithin", "2s")
                    .param("sessionfilter.nearCache.maxEntries", "10000").param("sessionfilter.nearCache.invalidation", "tracking")
                    .servlet("health", new dev.sessionfilter.HealthServlet(), "/health/*").start());
            Load load = new Load(rig.apps, 64, 8, run.plusMinutes(2)).mix(0.3, 0, 0.05).churn(0.02).prime();
            Abandoner abandoner = new Abandoner(rig);
            load.start();
            abandoner.start();
            Thread.sleep(WARM_UP.toMillis()); // the JIT settles: not counted
            List<Step> steps = new ArrayList<>();
            long next = load.nowMs() + step.toMillis();
            long end = load.nowMs() + run.toMillis();
            while (load.nowMs() < end) {
                Thread.sleep(Math.max(0, next - load.nowMs()));
                steps.add(sample(redis, rig, load, next - step.toMillis(), next));
                report.line(steps.get(steps.size() - 1).toString());
                next += step.toMillis();
            }
            abandoner.stop();
            load.stop();
            int mismatches = load.verifyEverywhere();
            Load.Window all = load.window(0, load.nowMs());
            Step first = steps.get(0);
            Step last = steps.get(steps.size() - 1);
            report.line("run " + run.toSeconds() + " s after a " + WARM_UP.toSeconds() + " s warm-up, 64 users on 8 threads, 30% writes, 2% invalidations, one abandoned 1 s session every 100 ms ("
                    + abandoner.created + " in all); whole run: " + all);
            report.line(String.format("first step -> last: heap %.1f -> %.1f MB, threads %d -> %d, Redis clients %d -> %d, keys other than tombstones %d -> %d, throughput %.0f -> %.0f req/s (%.2f)",
                    first.heapBytes() / 1048576.0, last.heapBytes() / 1048576.0, first.threads(), last.threads(),
                    first.redisClients(), last.redisClients(), first.redisKeys() - first.tombstones(),
                    last.redisKeys() - last.tombstones(),
                    first.window().perSecond(), last.window().perSecond(), last.window().perSecond() / first.window().perSecond()));
            String expired = NetworkFaultsIT.number(rig.details(0), "sessionsExpired") + " + "
                    + NetworkFaultsIT.number(rig.details(1), "sessionsExpired");
            report.line("Redis keys by shape at the end (hashes replaced by H, shard tags by T; type, count, TTL range): " + shapes(redis));
            report.line("sessions expired by the sweepers (A + B): " + expired + "; lost writes " + load.lossesOfWritesSince(0)
                    + ", stale reads " + load.staleReads() + ", mismatches " + mismatches + "; log: " + logs);
            report.write();

            assertEquals(0, all.s5xx() + all.s503() + all.ioErrors(), all.toString());
            assertEquals(0, load.lossesOfWritesSince(0), load.losses().toString());
            assertEquals(0, load.staleReads(), load.staleExamples().toString());
            assertEquals(0, mismatches, load.losses().toString());
            assertTrue(last.heapBytes() < first.heapBytes() + 32L * 1024 * 1024, "heap flat: " + first + " / " + last);
            // Worker pools grow with demand and shrink after a minute idle: bounded, not flat; the rest must not grow.
            assertTrue(last.threads() <= first.threads() + 2, "threads flat: " + first + " / " + last);
            assertTrue(last.poolThreads() <= 96, "worker pools bounded (about 45 seen; Tomcat allows 2 x 200): " + last);
            assertTrue(last.redisClients() <= first.redisClients() + 4, "connections flat: " + first + " / " + last);
            // Tombstones live 2 minutes by design (redis-keys.md): bounded by the invalidations of that window.
            long live = last.redisKeys() - last.tombstones();
            assertTrue(live <= (first.redisKeys() - first.tombstones()) * 1.5 + 100, "Redis keys flat: " + first + " / " + last);
            long invalidations = load.window(Math.max(0, load.nowMs() - 125_000), load.nowMs(), Load.Kind.INVALIDATE).requests();
            assertTrue(last.tombstones() <= invalidations + 64, "tombstones: " + last.tombstones() + " for " + invalidations + " invalidations");
            assertTrue(keys(last.internalsB()) <= 10_000, "the key cache keeps its bound: " + last);
            assertTrue(figure(last.internalsB(), "nearCache") <= 10_000, "the near cache keeps its bound: " + last);
            assertTrue(copies(last.internalsA()) <= copies(first.internalsA()) * 2 + 200, "local copies follow live sessions: " + first + " / " + last);
            assertTrue(last.window().perSecond() > 0.6 * first.window().perSecond(), "throughput flat: " + first + " / " + last);
            assertTrue(logs.lines() <= 10, "log: " + logs);
        }
    }

    /** Tomcat's connector executors, the JDK HTTP client's workers, the common pool. */
    static final java.util.regex.Pattern WORKER =
            java.util.regex.Pattern.compile("-exec-\\d+$|HttpClient-\\d+-Worker-\\d+$|ForkJoinPool");

    static Step sample(RedisProcess redis, Rig rig, Load load, long fromMs, long toMs) {
        System.gc();
        System.gc();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        int threads = 0;
        int poolThreads = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (WORKER.matcher(t.getName()).find()) {
                poolThreads++;
            } else {
                threads++;
            }
        }
        long clients;
        long keys = 0;
        long tombstones = 0;
        long dbsize;
        try (Jedis j = redis.jedis()) {
            clients = j.clientList().lines().filter(l -> l.contains(" name=sessionfilter")).count();
            dbsize = j.dbSize();
            redis.clients.jedis.params.ScanParams p = new redis.clients.jedis.params.ScanParams().count(1000);
            String cursor = "0";
            do {
                var page = j.scan(cursor, p);
                for (String k : page.getResult()) {
                    keys++;
                    tombstones += k.endsWith(":x") ? 1 : 0;
                }
                cursor = page.getCursor();
            } while (!"0".equals(cursor));
        }
        String a = new Browser().get(rig.apps.get(0).url("/ops/internals")).body();
        String b = new Browser().get(rig.apps.get(1).url("/ops/internals")).body();
        return new Step(toMs, heap, threads, poolThreads, clients, keys, tombstones, dbsize, a, b, load.window(fromMs, toMs));
    }

    /** Every key, grouped by its shape with type, count and TTL range: what the store leaves in Redis. */
    static String shapes(RedisProcess redis) {
        java.util.Map<String, long[]> out = new java.util.TreeMap<>();
        try (Jedis j = redis.jedis()) {
            redis.clients.jedis.params.ScanParams p = new redis.clients.jedis.params.ScanParams().count(1000);
            String cursor = "0";
            do {
                var page = j.scan(cursor, p);
                for (String k : page.getResult()) {
                    String shape = k.replaceAll("\\{[^}]*}", "{T}").replaceAll("[A-Za-z0-9_-]{43}", "H");
                    String type = j.type(k);
                    long ttl = j.pttl(k);
                    long[] f = out.computeIfAbsent(shape + " (" + type + ")", x -> new long[] {0, Long.MAX_VALUE, Long.MIN_VALUE});
                    f[0]++;
                    f[1] = Math.min(f[1], ttl);
                    f[2] = Math.max(f[2], ttl);
                }
                cursor = page.getCursor();
            } while (!"0".equals(cursor));
        }
        StringBuilder sb = new StringBuilder();
        out.forEach((k, f) -> sb.append(sb.length() == 0 ? "" : "; ").append(k).append(" x").append(f[0])
                .append(" ttl ").append(f[1]).append("..").append(f[2]).append(" ms"));
        return sb.toString();
    }

    static long copies(String internals) {
        return figure(internals, "copies");
    }

    static long keys(String internals) {
        return figure(internals, "keys");
    }

    static long figure(String internals, String name) {
        Matcher m = Pattern.compile(name + "=(\\d+)").matcher(internals);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    /** Creates a session with a 1 s idle timeout every 100 ms, alternating instances, and never comes back. */
    static final class Abandoner {
        private final Rig rig;
        private final Thread thread;
        private volatile boolean running = true;
        volatile int created;

        Abandoner(Rig rig) {
            this.rig = rig;
            this.thread = new Thread(() -> {
                while (running) {
                    Browser b = new Browser();
                    b.get(rig.apps.get(created % 2).url("/ops/setmax?v=1"));
                    created++;
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "abandoner");
            thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join(5_000);
        }
    }
}

package dev.sessionfilter.reliability;

import dev.sessionfilter.testing.RedisProcess;
import dev.sessionfilter.testing.RedisServers;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Items 1 and 2: Redis SIGKILLed and restarted empty, and Redis hung with SIGSTOP, under a load of 32 users on
 * 8 threads across two instances, each user stuck to one instance.
 */
@Tag("reliability")
class RedisCrashIT {
    static final int USERS = 32;
    static final int THREADS = 8;
    static final Duration WARM = Duration.ofSeconds(3);
    static final Duration AFTER = Scale.pick(Duration.ofSeconds(3), Duration.ofSeconds(10));

    /** When the fault began and ended, when every instance was back on Redis, when the load stopped (ms). */
    record Timeline(long faultAt, long endedAt, long recovered, long end) {
    }

    /** Warms the load up, injects the fault for {@code ms}, ends it, waits for recovery and a tail. */
    static Timeline run(Load load, HealthWatch watch, Runnable inject, long ms, Runnable end) throws InterruptedException {
        load.start();
        Thread.sleep(WARM.toMillis());
        long faultAt = load.nowMs();
        inject.run();
        Thread.sleep(ms);
        end.run();
        long endedAt = load.nowMs();
        long recovered = watch.awaitRecovered(endedAt, 60_000);
        Thread.sleep(AFTER.toMillis());
        load.stop();
        return new Timeline(faultAt, endedAt, recovered, load.nowMs());
    }

    /** The near cache on (tracking) or off: its copies must not outlive what Redis forgot. */
    static dev.sessionfilter.testing.EmbeddedTomcat nearCache(dev.sessionfilter.testing.EmbeddedTomcat app, boolean on) {
        return on ? app.param("sessionfilter.nearCache.maxEntries", "10000")
                .param("sessionfilter.nearCache.invalidation", "tracking") : app;
    }

    @ParameterizedTest(name = "near cache {0}")
    @ValueSource(booleans = {false, true})
    void killedAndRestartedEmpty_memoryMode_no5xx_noAcknowledgedWriteLost(boolean cached) throws Exception {
        Report report = new Report("redis-killed-memory" + (cached ? "-near-cache" : ""));
        try (LogCount logs = new LogCount(); RedisProcess redis = RedisServers.standalone();
             Rig rig = new Rig(2, redis.url(), "kill", a -> nearCache(a.param("sessionfilter.redis.timeout", "500ms"), cached))) {
            List<String[]> idle = rig.idleSessions(4);
            Load load = new Load(rig.apps, USERS, THREADS, Duration.ofMinutes(3)).mix(0.4, 0, 0.05).prime();
            try (HealthWatch watch = new HealthWatch(rig.apps, load)) {
                Timeline t = run(load, watch, redis::stop, 5_000, redis::restart);
                long faultAt = t.faultAt();
                long restartedAt = t.endedAt();
                long recovered = t.recovered();
                long end = t.end();
                int mismatches = load.verifyEverywhere();

                report.line("load: " + USERS + " users on " + THREADS + " threads, 2 instances, 40% writes, redis.timeout 500 ms"
                        + (cached ? ", near cache on (tracking)" : "") + "; Redis SIGKILLed for 5 s, restarted empty");
                report.line("before:  " + load.window(0, faultAt));
                report.line("outage:  " + load.window(faultAt, restartedAt));
                report.line("after:   " + load.window(restartedAt, end));
                report.line("first fallback seen " + (watch.firstFallback(faultAt) - faultAt) + " ms after the kill; back on Redis with the write-back done "
                        + (recovered - restartedAt) + " ms after the restart");
                long lostWrites = load.lossesOfWritesSince(faultAt);
                report.line("lost acknowledged writes from the outage on: " + lostWrites + "; sessions lost in all: " + load.losses().size()
                        + "; stale reads: " + load.staleReads() + "; mismatches after the run on either instance: " + mismatches);
                int survivors = rig.idleSurvivors(idle);
                report.line("sessions created before the kill and untouched during it: " + survivors + " of " + idle.size()
                        + " survive (documented: they are lost on an empty restart)");
                report.line("sessionfilter log lines at INFO and above: " + logs);
                report.write();
                // each instance: pool down and back, store down and back (and, cached, its feed lost and restored)
                assertTrue(logs.lines() <= 16, "a fault logs a bounded number of lines, not one per request: " + logs);

                Load.Window all = load.window(0, end);
                assertEquals(0, all.s5xx() + all.s503(), "no 5xx in memory mode: " + all);
                assertEquals(0, all.ioErrors(), all.toString());
                assertEquals(0, lostWrites, "acknowledged writes lost: " + load.losses());
                assertEquals(0, load.staleReads(), "stale reads: " + load.staleExamples());
                assertEquals(0, mismatches, load.losses().toString());
                assertEquals(0, survivors, "untouched sessions are documented as lost on an empty restart");
            }
        }
    }

    @Test
    void killedAndRestartedEmpty_failMode_503OnlyForSessionRequests() throws Exception {
        Report report = new Report("redis-killed-fail");
        try (LogCount logs = new LogCount(); RedisProcess redis = RedisServers.standalone();
             Rig rig = new Rig(2, redis.url(), "killfail", a -> a.param("sessionfilter.redis.timeout", "500ms")
                     .param("sessionfilter.onRedisFailure", "fail"))) {
            Load load = new Load(rig.apps, USERS, THREADS, Duration.ofMinutes(3)).mix(0.4, 0, 0.2).prime();
            try (HealthWatch watch = new HealthWatch(rig.apps, load)) {
                Timeline t = run(load, watch, redis::stop, 5_000, redis::restart);
                long faultAt = t.faultAt();
                long restartedAt = t.endedAt();
                long recovered = t.recovered();
                long end = t.end();
                long last503 = load.lastFailureBefore(0, end, Load.Kind.READ, Load.Kind.WRITE);

                Load.Window outage = load.window(faultAt, restartedAt, Load.Kind.READ, Load.Kind.WRITE);
                Load.Window none = load.window(0, end, Load.Kind.NONE);
                report.line("load: as redis-killed-memory, 20% of requests never touch the session; onRedisFailure=fail");
                report.line("before:  " + load.window(0, faultAt));
                report.line("outage, session requests:  " + outage);
                report.line("whole run, requests without a session: " + none);
                report.line("after:   " + load.window(restartedAt, end));
                report.line("last 503 " + (last503 + 100 - restartedAt) + " ms after the restart; health back "
                        + (recovered - restartedAt) + " ms after it; sessions lost (Redis restarted empty, fail mode keeps no copies): "
                        + load.losses().size());
                report.line("sessionfilter log lines at INFO and above: " + logs);
                report.write();
                // each instance: pool down and back, store down and back (and, cached, its feed lost and restored)
                assertTrue(logs.lines() <= 16, "a fault logs a bounded number of lines, not one per request: " + logs);

                Load.Window all = load.window(0, end);
                assertEquals(0, all.s5xx(), "only 503s: " + all);
                assertEquals(0, all.ioErrors(), all.toString());
                assertEquals(0, none.s503() + none.s5xx(), "requests that never touch the session are served: " + none);
                assertTrue(outage.s503() > 0, "session requests get 503 during the outage: " + outage);
                assertEquals(0, load.window(0, faultAt).s503(), "no 503 before the outage");
                Load.Window afterRecovery = load.window(recovered + 100, end);
                assertEquals(0, afterRecovery.s503(), "no 503 once recovered: " + afterRecovery);
                assertEquals(0, load.staleReads(), "stale reads: " + load.staleExamples());
            }
        }
    }

    @ParameterizedTest(name = "near cache {0}")
    @ValueSource(booleans = {false, true})
    void hungWithSigstop_memoryMode_noRequestWaitsPastTheTimeout_noAcknowledgedWriteLost(boolean cached) throws Exception {
        Report report = new Report("redis-hung-memory" + (cached ? "-near-cache" : ""));
        Duration hang = Scale.pick(Duration.ofSeconds(5), Duration.ofSeconds(10));
        try (LogCount logs = new LogCount(); RedisProcess redis = RedisServers.standalone();
             Rig rig = new Rig(2, redis.url(), "hang", a -> nearCache(a.param("sessionfilter.redis.timeout", "1s"), cached))) {
            List<String[]> idle = rig.idleSessions(4);
            Load load = new Load(rig.apps, USERS, THREADS, Duration.ofMinutes(3)).mix(0.4, 0, 0.05).prime();
            try (HealthWatch watch = new HealthWatch(rig.apps, load)) {
                Timeline t = run(load, watch, redis::pause, hang.toMillis(), redis::resume);
                long faultAt = t.faultAt();
                long resumedAt = t.endedAt();
                long recovered = t.recovered();
                long end = t.end();
                int mismatches = load.verifyEverywhere();

                Load.Window all = load.window(0, end);
                report.line("load: " + USERS + " users on " + THREADS + " threads, 2 instances, 40% writes, redis.timeout 1 s"
                        + (cached ? ", near cache on (tracking)" : "") + "; Redis SIGSTOPped for "
                        + hang.toSeconds() + " s, then SIGCONT");
                report.line("before:  " + load.window(0, faultAt));
                report.line("hang:    " + load.window(faultAt, resumedAt));
                report.line("after:   " + load.window(resumedAt, end));
                report.line("slowest request of the run: " + all.maxMs() + " ms (timeout 1000 ms); first fallback seen "
                        + (watch.firstFallback(faultAt) - faultAt) + " ms after SIGSTOP; back on Redis, write-back done, "
                        + (recovered - resumedAt) + " ms after SIGCONT");
                long lostWrites = load.lossesOfWritesSince(0);
                int survivors = rig.idleSurvivors(idle);
                report.line("lost acknowledged writes: " + lostWrites + "; stale reads: " + load.staleReads()
                        + "; mismatches after the run: " + mismatches + "; untouched sessions surviving: " + survivors + " of " + idle.size());
                report.line("sessionfilter log lines at INFO and above: " + logs);
                report.write();
                // each instance: pool down and back, store down and back (and, cached, its feed lost and restored)
                assertTrue(logs.lines() <= 16, "a fault logs a bounded number of lines, not one per request: " + logs);

                assertEquals(0, all.s5xx() + all.s503(), all.toString());
                assertEquals(0, all.ioErrors(), all.toString());
                assertTrue(all.maxMs() < 1_400, "no request waits longer than the 1 s timeout (plus its read): " + all);
                assertEquals(0, lostWrites, "acknowledged writes lost: " + load.losses());
                assertEquals(0, load.staleReads(), "stale reads: " + load.staleExamples());
                assertEquals(0, mismatches, load.losses().toString());
                assertEquals(idle.size(), survivors, "a hang loses nothing that Redis held");
            }
        }
    }
}

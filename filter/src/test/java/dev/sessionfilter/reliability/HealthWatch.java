package dev.sessionfilter.reliability;

import dev.sessionfilter.testing.Browser;
import dev.sessionfilter.testing.EmbeddedTomcat;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Polls each instance's readiness details every 50 ms during a run, to tell when an instance fell back to
 * its local copies and when it was serving from Redis again with its write-back done.
 */
final class HealthWatch implements AutoCloseable {
    static final String TOKEN = "reliability-health-token-0123456";
    private static final Pattern MODE = Pattern.compile("\"mode\":\"([a-z-]+)\"");
    private static final Pattern PENDING = Pattern.compile("\"pendingWriteBacks\":(\\d+)");

    record Sample(long atMs, int app, String mode, int pending) {
    }

    private final List<EmbeddedTomcat> apps;
    private final Load clock;
    private final List<Sample> samples = new ArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    HealthWatch(List<EmbeddedTomcat> apps, Load clock) {
        this.apps = apps;
        this.clock = clock;
        thread = new Thread(this::run, "health-watch");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        while (running) {
            for (int i = 0; i < apps.size(); i++) {
                String mode = "down";
                int pending = -1;
                try {
                    String d = new Browser().get(apps.get(i).url("/health/ready"), Load.bearer(TOKEN)).body();
                    Matcher m = MODE.matcher(d);
                    mode = m.find() ? m.group(1) : "?";
                    Matcher p = PENDING.matcher(d);
                    pending = p.find() ? Integer.parseInt(p.group(1)) : 0;
                } catch (RuntimeException e) {
                    // instance unreachable: recorded as "down"
                }
                synchronized (samples) {
                    samples.add(new Sample(clock.nowMs(), i, mode, pending));
                }
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** The first time at or after {@code fromMs} that an instance was not serving from Redis; -1 if never. */
    long firstFallback(long fromMs) {
        synchronized (samples) {
            return samples.stream().filter(s -> s.atMs() >= fromMs && !"redis".equals(s.mode()))
                    .mapToLong(Sample::atMs).min().orElse(-1);
        }
    }

    /**
     * When every instance was back on Redis with nothing left to write back, for good: the first time after
     * the last sample (at or after {@code fromMs}) that showed any instance otherwise; -1 if not yet.
     */
    long recovered(long fromMs) {
        synchronized (samples) {
            long lastBad = samples.stream().filter(s -> s.atMs() >= fromMs
                    && (!"redis".equals(s.mode()) || s.pending() != 0)).mapToLong(Sample::atMs).max().orElse(fromMs);
            return samples.stream().filter(s -> s.atMs() > lastBad).mapToLong(Sample::atMs).min().orElse(-1);
        }
    }

    /** How long, summed over instances, the samples in [fromMs, toMs) showed an instance off Redis (50 ms steps). */
    long fallbackMillis(long fromMs, long toMs) {
        synchronized (samples) {
            long total = 0;
            for (int app = 0; app < apps.size(); app++) {
                long prev = -1;
                boolean off = false;
                for (Sample s : samples) {
                    if (s.app() != app || s.atMs() < fromMs || s.atMs() >= toMs) {
                        continue;
                    }
                    if (off && prev >= 0) {
                        total += s.atMs() - prev;
                    }
                    off = !"redis".equals(s.mode());
                    prev = s.atMs();
                }
            }
            return total;
        }
    }

    /** Waits until some instance is seen off Redis at or after {@code fromMs}: when, or -1 after the timeout. */
    long awaitFallback(long fromMs, long timeoutMs) throws InterruptedException {
        long deadline = clock.nowMs() + timeoutMs;
        while (clock.nowMs() < deadline) {
            long f = firstFallback(fromMs);
            if (f >= 0) {
                return f;
            }
            Thread.sleep(20);
        }
        return -1;
    }

    /** Waits until every instance has been on Redis with no pending write-back for 500 ms, or fails. */
    long awaitRecovered(long fromMs, long timeoutMs) throws InterruptedException {
        long deadline = clock.nowMs() + timeoutMs;
        while (clock.nowMs() < deadline) {
            long r = recovered(fromMs);
            if (r >= 0 && clock.nowMs() - r > 500) {
                return r;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("not recovered within " + timeoutMs + " ms: " + tail());
    }

    String tail() {
        synchronized (samples) {
            return samples.subList(Math.max(0, samples.size() - 6), samples.size()).toString();
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(5_000);
    }
}

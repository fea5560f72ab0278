package dev.sessionfilter.reliability;

import dev.sessionfilter.testing.Browser;
import dev.sessionfilter.testing.EmbeddedTomcat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A load of users, each stuck to one instance (affinity, as a load balancer keeps it during an outage), each
 * driven by one thread at a time so its requests are sequential. Every read is checked against the last write
 * the user had acknowledged; a session that disappears counts as a loss, with the time of the write it lost.
 * Figures are kept per 100 ms and per request kind in preallocated counters, so a long run's heap holds
 * nothing that grows.
 */
final class Load implements AutoCloseable {
    enum Kind { READ, WRITE, CHANGE, NONE, INVALIDATE }

    /** A session gone or a value other than the last acknowledged one: when, and the write it lost. */
    record Anomaly(long atMs, long ackedAtMs, int user, String what) {
    }

    private static final int BUCKET_MS = 100;
    private static final int BINS = 40;
    // per bucket and kind: requests, 5xx other than 503, 503, I/O errors, max latency, then latency bins
    private static final int W = 5 + BINS;
    private static final int REQ = 0, S5XX = 1, S503 = 2, ERR = 3, MAX = 4;

    private final List<EmbeddedTomcat> apps;
    private final List<User> users = new ArrayList<>();
    private final int threads;
    private double writeShare = 0.4;
    private double changeShare;
    private double noneShare;
    private double invalidateShare;
    private long seed = 13;
    private final int buckets;
    private final AtomicIntegerArray counts;
    private final ConcurrentLinkedQueue<Anomaly> stale = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Anomaly> lost = new ConcurrentLinkedQueue<>();
    private final AtomicLong staleCount = new AtomicLong();
    private final AtomicLong lostCount = new AtomicLong();
    private final long t0 = System.nanoTime();
    private final List<Thread> workers = new ArrayList<>();
    private volatile boolean running;

    static final class User {
        final int id;
        final EmbeddedTomcat home;
        final Browser browser = new Browser();
        long acked = -1;
        long ackedAtMs;
        boolean hasSession;
        long seq;

        User(int id, EmbeddedTomcat home) {
            this.id = id;
            this.home = home;
        }
    }

    /** {@code users} spread round-robin over {@code apps}; {@code maxRun} bounds the run's length. */
    Load(List<EmbeddedTomcat> apps, int users, int threads, java.time.Duration maxRun) {
        this.apps = apps;
        this.threads = threads;
        for (int i = 0; i < users; i++) {
            this.users.add(new User(i, apps.get(i % apps.size())));
        }
        buckets = (int) (maxRun.toMillis() / BUCKET_MS) + 1;
        counts = new AtomicIntegerArray(buckets * Kind.values().length * W);
    }

    Load mix(double writes, double changes, double nones) {
        this.writeShare = writes;
        this.changeShare = changes;
        this.noneShare = nones;
        return this;
    }

    /** Share of requests that invalidate the user's session (the next one starts a new session). */
    Load churn(double invalidations) {
        this.invalidateShare = invalidations;
        return this;
    }

    Load seed(long s) {
        this.seed = s;
        return this;
    }

    long nowMs() {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    /** Every user writes once, so each has a session before the load starts. */
    Load prime() {
        for (User u : users) {
            write(u);
        }
        return this;
    }

    Load start() {
        running = true;
        SplittableRandom root = new SplittableRandom(seed);
        for (int t = 0; t < threads; t++) {
            List<User> mine = new ArrayList<>();
            for (User u : users) {
                if (u.id % threads == t) {
                    mine.add(u);
                }
            }
            SplittableRandom rnd = root.split();
            Thread th = new Thread(() -> {
                while (running && nowMs() < (long) (buckets - 1) * BUCKET_MS) {
                    User u = mine.get(rnd.nextInt(mine.size()));
                    double p = rnd.nextDouble();
                    if (p < noneShare) {
                        none(u);
                    } else if (p > 1 - invalidateShare && u.hasSession) {
                        invalidate(u);
                    } else if (p < noneShare + changeShare && u.hasSession) {
                        change(u);
                    } else if (p < noneShare + changeShare + writeShare || !u.hasSession) {
                        write(u);
                    } else {
                        read(u);
                    }
                }
            }, "load-" + t);
            th.setDaemon(true);
            workers.add(th);
            th.start();
        }
        return this;
    }

    void stop() throws InterruptedException {
        running = false;
        for (Thread t : workers) {
            t.join(60_000);
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    private Browser.Response timed(User u, Kind kind, String path) {
        long s = System.nanoTime();
        Browser.Response r = null;
        try {
            r = u.browser.get(u.home.url(path));
        } catch (RuntimeException e) {
            // connection refused or timed out: counted as an I/O error below
        }
        long end = System.nanoTime();
        int lat = (int) ((end - s) / 1_000_000);
        int bucket = (int) Math.min(buckets - 1, ((s - t0) / 1_000_000) / BUCKET_MS);
        int base = (bucket * Kind.values().length + kind.ordinal()) * W;
        counts.incrementAndGet(base + REQ);
        if (r == null) {
            counts.incrementAndGet(base + ERR);
        } else if (r.status() == 503) {
            counts.incrementAndGet(base + S503);
        } else if (r.status() >= 500) {
            counts.incrementAndGet(base + S5XX);
        }
        counts.accumulateAndGet(base + MAX, lat, Math::max);
        counts.incrementAndGet(base + 5 + bin(lat));
        return r;
    }

    private static int bin(int ms) {
        return ms <= 0 ? 0 : Math.min(BINS - 1, 1 + (int) (2 * Math.log(ms) / Math.log(2)));
    }

    private static int binUpper(int bin) {
        return bin == 0 ? 0 : (int) Math.ceil(Math.pow(2, bin / 2.0));
    }

    private void write(User u) {
        long v = ++u.seq * 1000 + u.id % 1000;
        String before = u.browser.cookies.get("SESSION");
        Browser.Response r = timed(u, Kind.WRITE, "/ops/set?n=c&v=" + v);
        if (r == null || r.status() != 200 || !"ok".equals(r.body())) {
            return; // not acknowledged: nothing to check later
        }
        String after = u.browser.cookies.get("SESSION");
        if (u.hasSession && before != null && !before.equals(after)) {
            loss(u, "a write got a new session: the old one with " + u.acked + " was gone");
        }
        u.acked = v;
        u.ackedAtMs = nowMs();
        u.hasSession = true;
    }

    private void read(User u) {
        Browser.Response r = timed(u, Kind.READ, "/ops/get?n=c");
        if (r == null || r.status() != 200) {
            return;
        }
        check(u, r.body(), "read on its home instance");
    }

    private void change(User u) {
        String before = u.browser.cookies.get("SESSION");
        Browser.Response r = timed(u, Kind.CHANGE, "/ops/change");
        if (r == null || r.status() != 200) {
            return;
        }
        String[] ids = r.body().split(" ");
        if (!ids[0].equals(before)) {
            loss(u, "changeSessionId found a new session: the old one with " + u.acked + " was gone");
            u.hasSession = true; // the change made one (empty)
            u.acked = -1;
            u.ackedAtMs = nowMs();
        }
    }

    private void invalidate(User u) {
        Browser.Response r = timed(u, Kind.INVALIDATE, "/ops/invalidate");
        if (r != null && r.status() == 200) {
            u.hasSession = false;
            u.acked = -1;
            u.browser.cookies.remove("SESSION");
        }
    }

    private void none(User u) {
        timed(u, Kind.NONE, "/ops/none");
    }

    private void check(User u, String body, String where) {
        if (!u.hasSession) {
            return;
        }
        if ("no-session".equals(body)) {
            loss(u, where + ": no session; it held " + u.acked);
            u.browser.cookies.remove("SESSION");
        } else if (!body.equals(String.valueOf(u.acked == -1 ? null : u.acked))) {
            staleCount.incrementAndGet();
            if (stale.size() < 20) {
                stale.add(new Anomaly(nowMs(), u.ackedAtMs, u.id, where + ": saw " + body + ", acknowledged " + u.acked));
            }
        }
    }

    private void loss(User u, String what) {
        lostCount.incrementAndGet();
        lost.add(new Anomaly(nowMs(), u.ackedAtMs, u.id, what));
        u.hasSession = false;
        u.acked = -1;
    }

    /**
     * After the run: reads every user's value on every instance (from Redis for the instances that are not its
     * home) and records each mismatch as a loss, attributed to the time of the write it lost.
     */
    int verifyEverywhere() {
        int bad = 0;
        for (User u : users) {
            if (!u.hasSession) {
                continue;
            }
            String cookie = u.browser.cookies.get("SESSION");
            for (int i = 0; i < apps.size(); i++) {
                String body;
                try {
                    body = Browser.withSession(cookie).get(apps.get(i).url("/ops/get?n=c")).body();
                } catch (RuntimeException e) {
                    body = e.toString();
                }
                if (!body.equals(String.valueOf(u.acked == -1 ? null : u.acked))) {
                    bad++;
                    lostCount.incrementAndGet();
                    lost.add(new Anomaly(nowMs(), u.ackedAtMs, u.id,
                            "after the run, instance " + i + " read " + body + ", acknowledged " + u.acked));
                }
            }
        }
        return bad;
    }

    List<Anomaly> losses() {
        return List.copyOf(lost);
    }

    /** Losses of writes acknowledged at or after {@code fromMs}. */
    long lossesOfWritesSince(long fromMs) {
        return lost.stream().filter(a -> a.ackedAtMs() >= fromMs).count();
    }

    long staleReads() {
        return staleCount.get();
    }

    List<Anomaly> staleExamples() {
        return List.copyOf(stale);
    }

    List<User> users() {
        return users;
    }

    /** Figures of the requests started in [fromMs, toMs), in 100 ms steps, for the given kinds (all when none given). */
    Window window(long fromMs, long toMs, Kind... kinds) {
        Kind[] ks = kinds.length == 0 ? Kind.values() : kinds;
        long req = 0, s5xx = 0, s503 = 0, err = 0;
        int max = 0;
        long[] hist = new long[BINS];
        // whole buckets: the one holding fromMs is in, the one holding toMs is out (an event's own bucket
        // belongs to the window it starts)
        int from = (int) Math.max(0, fromMs / BUCKET_MS);
        int to = (int) Math.min(buckets, toMs / BUCKET_MS);
        for (int b = from; b < to; b++) {
            for (Kind k : ks) {
                int base = (b * Kind.values().length + k.ordinal()) * W;
                req += counts.get(base + REQ);
                s5xx += counts.get(base + S5XX);
                s503 += counts.get(base + S503);
                err += counts.get(base + ERR);
                max = Math.max(max, counts.get(base + MAX));
                for (int i = 0; i < BINS; i++) {
                    hist[i] += counts.get(base + 5 + i);
                }
            }
        }
        return new Window(fromMs, toMs, req, s5xx, s503, err, max, pct(hist, req, 0.5), pct(hist, req, 0.99));
    }

    /** The last 100 ms bucket in [fromMs, toMs) that saw a 5xx, 503 or I/O error; -1 when none. */
    long lastFailureBefore(long fromMs, long toMs, Kind... kinds) {
        Kind[] ks = kinds.length == 0 ? Kind.values() : kinds;
        for (int b = (int) Math.min(buckets - 1, toMs / BUCKET_MS); b >= fromMs / BUCKET_MS; b--) {
            for (Kind k : ks) {
                int base = (b * Kind.values().length + k.ordinal()) * W;
                if (counts.get(base + S5XX) + counts.get(base + S503) + counts.get(base + ERR) > 0) {
                    return (long) b * BUCKET_MS;
                }
            }
        }
        return -1;
    }

    private static int pct(long[] hist, long total, double q) {
        long want = (long) Math.ceil(total * q);
        long seen = 0;
        for (int i = 0; i < BINS; i++) {
            seen += hist[i];
            if (seen >= want && want > 0) {
                return binUpper(i);
            }
        }
        return 0;
    }

    /** Requests, failures and latency of a time window (p50/p99 are upper bounds of a log2 bin, max exact). */
    record Window(long fromMs, long toMs, long requests, long s5xx, long s503, long ioErrors, int maxMs, int p50Ms,
                  int p99Ms) {
        double perSecond() {
            return requests * 1000.0 / Math.max(1, toMs - fromMs);
        }

        @Override
        public String toString() {
            return String.format("%,d requests (%.0f/s), 5xx %d, 503 %d, I/O errors %d, p50 <= %d ms, p99 <= %d ms, max %d ms",
                    requests, perSecond(), s5xx, s503, ioErrors, p50Ms, p99Ms, maxMs);
        }
    }

    static Map<String, String> bearer(String token) {
        return Map.of("Authorization", "Bearer " + token);
    }
}

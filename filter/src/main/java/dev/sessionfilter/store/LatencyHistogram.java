package dev.sessionfilter.store;

/**
 * Durations of Redis commands in fixed buckets (Prometheus style, cumulative when read). Recording is two
 * adds on striped counters, so every command can be timed without contention.
 */
public final class LatencyHistogram {
    /** Upper bounds in seconds; the last bucket (+Inf) is implicit. */
    public static final double[] BOUNDS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
    private static final long[] BOUNDS_NANOS = new long[BOUNDS.length];

    static {
        for (int i = 0; i < BOUNDS.length; i++) {
            BOUNDS_NANOS[i] = Math.round(BOUNDS[i] * 1e9);
        }
    }

    private final dev.sessionfilter.internal.Buckets buckets = new dev.sessionfilter.internal.Buckets(BOUNDS_NANOS);

    public void record(long nanos) {
        buckets.record(nanos);
    }

    /** Cumulative counts: element i counts durations up to {@code BOUNDS[i]}; the last one counts all. */
    public long[] cumulative() {
        return buckets.cumulative();
    }

    public double sumSeconds() {
        return buckets.sum() / 1e9;
    }
}

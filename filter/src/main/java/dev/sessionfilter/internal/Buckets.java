package dev.sessionfilter.internal;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counts of observations in fixed buckets (Prometheus style: cumulative when read) and their sum. Recording
 * is two adds on striped counters, so it can sit on every request or command without contention.
 */
public final class Buckets {
    private final long[] bounds;
    private final LongAdder[] counts;
    private final LongAdder sum = new LongAdder();

    /** @param bounds upper bounds, ascending; the last bucket (+Inf) is implicit */
    public Buckets(long[] bounds) {
        this.bounds = bounds.clone();
        this.counts = new LongAdder[bounds.length + 1];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    public void record(long v) {
        int i = 0;
        while (i < bounds.length && v > bounds[i]) {
            i++;
        }
        counts[i].increment();
        sum.add(v);
    }

    public long[] bounds() {
        return bounds.clone();
    }

    /** Cumulative counts: element i counts observations up to {@code bounds[i]}; the last one counts all. */
    public long[] cumulative() {
        long[] out = new long[counts.length];
        long run = 0;
        for (int i = 0; i < counts.length; i++) {
            run += counts[i].sum();
            out[i] = run;
        }
        return out;
    }

    public long sum() {
        return sum.sum();
    }
}

package dev.sessionfilter.session;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Session figures of one instance, as Tomcat's {@code Manager} keeps them (created, expired, rejected, alive
 * times) plus what a Redis store adds (invalidated, evicted by the limit; size and attribute count of the
 * sessions requests load). Counting only: nothing here reads Redis or decodes a value.
 */
public final class SessionStats {
    /** Upper bounds of the size histogram, in bytes of sealed session data as stored. */
    public static final long[] SIZE_BOUNDS = {1024, 4096, 16384, 65536, 262144, 1048576};
    /** Upper bounds of the attribute-count histogram. */
    public static final long[] ATTRIBUTE_BOUNDS = {1, 2, 5, 10, 20, 50};

    final LongAdder created = new LongAdder();
    final LongAdder invalidated = new LongAdder();
    final LongAdder expired = new LongAdder();
    final LongAdder imported = new LongAdder();
    private final AtomicLong maxAliveMillis = new AtomicLong();
    private final LongAdder aliveMillis = new LongAdder();
    private final LongAdder ended = new LongAdder();
    final Histogram sizes = new Histogram(SIZE_BOUNDS);
    final Histogram attributes = new Histogram(ATTRIBUTE_BOUNDS);

    void ended(boolean byExpiry, long aliveMs) {
        (byExpiry ? expired : invalidated).increment();
        ended.increment();
        aliveMillis.add(Math.max(0, aliveMs));
        maxAliveMillis.accumulateAndGet(aliveMs, Math::max);
    }

    void loaded(long bytes, int attributeCount) {
        sizes.record(bytes);
        attributes.record(attributeCount);
    }

    public long created() {
        return created.sum();
    }

    public long invalidated() {
        return invalidated.sum();
    }

    /** Container sessions copied into ours ({@code sessionfilter.importContainerSessions}). */
    public long imported() {
        return imported.sum();
    }

    /** Sessions whose expiry this instance notified. */
    public long expired() {
        return expired.sum();
    }

    /** The longest a session that ended here had lived, in seconds (Tomcat's sessionMaxAliveTime). */
    public long maxAliveSeconds() {
        return maxAliveMillis.get() / 1000;
    }

    /** The mean life of the sessions that ended here, in seconds (Tomcat's sessionAverageAliveTime). */
    public long averageAliveSeconds() {
        long n = ended.sum();
        return n == 0 ? 0 : aliveMillis.sum() / n / 1000;
    }

    public Histogram sizes() {
        return sizes;
    }

    public Histogram attributes() {
        return attributes;
    }

    /** Cumulative-bucket histogram, Prometheus style. */
    public static final class Histogram {
        private final long[] bounds;
        private final LongAdder[] counts;
        private final LongAdder sum = new LongAdder();

        Histogram(long[] bounds) {
            this.bounds = bounds;
            this.counts = new LongAdder[bounds.length + 1];
            for (int i = 0; i < counts.length; i++) {
                counts[i] = new LongAdder();
            }
        }

        void record(long v) {
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

        /** Observations at or below each bound, then the total (the +Inf bucket). */
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
}

package dev.sessionfilter.session;

import dev.sessionfilter.internal.Buckets;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Session figures of one instance, as Tomcat's {@code Manager} keeps them (created, rejected, alive times;
 * expiries are the sweeper's count) plus what a Redis store adds (invalidated, evicted by the limit; size and
 * attribute count of the sessions loaded). Counting only: nothing here reads Redis or decodes a value.
 */
public final class SessionStats {
    /** Upper bounds of the size histogram, in bytes of sealed session data as stored. */
    public static final long[] SIZE_BOUNDS = {1024, 4096, 16384, 65536, 262144, 1048576};
    /** Upper bounds of the attribute-count histogram. */
    public static final long[] ATTRIBUTE_BOUNDS = {1, 2, 5, 10, 20, 50};

    final LongAdder created = new LongAdder();
    final LongAdder invalidated = new LongAdder();
    final LongAdder rejected = new LongAdder();
    final LongAdder evicted = new LongAdder();
    final LongAdder imported = new LongAdder();
    private final AtomicLong maxAliveMillis = new AtomicLong();
    private final LongAdder aliveMillis = new LongAdder();
    private final LongAdder ended = new LongAdder();
    final Buckets sizes = new Buckets(SIZE_BOUNDS);
    final Buckets attributes = new Buckets(ATTRIBUTE_BOUNDS);

    void ended(boolean byExpiry, long aliveMs) {
        if (!byExpiry) {
            invalidated.increment(); // expiries are the sweeper's count: ExpirySweeper.Counters.notified
        }
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

    /** Logins refused by {@code sessionfilter.maxSessionsPerPrincipal} (policy refuse). */
    public long rejected() {
        return rejected.sum();
    }

    /** Sessions {@code sessionfilter.maxSessionsPerPrincipal} evicted (policy evict-oldest). */
    public long evicted() {
        return evicted.sum();
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

    public Buckets sizes() {
        return sizes;
    }

    public Buckets attributes() {
        return attributes;
    }
}

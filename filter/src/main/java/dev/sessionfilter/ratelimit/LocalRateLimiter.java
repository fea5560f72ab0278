package dev.sessionfilter.ratelimit;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The same sliding-window counter in this JVM, for {@code onRedisFailure=local}: limits hold per instance
 * while Redis is unreachable. At most {@code maxKeys} client/item counters (three numbers each, whatever the
 * limit), least recently used dropped first, so rotating client addresses cannot grow it past a known size.
 */
public final class LocalRateLimiter {
    private final LinkedHashMap<String, Window> windows;
    private final LongSupplier clock;

    /** One client's counter for one item: window start, this window's and the previous window's count. */
    static final class Window {
        long start;
        long count;
        long previous;
    }

    public LocalRateLimiter(int maxKeys, LongSupplier clock) {
        this.clock = clock;
        this.windows = new LinkedHashMap<>(256, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Window> eldest) {
                return size() > maxKeys;
            }
        };
    }

    public synchronized Decision decide(String scope, String client, List<Limit> limits, boolean consume) {
        return decide(scope, client, limits, consume, 1);
    }

    /** Takes back {@code cost} units from each item's current window (a countWhen response that did not match). */
    public synchronized void refund(String scope, String client, List<Limit> limits, int cost) {
        for (Limit l : limits) {
            Window w = windows.get(scope + "\n" + client + "\n" + l.name());
            if (w != null) {
                w.count = Math.max(0, w.count - cost);
            }
        }
    }

    public synchronized Decision decide(String scope, String client, List<Limit> limits, boolean consume, int cost) {
        long now = clock.getAsLong();
        List<Window> current = new ArrayList<>(limits.size());
        boolean allowed = true;
        for (Limit l : limits) {
            String k = scope + "\n" + client + "\n" + l.name();
            Window w = windows.computeIfAbsent(k, x -> {
                Window fresh = new Window();
                fresh.start = Long.MIN_VALUE;
                return fresh;
            });
            roll(w, now, l.windowMillis());
            if (used(w, now, l.windowMillis()) + cost > l.count()) {
                allowed = false;
            }
            current.add(w);
        }
        List<Decision.Quota> quotas = new ArrayList<>(limits.size());
        for (int i = 0; i < limits.size(); i++) {
            Limit l = limits.get(i);
            Window w = current.get(i);
            if (allowed && consume) {
                w.count += cost;
            }
            quotas.add(quota(l, w, now));
        }
        quotas.sort(Comparator.comparingInt(Decision.Quota::remaining));
        return new Decision(allowed, List.copyOf(quotas));
    }

    /** Moves the window forward as the Redis script does: windows start at a key's first request. */
    static void roll(Window w, long now, long window) {
        if (w.start == Long.MIN_VALUE || now >= w.start + 2 * window) {
            w.start = now;
            w.count = 0;
            w.previous = 0;
        } else if (now >= w.start + window) {
            w.start += window;
            w.previous = w.count;
            w.count = 0;
        }
    }

    static double used(Window w, long now, long window) {
        double left = window - (now - w.start);
        return w.previous * left / window + w.count;
    }

    static Decision.Quota quota(Limit l, Window w, long now) {
        long window = l.windowMillis();
        double left = window - (now - w.start);
        double used = used(w, now, window);
        double reset = w.count > 0 || w.previous > 0 ? left : 0;
        double retry = 0;
        if (used + 1 > l.count()) {
            retry = w.count + 1 <= l.count()
                    ? left - (l.count() - w.count - 1) * (double) window / w.previous
                    : left + Math.max(0, window - (l.count() - 1) * (double) window / w.count);
        }
        return new Decision.Quota(l, (int) Math.max(0, Math.floor(l.count() - used)),
                RedisRateLimiter.ceilSeconds((long) Math.ceil(reset)), RedisRateLimiter.ceilSeconds((long) Math.ceil(retry)));
    }

    synchronized int size() {
        return windows.size();
    }
}

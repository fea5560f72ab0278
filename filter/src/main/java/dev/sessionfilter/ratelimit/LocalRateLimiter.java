package dev.sessionfilter.ratelimit;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The same sliding-window log in this JVM, for {@code onRedisFailure=local}: limits hold per instance while
 * Redis is unreachable. At most {@code maxKeys} client/item logs, least recently used dropped first.
 */
public final class LocalRateLimiter {
    private final LinkedHashMap<String, ArrayDeque<Long>> logs;
    private final LongSupplier clock;

    public LocalRateLimiter(int maxKeys, LongSupplier clock) {
        this.clock = clock;
        this.logs = new LinkedHashMap<>(256, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, ArrayDeque<Long>> eldest) {
                return size() > maxKeys;
            }
        };
    }

    public synchronized Decision decide(String scope, String client, List<Limit> limits, boolean consume) {
        long now = clock.getAsLong();
        List<ArrayDeque<Long>> windows = new ArrayList<>(limits.size());
        boolean allowed = true;
        for (Limit l : limits) {
            String k = scope + "\n" + client + "\n" + l.name();
            ArrayDeque<Long> log = logs.get(k);
            if (log == null) {
                log = new ArrayDeque<>();
                logs.put(k, log);
            }
            while (!log.isEmpty() && log.peekFirst() <= now - l.windowMillis()) {
                log.pollFirst();
            }
            if (log.size() >= l.count()) {
                allowed = false;
            }
            windows.add(log);
        }
        List<Decision.Quota> quotas = new ArrayList<>(limits.size());
        for (int i = 0; i < limits.size(); i++) {
            Limit l = limits.get(i);
            ArrayDeque<Long> log = windows.get(i);
            if (allowed && consume) {
                log.addLast(now);
            }
            long reset = log.isEmpty() ? 0 : log.peekFirst() + l.windowMillis() - now;
            quotas.add(new Decision.Quota(l, Math.max(0, l.count() - log.size()), RedisRateLimiter.ceilSeconds(reset)));
        }
        quotas.sort(Comparator.comparingInt(Decision.Quota::remaining));
        return new Decision(allowed, List.copyOf(quotas));
    }

    synchronized int size() {
        return logs.size();
    }
}

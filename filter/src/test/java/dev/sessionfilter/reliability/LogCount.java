package dev.sessionfilter.reliability;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Counts what sessionfilter logs at INFO or above (what a default logging setup prints), per message shape,
 * so a suite can assert that a fault or a flood of bad input writes a bounded number of lines.
 */
final class LogCount extends Handler implements AutoCloseable {
    private final Logger logger = Logger.getLogger("dev.sessionfilter");
    private final AtomicLong total = new AtomicLong();
    private final Map<String, AtomicLong> byLogger = new ConcurrentHashMap<>();

    LogCount() {
        setLevel(Level.INFO);
        logger.addHandler(this);
    }

    @Override
    public void publish(LogRecord r) {
        if (r.getLevel().intValue() >= Level.INFO.intValue()) {
            total.incrementAndGet();
            byLogger.computeIfAbsent(r.getLevel() + " " + r.getLoggerName(), k -> new AtomicLong()).incrementAndGet();
        }
    }

    long lines() {
        return total.get();
    }

    @Override
    public String toString() {
        return total.get() + " lines " + byLogger;
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        logger.removeHandler(this);
    }
}

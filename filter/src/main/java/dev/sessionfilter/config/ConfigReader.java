package dev.sessionfilter.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and validates settings from {@link ConfigSources}, collecting every problem instead of stopping at
 * the first, so one failed start tells the operator everything to fix.
 */
public final class ConfigReader {
    private static final Pattern SHORT_DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)?");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KiB|KB|K|k|MiB|MB|M|GiB|GB|G)?");

    private final ConfigSources sources;
    private final List<String> problems = new ArrayList<>();
    private final Map<String, String> effective = new LinkedHashMap<>();

    public ConfigReader(ConfigSources sources) {
        this.sources = sources;
        for (String where : sources.unknownNames()) {
            problems.add(Messages.unknown(where));
        }
    }

    /** The raw value, or the default, or null. */
    public String string(Setting s) {
        ConfigSources.Found f = sources.find(s);
        String v = f == null ? s.defaultValue() : f.value().trim();
        record(s, v);
        return v;
    }

    /** A secret given inline or through its {@code ...File} variant; both at once is an error. */
    public String secret(Setting inline, Setting file) {
        ConfigSources.Found a = sources.find(inline);
        ConfigSources.Found b = sources.find(file);
        if (a != null && b != null) {
            problems.add("`" + inline.key() + "` (" + a.source() + ") and `" + file.key() + "` (" + b.source()
                    + ") are both set; expected only one of them");
            return null;
        }
        if (b != null) {
            String path = b.value().trim();
            record(file, path);
            try {
                return Files.readString(Path.of(path), StandardCharsets.UTF_8).trim();
            } catch (IOException | RuntimeException e) {
                problems.add("`" + file.key() + "` (" + b.source() + ") names `" + path
                        + "`, which cannot be read (" + e.getClass().getSimpleName() + "); expected a readable file");
                return null;
            }
        }
        if (a != null) {
            record(inline, a.value());
            return a.value().trim();
        }
        return null;
    }

    /** Where a setting came from, for messages; "default" when no source sets it. */
    public String source(Setting s) {
        ConfigSources.Found f = sources.find(s);
        return f == null ? "default" : f.source();
    }

    /** Whether any source sets it explicitly. */
    public boolean isSet(Setting s) {
        return sources.find(s) != null;
    }

    public Duration duration(Setting s, String fallback) {
        String v = string(s);
        if (v == null) {
            v = fallback;
        }
        if (v == null) {
            return null;
        }
        Duration d = parseDuration(v);
        if (d == null || d.isNegative()) {
            fail(s, v, "an ISO-8601 duration (PT30M) or a number ending in s, m, h or d (a bare number means seconds)");
        }
        return d;
    }

    public long size(Setting s) {
        String v = string(s);
        long n = parseSize(v);
        if (n <= 0) {
            fail(s, v, "a positive size in bytes, or a number ending in KiB or MiB (e.g. 64KiB)");
        }
        return n;
    }

    public int integer(Setting s, int min, int max) {
        String v = string(s);
        try {
            int n = Integer.parseInt(v);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        fail(s, v, "a whole number from " + min + " to " + max);
        return min;
    }

    /** One of the allowed words, case-insensitive; returns the canonical spelling from {@code allowed}. */
    public String choice(Setting s, String... allowed) {
        String v = string(s);
        for (String a : allowed) {
            if (a.equalsIgnoreCase(v)) {
                return a;
            }
        }
        fail(s, v, "one of " + String.join(", ", allowed));
        return allowed[0];
    }

    /** Comma-separated list, blanks dropped; empty list when unset. */
    public List<String> list(Setting s) {
        String v = string(s);
        if (v == null || v.isBlank()) {
            return List.of();
        }
        return Arrays.stream(v.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
    }

    /** Records a problem with a setting's value. */
    public void fail(Setting s, String value, String expected) {
        problems.add(Messages.bad(s, source(s), value, expected));
    }

    /** Records a problem that is not about one value (e.g. a missing required setting). */
    public void problem(String message) {
        problems.add(message);
    }

    /** Throws a {@link ConfigException} naming every problem found so far. */
    public void throwIfProblems() {
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
    }

    /** The effective settings read so far, secrets masked, for the one start-up log line per key. */
    public Map<String, String> effective() {
        return effective;
    }

    private void record(Setting s, String v) {
        String shown = v == null ? "(unset)" : s.secret() ? "<masked>" : v;
        if (s == Setting.REDIS_URL && v != null) {
            shown = RedisConfig.maskUrl(v).replace("`", "");
        }
        effective.put(s.key(), shown);
    }

    /** ISO-8601, or {@code 90s}, {@code 30m}, {@code 12h}, {@code 7d}, {@code 250ms}, or bare seconds. */
    public static Duration parseDuration(String v) {
        if (v == null) {
            return null;
        }
        String t = v.trim();
        if (t.startsWith("P") || t.startsWith("p") || t.startsWith("-P")) {
            try {
                return Duration.parse(t.toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                return null;
            }
        }
        Matcher m = SHORT_DURATION.matcher(t);
        if (!m.matches()) {
            return null;
        }
        long n;
        try {
            n = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            return null;
        }
        String unit = m.group(2) == null ? "s" : m.group(2);
        try {
            return switch (unit) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                default -> null;
            };
        } catch (ArithmeticException e) {
            return null;
        }
    }

    /** Bytes, or a number ending in KiB/KB/K or MiB/MB/M (all binary multiples); -1 when malformed. */
    static long parseSize(String v) {
        if (v == null) {
            return -1;
        }
        Matcher m = SIZE.matcher(v.trim());
        if (!m.matches()) {
            return -1;
        }
        try {
            long n = Long.parseLong(m.group(1));
            String unit = m.group(2) == null ? "B" : m.group(2);
            long mult = switch (unit.toUpperCase(Locale.ROOT).charAt(0)) {
                case 'K' -> 1024L;
                case 'M' -> 1024L * 1024;
                case 'G' -> 1024L * 1024 * 1024;
                default -> 1L;
            };
            return Math.multiplyExact(n, mult);
        } catch (ArithmeticException | NumberFormatException e) {
            return -1;
        }
    }
}

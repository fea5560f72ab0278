package dev.sessionfilter.ratelimit;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One item of a limit string: at most {@code count} requests in any {@code windowSeconds}-long window.
 *
 * @param count         requests allowed per window, at least 1
 * @param windowSeconds window length in seconds
 * @param name          short unique name used in headers and keys, e.g. {@code 5/1m}
 */
public record Limit(int count, long windowSeconds, String name) {
    /** The accepted syntax, for error messages. */
    public static final String SYNTAX = "items joined by , or ; each `N per [M] second|minute|hour|day` or "
            + "`N/[M] second|minute|hour|day` (e.g. `200 per hour, 20 per minute` or `5/minute`)";
    private static final Pattern ITEM = Pattern.compile(
            "(\\d{1,9})\\s*(?:per|/)\\s*(\\d{1,9})?\\s*(second|minute|hour|day)s?", Pattern.CASE_INSENSITIVE);

    /**
     * Parses a Flask-Limiter style string; duplicates collapse.
     *
     * @throws IllegalArgumentException naming the bad item and the accepted syntax
     */
    public static List<Limit> parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("no limit given; expected " + SYNTAX);
        }
        Map<String, Limit> out = new LinkedHashMap<>();
        for (String raw : text.split("[,;]")) {
            String item = raw.trim();
            if (item.isEmpty()) {
                continue;
            }
            Matcher m = ITEM.matcher(item);
            if (!m.matches()) {
                throw new IllegalArgumentException("`" + item + "` is not a limit; expected " + SYNTAX);
            }
            int count = Integer.parseInt(m.group(1));
            long multiple = m.group(2) == null ? 1 : Long.parseLong(m.group(2));
            String unit = m.group(3).toLowerCase(Locale.ROOT);
            long unitSeconds = switch (unit) {
                case "second" -> 1;
                case "minute" -> 60;
                case "hour" -> 3600;
                default -> 86400;
            };
            if (count < 1 || multiple < 1) {
                throw new IllegalArgumentException("`" + item + "` must allow at least 1 request per at least 1 "
                        + unit + "; expected " + SYNTAX);
            }
            String name = count + "/" + multiple + unit.charAt(0);
            out.putIfAbsent(name, new Limit(count, multiple * unitSeconds, name));
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no limit given; expected " + SYNTAX);
        }
        return new ArrayList<>(out.values());
    }

    public long windowMillis() {
        return windowSeconds * 1000L;
    }
}

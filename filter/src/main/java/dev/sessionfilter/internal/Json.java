package dev.sessionfilter.internal;

import java.util.List;
import java.util.Map;

/**
 * Internal use only. The small JSON the servlets answer with (maps, lists, strings, numbers, booleans),
 * written without a JSON-B round trip on every probe.
 */
public final class Json {
    private Json() {
    }

    /** Maps (in iteration order), lists, numbers and booleans as themselves; anything else as a string. */
    public static String write(Object o) {
        if (o instanceof Map<?, ?> m) {
            StringBuilder sb = new StringBuilder("{");
            for (Map.Entry<?, ?> e : m.entrySet()) {
                sb.append(sb.length() > 1 ? "," : "").append(quote(String.valueOf(e.getKey()))).append(':')
                        .append(write(e.getValue()));
            }
            return sb.append('}').toString();
        }
        if (o instanceof List<?> l) {
            StringBuilder sb = new StringBuilder("[");
            for (Object x : l) {
                sb.append(sb.length() > 1 ? "," : "").append(write(x));
            }
            return sb.append(']').toString();
        }
        if (o instanceof Number || o instanceof Boolean) {
            return o.toString();
        }
        return quote(String.valueOf(o));
    }

    /** A JSON string literal, quotes included. */
    public static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }
}

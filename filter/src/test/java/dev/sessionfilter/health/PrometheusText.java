package dev.sessionfilter.health;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the Prometheus text format strictly enough to catch a malformed line. */
final class PrometheusText {
    private static final Pattern SAMPLE = Pattern.compile(
            "([a-zA-Z_:][a-zA-Z0-9_:]*(?:\\{[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\.)*\"(?:,[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\.)*\")*})?) "
                    + "(-?[0-9.]+(?:[eE][-+]?[0-9]+)?|[+-]Inf|NaN)");
    private static final Pattern COMMENT = Pattern.compile("# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+");

    private PrometheusText() {
    }

    /** Sample name with labels, as written, to value; in order. */
    static Map<String, Double> parse(String text) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("#")) {
                if (!COMMENT.matcher(line).matches()) {
                    throw new AssertionError("malformed comment line: " + line);
                }
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            if (!m.matches()) {
                throw new AssertionError("malformed sample line: " + line);
            }
            if (out.put(m.group(1), Double.parseDouble(m.group(2).replace("Inf", "Infinity"))) != null) {
                throw new AssertionError("duplicate sample: " + line);
            }
        }
        return out;
    }
}

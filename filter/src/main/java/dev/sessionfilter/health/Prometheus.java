package dev.sessionfilter.health;

/** Just enough of the Prometheus text exposition format: one family at a time. */
final class Prometheus {
    private final StringBuilder out = new StringBuilder();
    private String family;

    Prometheus metric(String name, String type, String help) {
        family = name;
        out.append("# HELP ").append(name).append(' ').append(help).append('\n')
                .append("# TYPE ").append(name).append(' ').append(type).append('\n');
        return this;
    }

    Prometheus sample(String suffixAndLabels, double value) {
        out.append(family).append(suffixAndLabels).append(' ');
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            out.append((long) value);
        } else {
            out.append(value);
        }
        out.append('\n');
        return this;
    }

    static String label(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    @Override
    public String toString() {
        return out.toString();
    }
}

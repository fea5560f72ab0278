package dev.sessionfilter.reliability;

import java.time.Duration;

/** Short form for CI, full form on demand ({@code -Dsf.reliability=full}); the suites read their sizes here. */
final class Scale {
    static final boolean FULL = "full".equals(System.getProperty("sf.reliability", "short"));

    private Scale() {
    }

    static Duration pick(Duration shortForm, Duration fullForm) {
        return FULL ? fullForm : shortForm;
    }

    static int pick(int shortForm, int fullForm) {
        return FULL ? fullForm : shortForm;
    }

    static String name() {
        return FULL ? "full" : "short";
    }
}

package dev.sessionfilter.config;

import java.util.List;

/** The text of configuration errors. Operators grep for it: treat changes to it as API changes. */
final class Messages {
    private Messages() {
    }

    static String invalidConfiguration(List<String> problems) {
        StringBuilder sb = new StringBuilder("sessionfilter: invalid configuration (")
                .append(problems.size()).append(problems.size() == 1 ? " problem" : " problems")
                .append("); the application will not start:");
        for (String p : problems) {
            sb.append("\n  - ").append(p);
        }
        return sb.toString();
    }

    static String bad(Setting s, String source, String value, String expected) {
        return "`" + s.key() + "` (" + source + ") was " + shown(s, value) + "; expected " + expected;
    }

    static String unknown(String where) {
        return "unknown setting " + where + " (a typo?); see docs/configuration.md for the names";
    }

    static String shown(Setting s, String value) {
        return s.secret() ? "<masked>" : "`" + value + "`";
    }
}

package dev.sessionfilter.config;

import java.util.List;

/** Startup fails with this: one message listing every bad setting. */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final List<String> problems;

    ConfigException(List<String> problems) {
        super(Messages.invalidConfiguration(problems));
        this.problems = List.copyOf(problems);
    }

    /** One line per bad setting, in the order they were found. */
    public List<String> problems() {
        return problems;
    }
}

package dev.sessionfilter.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A suite's figures: printed as they come, and written to {@code target/reliability/<name>.txt} at the end. */
final class Report {
    private final String name;
    private final List<String> lines = new ArrayList<>();

    Report(String name) {
        this.name = name;
        line("== " + name + " (" + Scale.name() + " form)");
    }

    Report line(String text) {
        lines.add(text);
        System.out.println("[reliability] " + text);
        return this;
    }

    void write() {
        try {
            Path dir = Path.of("target", "reliability");
            Files.createDirectories(dir);
            Files.write(dir.resolve(name + ".txt"), lines);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

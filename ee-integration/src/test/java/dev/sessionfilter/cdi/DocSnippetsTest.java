package dev.sessionfilter.cdi;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** docs/cdi.md shows compiled code: each snippet marked with its file is a verbatim excerpt of that file. */
class DocSnippetsTest {
    private static final Pattern SNIPPET = Pattern.compile("<!-- snippet: (\\S+) -->\\s*```java\\n(.*?)```", Pattern.DOTALL);

    @Test
    void cdiDoc_snippetsAreExcerptsOfTheFilesTheyName() throws Exception {
        Path root = Path.of("..").toAbsolutePath().normalize();
        String doc = Files.readString(root.resolve("docs/cdi.md"));
        Matcher m = SNIPPET.matcher(doc);
        int n = 0;
        while (m.find()) {
            String source = Files.readString(root.resolve(m.group(1)));
            assertTrue(source.contains(m.group(2)), "docs/cdi.md shows code that is not in " + m.group(1) + ":\n"
                    + m.group(2));
            n++;
        }
        assertTrue(n >= 4, "snippets found: " + n);
    }
}

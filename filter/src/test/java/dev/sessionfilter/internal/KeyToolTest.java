package dev.sessionfilter.internal;

import dev.sessionfilter.crypto.Keysets;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeyToolTest {
    private String run(String stdin, int expectedExit, String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = KeyTool.run(args, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(expectedExit, code, err.toString(StandardCharsets.UTF_8));
        return code == 0 ? out.toString(StandardCharsets.UTF_8) : err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void keysetNew_thenRotate_addsAPrimaryAndKeepsTheOldKey() throws Exception {
        String first = run("", 0, "keyset", "new");
        assertEquals(1, Keysets.parse(first).size());
        String second = run(first, 0, "keyset", "rotate");
        assertEquals(2, Keysets.parse(second).size());
        assertTrue(Keysets.parse(second).getPrimary().getId() != Keysets.parse(first).getPrimary().getId());
    }

    @Test
    void rotate_badInput_failsWithoutEchoingIt() throws Exception {
        String err = run("{\"secret\":\"hunter2\"}", 1, "keyset", "rotate");
        assertTrue(!err.contains("hunter2") && err.contains("not a usable keyset"), err);
        assertTrue(run("", 2, "frobnicate").contains("usage"));
    }
}

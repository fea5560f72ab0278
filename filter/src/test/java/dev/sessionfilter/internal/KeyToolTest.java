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

    /** Issue 9: the three-step roll-out: add (not primary), promote, and later drop nothing. */
    @Test
    void keysetAdd_thenPromote_rollsOutANewKeyInTwoSteps() throws Exception {
        String first = run("", 0, "keyset", "new");
        int oldPrimary = Keysets.parse(first).getPrimary().getId();
        String added = run(first, 0, "keyset", "add");
        var withNew = Keysets.parse(added);
        assertEquals(2, withNew.size());
        assertEquals(oldPrimary, withNew.getPrimary().getId(), "add keeps the old primary: nobody seals with it yet");
        int newId = withNew.getAt(0).getId() == oldPrimary ? withNew.getAt(1).getId() : withNew.getAt(0).getId();
        String listed = run(added, 0, "keyset", "list");
        assertTrue(listed.contains(Integer.toUnsignedString(oldPrimary) + " (primary)") && listed.contains(Integer.toUnsignedString(newId)), listed);
        String promoted = run(added, 0, "keyset", "promote", Integer.toUnsignedString(newId));
        assertEquals(newId, Keysets.parse(promoted).getPrimary().getId());
        assertEquals(2, Keysets.parse(promoted).size());
        // Values sealed under the old primary still open under the promoted keyset.
        byte[] sealed = Keysets.aead(Keysets.parse(first)).encrypt("v".getBytes(StandardCharsets.UTF_8), new byte[0]);
        assertEquals("v", new String(Keysets.aead(Keysets.parse(promoted)).decrypt(sealed, new byte[0]), StandardCharsets.UTF_8));
        String unknown = run(added, 1, "keyset", "promote", "12345");
        assertTrue(unknown.contains("no key with id 12345"), unknown);
        assertTrue(run(added, 2, "keyset", "promote", "abc").contains("not a key id"));
    }
}

package dev.sessionfilter.crypto;

import com.google.crypto.tink.KeysetHandle;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class KeysetsTest {
    private static final byte[] AD = "ns\nhash\nfield".getBytes(StandardCharsets.UTF_8);

    @Test
    void rotate_keepsOldKeysForDecryption_andSealsWithTheNewPrimary() throws Exception {
        KeysetHandle old = Keysets.generate();
        KeysetHandle rotated = Keysets.rotate(Keysets.parse(Keysets.toJson(old)));
        assertEquals(2, rotated.size());
        Sealer before = new Sealer(Keysets.aead(old));
        Sealer after = new Sealer(Keysets.aead(rotated));
        byte[] sealedBefore = before.seal("v".getBytes(StandardCharsets.UTF_8), AD);
        assertArrayEquals("v".getBytes(StandardCharsets.UTF_8), after.open(sealedBefore, AD));
        byte[] sealedAfter = after.seal("w".getBytes(StandardCharsets.UTF_8), AD);
        assertNull(before.open(sealedAfter, AD), "old keyset cannot open values of the new primary");
    }

    @Test
    void open_withOtherAssociatedData_fails() throws Exception {
        Sealer s = new Sealer(Keysets.aead(Keysets.generate()));
        byte[] c = s.seal(new byte[] {1, 2, 3}, AD);
        assertNull(s.open(c, "ns\nhash\nother".getBytes(StandardCharsets.UTF_8)));
        assertNull(s.open(new byte[] {1, 2}, AD));
    }

    @Test
    void rawHexKey_isOneAes256Key() throws Exception {
        KeysetHandle h = Keysets.parse("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
        Sealer s = new Sealer(Keysets.aead(h));
        assertArrayEquals(new byte[] {9}, s.open(s.seal(new byte[] {9}, AD), AD));
    }

    @Test
    void parse_rejectsGarbage() {
        assertThrows(GeneralSecurityException.class, () -> Keysets.parse("not a keyset"));
        assertThrows(GeneralSecurityException.class, () -> Keysets.parse("{\"primaryKeyId\":1}"));
        assertThrows(GeneralSecurityException.class, () -> Keysets.parse("0011"));
    }
}

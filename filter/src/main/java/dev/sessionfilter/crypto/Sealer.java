package dev.sessionfilter.crypto;

import com.google.crypto.tink.Aead;

import java.security.GeneralSecurityException;

/**
 * Seals session data with the application's AEAD keyset. Associated data binds every ciphertext to the
 * place it lives (namespace, session hash, field), so a value copied elsewhere does not open. Rotation is
 * Tink's: the primary key seals, every key in the keyset opens.
 */
public final class Sealer {
    private final Aead aead;

    public Sealer(Aead aead) {
        this.aead = aead;
    }

    public byte[] seal(byte[] plaintext, byte[] associatedData) {
        try {
            return aead.encrypt(plaintext, associatedData);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("encryption failed", e);
        }
    }

    /** The plaintext, or null when the ciphertext is garbage, tampered, misplaced or from an unknown key. */
    public byte[] open(byte[] ciphertext, byte[] associatedData) {
        try {
            return aead.decrypt(ciphertext, associatedData);
        } catch (GeneralSecurityException | RuntimeException e) {
            return null;
        }
    }
}

package dev.sessionfilter.crypto;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.aead.AeadConfig;
import com.google.crypto.tink.aead.AesGcmKey;
import com.google.crypto.tink.aead.AesGcmParameters;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import com.google.crypto.tink.util.SecretBytes;

import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** Reads, creates and rotates the AEAD keysets that seal session data. */
public final class Keysets {
    private static final Pattern RAW_KEY = Pattern.compile("[0-9a-fA-F]{64}");

    static {
        try {
            AeadConfig.register();
        } catch (GeneralSecurityException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private Keysets() {
    }

    /**
     * Parses a Tink JSON keyset (AES-GCM keys) or 64 hex digits (one raw AES-256 key).
     *
     * @throws GeneralSecurityException with a terse reason; callers add the source and never the contents
     */
    public static KeysetHandle parse(String text) throws GeneralSecurityException {
        String t = text.trim();
        KeysetHandle handle;
        if (RAW_KEY.matcher(t).matches()) {
            AesGcmParameters params = AesGcmParameters.builder().setKeySizeBytes(32).setIvSizeBytes(12)
                    .setTagSizeBytes(16).setVariant(AesGcmParameters.Variant.NO_PREFIX).build();
            AesGcmKey key = AesGcmKey.builder().setParameters(params)
                    .setKeyBytes(SecretBytes.copyFrom(HexFormat.of().parseHex(t), InsecureSecretKeyAccess.get()))
                    .build();
            handle = KeysetHandle.newBuilder().addEntry(KeysetHandle.importKey(key).withFixedId(1).makePrimary())
                    .build();
        } else if (t.startsWith("{")) {
            handle = TinkJsonProtoKeysetFormat.parseKeyset(t, InsecureSecretKeyAccess.get());
        } else {
            throw new GeneralSecurityException("neither a JSON keyset nor 64 hex digits");
        }
        for (int i = 0; i < handle.size(); i++) {
            if (!(handle.getAt(i).getKey() instanceof AesGcmKey)) {
                throw new GeneralSecurityException("key " + handle.getAt(i).getId() + " is not an AES-GCM key");
            }
        }
        AesGcmKey primary = (AesGcmKey) handle.getPrimary().getKey();
        if (primary.getParameters().getKeySizeBytes() != 32) {
            throw new GeneralSecurityException("the primary key is not AES-256");
        }
        return handle;
    }

    /**
     * One secret per key of the keyset, the primary's first: {@code SHA-256(label || key bytes)}, for keyed
     * hashes that must stay stable while a key is in the keyset (the registry's principal index names).
     */
    public static java.util.List<byte[]> derivedSecrets(KeysetHandle handle, String label) {
        java.util.List<byte[]> out = new java.util.ArrayList<>();
        for (int i = -1; i < handle.size(); i++) {
            KeysetHandle.Entry e = i < 0 ? handle.getPrimary() : handle.getAt(i);
            if (i >= 0 && e.isPrimary()) {
                continue;
            }
            byte[] k = ((AesGcmKey) e.getKey()).getKeyBytes().toByteArray(InsecureSecretKeyAccess.get());
            try {
                java.security.MessageDigest d = java.security.MessageDigest.getInstance("SHA-256");
                d.update(label.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                out.add(d.digest(k));
            } catch (GeneralSecurityException x) {
                throw new IllegalStateException(x);
            }
        }
        return out;
    }

    public static Aead aead(KeysetHandle handle) throws GeneralSecurityException {
        return handle.getPrimitive(RegistryConfiguration.get(), Aead.class);
    }

    /** A new keyset holding one AES-256-GCM key. */
    public static KeysetHandle generate() throws GeneralSecurityException {
        return KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM);
    }

    /** The same keyset with a new AES-256-GCM key added as primary; old keys stay for decryption. */
    public static KeysetHandle rotate(KeysetHandle old) throws GeneralSecurityException {
        KeysetHandle.Builder b = KeysetHandle.newBuilder(old);
        b.addEntry(KeysetHandle.generateEntryFromParameters(PredefinedAeadParameters.AES256_GCM).withRandomId()
                .makePrimary());
        return b.build();
    }

    /**
     * The same keyset with a new AES-256-GCM key added but not primary: step 1 of a roll-out. Once every
     * instance runs with it (so every instance can decrypt what the new key will seal), promote it.
     */
    public static KeysetHandle addKey(KeysetHandle old) throws GeneralSecurityException {
        KeysetHandle.Builder b = KeysetHandle.newBuilder(old);
        b.addEntry(KeysetHandle.generateEntryFromParameters(PredefinedAeadParameters.AES256_GCM).withRandomId());
        return b.build();
    }

    /** The same keyset with key {@code keyId} made primary: step 2 of a roll-out. */
    public static KeysetHandle promote(KeysetHandle old, int keyId) throws GeneralSecurityException {
        KeysetHandle.Builder b = KeysetHandle.newBuilder(old); // keeps the order of old's entries
        for (int i = 0; i < old.size(); i++) {
            if (old.getAt(i).getId() == keyId) {
                b.getAt(i).makePrimary();
                return b.build();
            }
        }
        throw new GeneralSecurityException("no key with id " + keyId + " in the keyset");
    }

    /** The ids of a keyset's keys, the primary marked, for operators (no key material). */
    public static String describe(KeysetHandle h) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < h.size(); i++) {
            KeysetHandle.Entry e = h.getAt(i);
            sb.append(Integer.toUnsignedString(e.getId())).append(e.isPrimary() ? " (primary)" : "").append(i + 1 < h.size() ? ", " : "");
        }
        return sb.toString();
    }

    public static String toJson(KeysetHandle handle) throws GeneralSecurityException {
        return TinkJsonProtoKeysetFormat.serializeKeyset(handle, InsecureSecretKeyAccess.get());
    }
}

package dev.sessionfilter.store;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * Names of the registry's principal index keys: {@code <ns>:p:{P}} with
 * {@code P = base64url(HMAC-SHA256(S, principal))[0..22]}, a sorted set of the principal's session hashes
 * scored by their absolute deadline. {@code S} is derived from each AES key of the keyset: names are written
 * with the primary key's, looked up under every key's, so a key rotation (add, promote, retire the old key
 * after the absolute timeout) never hides a session from its principal. Without the keyset a Redis reader
 * cannot test a guessed user name.
 */
public final class PrincipalIndex {
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private final List<byte[]> secrets;
    /** The primary's MAC, per thread: computed on every commit of a request with a remote user. */
    private final ThreadLocal<Mac> primary;

    /** @param secrets one per keyset key, the primary's first */
    public PrincipalIndex(List<byte[]> secrets) {
        if (secrets.isEmpty()) {
            throw new IllegalArgumentException("no secrets");
        }
        this.secrets = List.copyOf(secrets);
        this.primary = ThreadLocal.withInitial(() -> mac(this.secrets.get(0)));
    }

    /** The index key of a principal name. */
    public static byte[] key(String namespace, String name) {
        return (namespace + ":p:{" + name + "}").getBytes(StandardCharsets.UTF_8);
    }

    /** The name the primary key gives a principal: the one written. */
    public String name(String principal) {
        return encode(primary.get().doFinal(principal.getBytes(StandardCharsets.UTF_8)));
    }

    /** Every name the keyset's keys give a principal, the written one first: the ones looked up. */
    public List<String> names(String principal) {
        List<String> out = new ArrayList<>(secrets.size());
        for (byte[] s : secrets) {
            String n = name(s, principal);
            if (!out.contains(n)) {
                out.add(n);
            }
        }
        return out;
    }

    private static String name(byte[] secret, String principal) {
        return encode(mac(secret).doFinal(principal.getBytes(StandardCharsets.UTF_8)));
    }

    private static String encode(byte[] hmac) {
        return B64.encodeToString(Arrays.copyOf(hmac, 16));
    }

    private static Mac mac(byte[] secret) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}

package dev.sessionfilter.ratelimit;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;

/**
 * The one-way name of a client key (an IP, a session id, a user name) in Redis keys. Keyed (HMAC-SHA256) by
 * a secret every instance derives from the application's keyset, so a Redis reader cannot enumerate the
 * few billion IPv4 addresses to find who is limited; without a keyset, a plain SHA-256 (the filter warns).
 */
public final class ClientHash {
    private static final byte[] LABEL = "sessionfilter rate-limit client keys\n".getBytes(StandardCharsets.US_ASCII);
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private final byte[] secret;
    private final ThreadLocal<Mac> macs;

    private ClientHash(byte[] secret) {
        this.secret = secret;
        this.macs = secret == null ? null : ThreadLocal.withInitial(this::newMac);
    }

    /** Keyed by a secret derived from the keyset text (rotating the keyset starts the counters afresh). */
    public static ClientHash keyedBy(String keysetText) {
        if (keysetText == null) {
            return new ClientHash(null);
        }
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(LABEL);
            return new ClientHash(d.digest(keysetText.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Keyed by a secret the caller derived (e.g. the registry's principal index names). */
    public static ClientHash keyedWith(byte[] secret) {
        return new ClientHash(secret.clone());
    }

    public boolean keyed() {
        return secret != null;
    }

    private Mac newMac() {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(secret, "HmacSHA256"));
            return m;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** 128 bits of the keyed hash, base64url. */
    public String of(String client) {
        byte[] in = client.getBytes(StandardCharsets.UTF_8);
        byte[] h;
        if (macs == null) {
            try {
                h = MessageDigest.getInstance("SHA-256").digest(in);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        } else {
            h = macs.get().doFinal(in);
        }
        return B64.encodeToString(Arrays.copyOf(h, 16));
    }
}

package dev.sessionfilter.store;

import dev.sessionfilter.ratelimit.ClientHash;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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
    private final List<ClientHash> hashes;

    /** @param secrets one per keyset key, the primary's first */
    public PrincipalIndex(List<byte[]> secrets) {
        if (secrets.isEmpty()) {
            throw new IllegalArgumentException("no secrets");
        }
        this.hashes = secrets.stream().map(ClientHash::keyedWith).toList();
    }

    /** The index key of a principal name. */
    public static byte[] key(String namespace, String name) {
        return (namespace + ":p:{" + name + "}").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The index's companion set of members admitted before their session's first save: {@code <ns>:p:{P}:n},
     * in the index's slot.
     */
    public static byte[] pendingKey(String namespace, String name) {
        return (namespace + ":p:{" + name + "}:n").getBytes(StandardCharsets.UTF_8);
    }

    /** Scores at or above this (2^52 ms, year 144,683) are sessions without an absolute deadline. */
    public static final double FOREVER = 4503599627370496d;

    /**
     * A session's score: its absolute deadline, or {@link #FOREVER} plus its creation time when it has
     * none, so scores always order sessions by creation (the oldest first) and stay exact doubles.
     */
    public static double score(long created, long absoluteMillis) {
        return absoluteMillis > 0 ? created + absoluteMillis : FOREVER + created;
    }

    static String score(double score) {
        return Long.toString((long) score);
    }

    /** The name the primary key gives a principal: the one written. */
    public String name(String principal) {
        return hashes.get(0).of(principal);
    }

    /** Every name the keyset's keys give a principal, the written one first: the ones looked up. */
    public List<String> names(String principal) {
        List<String> out = new ArrayList<>(hashes.size());
        for (ClientHash h : hashes) {
            String n = h.of(principal);
            if (!out.contains(n)) {
                out.add(n);
            }
        }
        return out;
    }
}

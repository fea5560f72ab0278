package dev.sessionfilter.store;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;

/**
 * Every Redis key and field name of one session. The schema, as Redis commands:
 * <pre>
 * HSET  &lt;ns&gt;:s:{&lt;T&gt;}:&lt;H&gt; m &lt;sealed meta&gt; l &lt;sealed last-access&gt; a:&lt;F(name)&gt; &lt;sealed name+value&gt; ...
 * PEXPIRE &lt;ns&gt;:s:{&lt;T&gt;}:&lt;H&gt; &lt;time to the deadline + retention&gt;
 * ZADD  &lt;ns&gt;:e:{&lt;T&gt;} &lt;deadline ms&gt; &lt;H&gt;      (the shard's deadline index, swept for expiry events)
 * SET   &lt;ns&gt;:s:{&lt;T&gt;}:&lt;H&gt;:x 1 PX 120000     (tombstone after invalidate or id change)
 * </pre>
 * where {@code H = base64url(SHA-256(id))} (ids carry 256 random bits, so the hash cannot be reversed and a
 * Redis reader never learns a working cookie), {@code T} is the hash tag of the session's shard (one of
 * {@link Shards#COUNT}, chosen by H) and {@code F(name) = base64url(HMAC-SHA256(K, name))[0..22]} with
 * {@code K = SHA-256("sessionfilter attribute names" || id)}: attribute names are unreadable without the
 * session id, and rotating the encryption keyset changes none of these names. The shard's tag puts a session
 * and its index entries in one Cluster slot, so every script stays in one slot.
 */
public final class SessionKey {
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final byte[] NAME_KEY_LABEL = "sessionfilter attribute names".getBytes(StandardCharsets.US_ASCII);

    /** Field of the sealed metadata (format, creation time, idle timeout, id). */
    public static final String META = "m";
    /** Field of the sealed last-access time. */
    public static final String LAST_ACCESS = "l";
    /** Field of the principal's keyed hash (the registry's index name), when the session has a principal. */
    public static final String PRINCIPAL = "p";
    /** Field of the sealed principal name. */
    public static final String PRINCIPAL_NAME = "u";
    /** A random token each commit stores, for near caches to check that their copy is current. */
    public static final String VERSION = "v";
    /** Prefix of attribute fields. */
    public static final String ATTRIBUTE_PREFIX = "a:";

    private final String namespace;
    private final String id;
    private final String hash;
    private final int shard;
    private final byte[] key;
    private final String text;
    private final byte[] tombstone;
    private final byte[] adPrefix;
    private Mac nameMac;
    /** Field names computed so far: a key may be reused across requests (the session layer's cache). */
    private final java.util.concurrent.ConcurrentHashMap<String, String> fields = new java.util.concurrent.ConcurrentHashMap<>(8);
    /** Mac.getInstance looks up providers on each call: clone a per-thread prototype instead. */
    private static final ThreadLocal<Mac> PROTOTYPE = ThreadLocal.withInitial(() -> {
        try {
            return Mac.getInstance("HmacSHA256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    });

    public SessionKey(String namespace, String id) {
        this(namespace, id, B64.encodeToString(sha256(id.getBytes(StandardCharsets.US_ASCII))));
    }

    private SessionKey(String namespace, String id, String hash) {
        this.namespace = namespace;
        this.id = id;
        this.hash = hash;
        this.shard = Shards.of(hash);
        String k = Shards.prefix(namespace, "s", shard) + ":" + hash;
        this.key = k.getBytes(StandardCharsets.UTF_8);
        this.text = k;
        this.tombstone = (k + ":x").getBytes(StandardCharsets.UTF_8);
        this.adPrefix = (namespace + "\n" + hash + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The key of a session known only by its hash (an index entry): enough to load and open its values,
     * not to name attribute fields. {@link #withId} gives the full key once the sealed metadata told the id.
     */
    public static SessionKey ofHash(String namespace, String hash) {
        return new SessionKey(namespace, null, hash);
    }

    /** The full key, checked: null when {@code id} is not the id this hash was made from. */
    public SessionKey withId(String id) {
        SessionKey k = new SessionKey(namespace, id);
        return k.hash.equals(hash) ? k : null;
    }

    /** The session's shard, 0 to {@link Shards#COUNT} - 1. */
    public int shard() {
        return shard;
    }

    /** The deadline index of this session's shard. */
    public byte[] deadlines() {
        return Shards.deadlines(namespace, shard);
    }

    /** The expiry claims of this session's shard. */
    public byte[] claims() {
        return Shards.claims(namespace, shard);
    }

    public String id() {
        return id;
    }

    /** The one-way hash of the id: safe to log and to show to operators. */
    public String hash() {
        return hash;
    }

    public String namespace() {
        return namespace;
    }

    public byte[] key() {
        return key;
    }

    public byte[] tombstone() {
        return tombstone;
    }

    /** The field holding an attribute: keyed by the session id, so names never show in Redis. */
    public String attributeField(String name) {
        if (id == null) {
            throw new IllegalStateException("attribute fields need the session id");
        }
        String f = fields.get(name);
        if (f == null) {
            f = computeField(name);
            if (fields.size() < 256) {
                fields.put(name, f);
            }
        }
        return f;
    }

    private String computeField(String name) {
        byte[] h;
        synchronized (this) {
            if (nameMac == null) {
                try {
                    Mac mac = (Mac) PROTOTYPE.get().clone();
                    mac.init(new SecretKeySpec(sha256(concat(NAME_KEY_LABEL, id.getBytes(StandardCharsets.US_ASCII))),
                            "HmacSHA256"));
                    nameMac = mac;
                } catch (GeneralSecurityException | CloneNotSupportedException e) {
                    throw new IllegalStateException(e);
                }
            }
            h = nameMac.doFinal(name.getBytes(StandardCharsets.UTF_8));
        }
        return ATTRIBUTE_PREFIX + B64.encodeToString(Arrays.copyOf(h, 16));
    }

    /** Associated data for the value in {@code field}: namespace, session hash and field. */
    public byte[] associatedData(String field) {
        byte[] f = field.getBytes(StandardCharsets.UTF_8);
        byte[] ad = Arrays.copyOf(adPrefix, adPrefix.length + f.length);
        System.arraycopy(f, 0, ad, adPrefix.length, f.length);
        return ad;
    }

    private static byte[] sha256(byte[] in) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(in);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Override
    public String toString() {
        return text; // the Redis key as text, made once: the local copies look keys up by it
    }
}

package dev.sessionfilter.store;

import redis.clients.jedis.util.JedisClusterCRC16;

import java.nio.charset.StandardCharsets;

/**
 * Sessions are spread over {@link #COUNT} shards, each a Cluster hash tag: a session's keys and its entries
 * in the shard's deadline index and claims share one slot, so the commit script can keep the index current
 * and a sweeper can claim expired sessions without a cross-slot command. The tags are chosen so that shard
 * {@code i} lands in the {@code i}-th 1/64 of the slot range: with the usual contiguous slot assignment,
 * every master of a cluster of up to 64 masters holds its share of the sessions.
 */
public final class Shards {
    /** Number of shards. Part of the key layout: changing it would move every session. */
    public static final int COUNT = 64;
    private static final String[] TAGS = tags();

    private Shards() {
    }

    private static final String BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    /**
     * The shard of a session: the top 6 bits of its id hash's first byte, which are exactly the hash's first
     * base64url character (64 shards), so nothing is decoded.
     */
    static int of(String hash) {
        return BASE64URL.indexOf(hash.charAt(0));
    }

    /** The hash tag of a shard, without braces. */
    public static String tag(int shard) {
        return TAGS[shard];
    }

    /** {@code <ns>:<kind>:{<tag>}}: the common start of a shard's keys. */
    static String prefix(String namespace, String kind, int shard) {
        return namespace + ":" + kind + ":{" + TAGS[shard] + "}";
    }

    /** The deadline index of one shard: a sorted set of session hashes by deadline (epoch ms). */
    public static byte[] deadlines(String namespace, int shard) {
        return prefix(namespace, "e", shard).getBytes(StandardCharsets.UTF_8);
    }

    /** The claims of one shard: session hashes whose expiry an instance is notifying, by lease end. */
    public static byte[] claims(String namespace, int shard) {
        return prefix(namespace, "c", shard).getBytes(StandardCharsets.UTF_8);
    }

    /** For each shard the first short string (0-9, a-z, in length then alphabetical order) in its slot range. */
    private static String[] tags() {
        String[] tags = new String[COUNT];
        int found = 0;
        String alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
        for (int len = 1; found < COUNT; len++) {
            int[] digits = new int[len];
            while (true) {
                StringBuilder sb = new StringBuilder(len);
                for (int d : digits) {
                    sb.append(alphabet.charAt(d));
                }
                String t = sb.toString();
                int shard = JedisClusterCRC16.getSlot(t) * COUNT / 16384;
                if (tags[shard] == null) {
                    tags[shard] = t;
                    found++;
                }
                int i = len - 1;
                while (i >= 0 && ++digits[i] == alphabet.length()) {
                    digits[i--] = 0;
                }
                if (i < 0) {
                    break;
                }
            }
        }
        return tags;
    }
}

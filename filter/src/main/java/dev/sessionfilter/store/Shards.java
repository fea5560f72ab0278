package dev.sessionfilter.store;

import redis.clients.jedis.util.JedisClusterCRC16;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

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

    /** The shard of a session, from the first byte of its id's hash. */
    static int of(String hash) {
        byte[] first = Base64.getUrlDecoder().decode(hash.substring(0, 4));
        return (first[0] & 0xff) * COUNT / 256;
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

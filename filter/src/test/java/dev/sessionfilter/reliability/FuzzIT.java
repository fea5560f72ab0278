package dev.sessionfilter.reliability;

import dev.sessionfilter.store.SessionKey;
import dev.sessionfilter.testing.Browser;
import dev.sessionfilter.testing.RedisProcess;
import dev.sessionfilter.testing.RedisServers;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Item 7: generated cookies and corrupted Redis values, seeded (the seed is printed; {@code -Dsf.fuzz.seed=N}
 * replays a run). Nothing may answer 5xx, nothing may show a session's data to a request that did not present
 * that session's id, and the log stays bounded.
 */
@Tag("reliability")
class FuzzIT {
    static final long SEED = Long.getLong("sf.fuzz.seed", System.nanoTime());
    static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    /** A valid session of ours (or of another namespace): its id and the secret only it may see. */
    record Owned(String id, String secret) {
    }

    @Test
    void tenThousandGeneratedCookies_no5xx_noForeignData_boundedLog() throws Exception {
        int count = Scale.pick(10_000, 10_000);
        Report report = new Report("fuzz-cookies");
        SplittableRandom rnd = new SplittableRandom(SEED);
        try (LogCount logs = new LogCount(); RedisProcess redis = RedisServers.standalone();
             Rig ours = new Rig(1, redis.url(), "fuzz", a -> a);
             Rig other = new Rig(1, redis.url(), "fuzzother", a -> a)) {
            List<Owned> mine = sessions(ours, 40, rnd);
            List<Owned> foreign = sessions(other, 10, rnd);
            List<Owned> all = new ArrayList<>(mine);
            all.addAll(foreign);
            int port = ours.apps.get(0).port();
            Map<String, Integer> statuses = new TreeMap<>();
            Map<String, Integer> perKind = new TreeMap<>();
            Map<String, Integer> refused = new TreeMap<>();
            int leaks = 0;
            int adopted = 0;
            int servedOwn = 0;
            List<String> examples = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int i = 0; i < count; i++) {
                int kind = rnd.nextInt(9);
                byte[] cookie = cookie(kind, rnd, mine, foreign);
                boolean write = rnd.nextInt(5) == 0;
                RawHttp.Response r = RawHttp.get(port, write ? "/app/ops/set?n=x&v=fuzz" : "/app/ops/get?n=secret", cookie);
                statuses.merge(r.status() / 100 + "xx", 1, Integer::sum);
                perKind.merge(KINDS[kind], 1, Integer::sum);
                if (r.status() != 200) {
                    refused.merge(KINDS[kind] + " " + r.status(), 1, Integer::sum);
                }
                String presented = new String(cookie, StandardCharsets.ISO_8859_1);
                for (Owned o : all) {
                    if (r.text().contains(o.secret())) {
                        if (presented.contains(o.id()) && mine.contains(o)) {
                            servedOwn++;
                        } else {
                            leaks++;
                            examples.add(KINDS[kind] + ": " + abbreviate(presented) + " saw the secret of " + o.id());
                        }
                    }
                }
                String set = setCookie(r.text());
                if (set != null && !set.isEmpty() && presented.contains("SESSION=" + set)) {
                    adopted++;
                    examples.add(KINDS[kind] + ": the presented id " + set + " was adopted");
                }
                if (r.status() >= 500 || r.status() == 0) {
                    examples.add(KINDS[kind] + ": " + r.status() + " for " + abbreviate(presented));
                }
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            report.line("seed " + SEED + ": " + count + " requests (" + ms + " ms), 20% writes, cookies by kind " + perKind);
            report.line("statuses " + statuses + "; foreign data served " + leaks + "; unknown ids adopted " + adopted
                    + "; own data served to a header that held the valid id " + servedOwn);
            report.line("answers other than 200, by kind: " + refused);
            report.line("sessionfilter log lines at INFO and above: " + logs);
            report.write();
            assertEquals(0, statuses.getOrDefault("5xx", 0) + statuses.getOrDefault("0xx", 0), "seed " + SEED + ": " + examples);
            assertEquals(0, leaks, "seed " + SEED + ": " + examples);
            assertEquals(0, adopted, "seed " + SEED + ": " + examples);
            assertTrue(logs.lines() <= 20, "bounded log: " + logs);
        }
    }

    @Test
    void aThousandCorruptedRedisValues_no5xx_noForeignData_boundedLog() throws Exception {
        int count = Scale.pick(1_000, 1_000);
        Report report = new Report("fuzz-redis-values");
        SplittableRandom rnd = new SplittableRandom(SEED + 1);
        try (LogCount logs = new LogCount(); RedisProcess redis = RedisServers.standalone();
             Rig rig = new Rig(1, redis.url(), "corrupt", a -> a);
             Jedis j = redis.jedis()) {
            List<Owned> donors = sessions(rig, 20, rnd);
            Map<String, Integer> outcomes = new TreeMap<>();
            Map<String, Integer> statuses = new TreeMap<>();
            int leaks = 0;
            List<String> examples = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                Owned victim = sessions(rig, 1, rnd).get(0);
                SessionKey key = new SessionKey("corrupt", victim.id());
                Owned donor = donors.get(rnd.nextInt(donors.size()));
                String kind = corrupt(j, key, new SessionKey("corrupt", donor.id()), rnd);
                Browser b = Browser.withSession(victim.id());
                Browser.Response read = b.get(rig.apps.get(0).url("/ops/get?n=secret"));
                Browser.Response write = b.get(rig.apps.get(0).url("/ops/set?n=after&v=corruption"));
                Browser.Response again = b.get(rig.apps.get(0).url("/ops/get?n=after"));
                for (Browser.Response r : List.of(read, write, again)) {
                    statuses.merge(r.status() / 100 + "xx", 1, Integer::sum);
                    if (r.status() >= 500) {
                        examples.add(kind + ": " + r.status() + " " + abbreviate(r.body()));
                    }
                }
                for (Owned d : donors) {
                    if (read.body().contains(d.secret())) {
                        leaks++;
                        examples.add(kind + ": served the secret of another session");
                    }
                }
                String outcome = read.body().equals(victim.secret()) ? "own value"
                        : read.body().equals("no-session") ? "session absent" : read.body().equals("null") ? "attribute absent" : "other: " + abbreviate(read.body());
                outcomes.merge(kind + " -> " + outcome, 1, Integer::sum);
                if (!"corruption".equals(again.body())) {
                    examples.add(kind + ": the session did not work again after a write: " + again.body());
                }
            }
            report.line("seed " + (SEED + 1) + ": " + count + " sessions corrupted in Redis, each then read, written and read again");
            report.line("statuses " + statuses + "; foreign data served " + leaks);
            outcomes.forEach((k, v) -> report.line("  " + k + ": " + v));
            report.line("sessionfilter log lines at INFO and above: " + logs);
            report.write();
            assertEquals(0, statuses.getOrDefault("5xx", 0), "seed " + (SEED + 1) + ": " + examples);
            assertEquals(0, leaks, examples.toString());
            assertTrue(examples.isEmpty(), examples.toString());
            assertTrue(outcomes.keySet().stream().noneMatch(k -> k.contains("other:")), outcomes.toString());
            assertTrue(logs.lines() <= 20, "bounded log: " + logs);
        }
    }

    static final String[] KINDS = {"random", "truncated", "mutated", "other-namespace", "huge", "non-ascii",
            "many-cookies", "decorated", "degenerate"};

    static byte[] cookie(int kind, SplittableRandom rnd, List<Owned> mine, List<Owned> foreign) {
        String valid = mine.get(rnd.nextInt(mine.size())).id();
        return switch (kind) {
            case 0 -> ("SESSION=" + printable(rnd, rnd.nextInt(200))).getBytes(StandardCharsets.US_ASCII);
            case 1 -> ("SESSION=" + valid.substring(0, rnd.nextInt(valid.length()))).getBytes(StandardCharsets.US_ASCII);
            case 2 -> ("SESSION=" + mutate(valid, rnd)).getBytes(StandardCharsets.US_ASCII);
            case 3 -> ("SESSION=" + foreign.get(rnd.nextInt(foreign.size())).id()).getBytes(StandardCharsets.US_ASCII);
            case 4 -> ("SESSION=" + printable(rnd, 4_000 + rnd.nextInt(6_000))).getBytes(StandardCharsets.US_ASCII);
            case 5 -> {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                b.writeBytes("SESSION=".getBytes(StandardCharsets.US_ASCII));
                int n = rnd.nextInt(80);
                for (int i = 0; i < n; i++) {
                    b.write(rnd.nextBoolean() ? 0x80 + rnd.nextInt(0x80) : ALPHABET.charAt(rnd.nextInt(64)));
                }
                if (rnd.nextBoolean()) {
                    b.writeBytes("é日本".getBytes(StandardCharsets.UTF_8));
                }
                yield b.toByteArray();
            }
            case 6 -> {
                StringBuilder sb = new StringBuilder();
                int n = 2 + rnd.nextInt(200);
                for (int i = 0; i < n; i++) {
                    sb.append(i == 0 ? "" : "; ").append(rnd.nextInt(3) == 0 ? "X" + i : "SESSION").append('=')
                            .append(rnd.nextInt(4) == 0 ? mutate(valid, rnd) : printable(rnd, rnd.nextInt(30)));
                }
                yield sb.toString().getBytes(StandardCharsets.US_ASCII);
            }
            case 7 -> {
                String[] forms = {"\"" + valid + "\"", valid + " ", " " + valid + "x", valid + "=", valid + ";" + valid,
                        valid.toLowerCase(), valid + "%00", "%" + valid};
                yield ("SESSION=" + forms[rnd.nextInt(forms.length)]).getBytes(StandardCharsets.US_ASCII);
            }
            default -> {
                String[] forms = {"SESSION=", "SESSION", "=", ";;;", "SESSION==", "session=" + valid, "SESSION=\t",
                        "SESSION=" + valid.substring(1), "__Host-SESSION=" + valid + "x"};
                yield forms[rnd.nextInt(forms.length)].getBytes(StandardCharsets.US_ASCII);
            }
        };
    }

    /** Printable ASCII without the separators a Cookie header cannot carry inside a value. */
    static String printable(SplittableRandom rnd, int n) {
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            char c = (char) (0x21 + rnd.nextInt(0x5e));
            sb.append(c == ';' || c == ',' ? 'x' : c);
        }
        return sb.toString();
    }

    static String mutate(String id, SplittableRandom rnd) {
        char[] c = id.toCharArray();
        int changes = 1 + rnd.nextInt(3);
        for (int i = 0; i < changes; i++) {
            int at = rnd.nextInt(c.length);
            char nu;
            do {
                nu = ALPHABET.charAt(rnd.nextInt(64));
            } while (nu == c[at]);
            c[at] = nu;
        }
        return new String(c);
    }

    /** Damages one session in Redis in one of eleven ways; returns which. */
    static String corrupt(Jedis j, SessionKey key, SessionKey donor, SplittableRandom rnd) {
        byte[] k = key.key();
        byte[] secret = key.attributeField("secret").getBytes(StandardCharsets.US_ASCII);
        byte[] second = key.attributeField("second").getBytes(StandardCharsets.US_ASCII);
        byte[] value = j.hget(k, secret);
        switch (rnd.nextInt(11)) {
            case 0 -> {
                int at = rnd.nextInt(value.length);
                value[at] ^= (byte) (1 << rnd.nextInt(8));
                j.hset(k, secret, value);
                return "bit flip";
            }
            case 1 -> {
                byte[] cut = new byte[rnd.nextInt(value.length)];
                System.arraycopy(value, 0, cut, 0, cut.length);
                j.hset(k, secret, cut);
                return "truncated";
            }
            case 2 -> {
                byte[] other = j.hget(k, second);
                j.hset(k, secret, other);
                j.hset(k, second, value);
                return "fields swapped";
            }
            case 3 -> {
                byte[] theirs = j.hget(donor.key(),
                        donor.attributeField("secret").getBytes(StandardCharsets.US_ASCII));
                j.hset(k, secret, theirs);
                return "value of another session";
            }
            case 4 -> {
                Map<byte[], byte[]> whole = j.hgetAll(donor.key());
                j.del(k);
                j.hset(k, whole);
                return "whole hash of another session";
            }
            case 5 -> {
                j.del(k);
                if (rnd.nextBoolean()) {
                    j.set(k, "garbage".getBytes(StandardCharsets.US_ASCII));
                } else {
                    j.rpush(k, value);
                }
                return "wrong type";
            }
            case 6 -> {
                j.hset(k, SessionKey.META.getBytes(StandardCharsets.US_ASCII), randomBytes(rnd, rnd.nextInt(60)));
                return "metadata garbage";
            }
            case 7 -> {
                j.hset(k, SessionKey.LAST_ACCESS.getBytes(StandardCharsets.US_ASCII),
                        (rnd.nextBoolean() ? "-12" : "not-a-number").getBytes(StandardCharsets.US_ASCII));
                return "last access garbage";
            }
            case 8 -> {
                Map<byte[], byte[]> junk = new HashMap<>();
                for (int i = 0; i < 1 + rnd.nextInt(20); i++) {
                    junk.put(randomBytes(rnd, 1 + rnd.nextInt(40)), randomBytes(rnd, rnd.nextInt(200)));
                }
                j.hset(k, junk);
                return "junk fields added";
            }
            case 9 -> {
                if (rnd.nextBoolean()) {
                    j.hdel(k, SessionKey.VERSION.getBytes(StandardCharsets.US_ASCII));
                } else {
                    j.hset(k, SessionKey.VERSION.getBytes(StandardCharsets.US_ASCII), randomBytes(rnd, 3));
                }
                return "version removed or garbage";
            }
            default -> {
                j.hset(k, secret, randomBytes(rnd, 1 + rnd.nextInt(400)));
                return "random bytes as value";
            }
        }
    }

    static byte[] randomBytes(SplittableRandom rnd, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) rnd.nextInt(256);
        }
        return b;
    }

    /** {@code count} new sessions on the rig's first instance, each with its own secret (and a second value). */
    static List<Owned> sessions(Rig rig, int count, SplittableRandom rnd) {
        List<Owned> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Browser b = new Browser();
            String secret = "S" + Long.toHexString(rnd.nextLong()) + Long.toHexString(rnd.nextLong());
            b.get(rig.apps.get(0).url("/ops/set?n=secret&v=" + secret));
            b.get(rig.apps.get(0).url("/ops/set?n=second&v=two"));
            out.add(new Owned(b.cookies.get("SESSION"), secret));
        }
        return out;
    }

    static String setCookie(String response) {
        for (String line : response.split("\r\n")) {
            if (line.regionMatches(true, 0, "Set-Cookie: SESSION=", 0, 20)) {
                return line.substring(20).split(";", 2)[0];
            }
            if (line.isEmpty()) {
                break;
            }
        }
        return null;
    }

    static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "...(" + s.length() + ")" : s;
    }
}

package dev.sessionfilter.internal;

import dev.sessionfilter.crypto.Keysets;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;

/**
 * Internal use only. {@code java -jar sessionfilter.jar keyset new|add|promote ID|rotate|list}: prints a new
 * Tink JSON keyset, or the keyset read from standard input with a key added (not primary), a key made
 * primary, a new primary key added at once, or the key ids (docs/security.md has the roll-out).
 */
public final class KeyTool {
    private KeyTool() {
    }

    public static void main(String[] args) throws IOException {
        System.exit(run(args, System.in, System.out, System.err));
    }

    static int run(String[] args, java.io.InputStream in, PrintStream out, PrintStream err) throws IOException {
        if (args.length >= 2 && "keyset".equals(args[0])) {
            try {
                switch (args[1]) {
                    case "new" -> {
                        if (args.length == 2) {
                            out.println(Keysets.toJson(Keysets.generate()));
                            return 0;
                        }
                    }
                    case "add", "rotate", "list" -> {
                        if (args.length == 2) {
                            var old = Keysets.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                            switch (args[1]) {
                                case "add" -> out.println(Keysets.toJson(Keysets.addKey(old)));
                                case "rotate" -> out.println(Keysets.toJson(Keysets.rotate(old)));
                                default -> out.println(Keysets.describe(old));
                            }
                            return 0;
                        }
                    }
                    case "promote" -> {
                        if (args.length == 3) {
                            int id;
                            try {
                                id = Integer.parseUnsignedInt(args[2]);
                            } catch (NumberFormatException e) {
                                err.println("keyset promote: `" + args[2] + "` is not a key id; expected one of the ids "
                                        + "`keyset list` prints");
                                return 2;
                            }
                            var old = Keysets.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                            out.println(Keysets.toJson(Keysets.promote(old, id)));
                            return 0;
                        }
                    }
                    default -> {
                        // usage below
                    }
                }
            } catch (GeneralSecurityException e) {
                err.println("keyset: " + (e.getMessage() != null && e.getMessage().startsWith("no key with id")
                        ? e.getMessage() + " (see `keyset list`)"
                        : "the input is not a usable keyset (" + e.getMessage()
                        + "); expected the JSON printed by `keyset new`") + ". Keyset contents are never printed.");
                return 1;
            }
        }
        err.println("usage: java -jar sessionfilter.jar keyset new                 print a new keyset");
        err.println("       java -jar sessionfilter.jar keyset add < old           old keyset + a new key, not primary yet");
        err.println("       java -jar sessionfilter.jar keyset promote ID < old    the same keyset with key ID primary");
        err.println("       java -jar sessionfilter.jar keyset list < old          the key ids, the primary marked");
        err.println("       java -jar sessionfilter.jar keyset rotate < old        add and promote at once (one instance only)");
        return 2;
    }
}

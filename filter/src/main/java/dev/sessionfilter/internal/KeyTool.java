package dev.sessionfilter.internal;

import dev.sessionfilter.crypto.Keysets;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;

/**
 * Internal use only. {@code java -jar sessionfilter.jar keyset new|rotate}: prints a new Tink JSON keyset, or
 * the keyset read from standard input with a new primary AES-256-GCM key added (old keys keep decrypting).
 */
public final class KeyTool {
    private KeyTool() {
    }

    public static void main(String[] args) throws IOException {
        System.exit(run(args, System.in, System.out, System.err));
    }

    static int run(String[] args, java.io.InputStream in, PrintStream out, PrintStream err) throws IOException {
        if (args.length == 2 && "keyset".equals(args[0])) {
            try {
                if ("new".equals(args[1])) {
                    out.println(Keysets.toJson(Keysets.generate()));
                    return 0;
                }
                if ("rotate".equals(args[1])) {
                    String old = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                    out.println(Keysets.toJson(Keysets.rotate(Keysets.parse(old))));
                    return 0;
                }
            } catch (GeneralSecurityException e) {
                err.println("keyset: the input is not a usable keyset (" + e.getMessage()
                        + "); expected the JSON printed by `keyset new`. Keyset contents are never printed.");
                return 1;
            }
        }
        err.println("usage: java -jar sessionfilter.jar keyset new            print a new keyset");
        err.println("       java -jar sessionfilter.jar keyset rotate < old   print old keyset + new primary key");
        return 2;
    }
}

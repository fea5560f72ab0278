package dev.sessionfilter.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** A Lua script with its SHA-1, so it runs by EVALSHA (one round trip) after the first EVAL. */
public record LuaScript(String name, byte[] source, byte[] sha1) {

    public static LuaScript of(String name, String source) {
        byte[] bytes = source.getBytes(StandardCharsets.UTF_8);
        try {
            byte[] sha = MessageDigest.getInstance("SHA-1").digest(bytes);
            return new LuaScript(name, bytes, HexFormat.of().formatHex(sha).getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

package dev.sessionfilter.reliability;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * HTTP/1.1 over a plain socket, for requests no well-behaved client would send (raw bytes in a Cookie
 * header, non-ASCII, thousands of cookies): status and the whole response as text.
 */
final class RawHttp {
    record Response(int status, String text) {
    }

    private RawHttp() {
    }

    static Response get(int port, String path, byte[] cookieHeader) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            try {
                write(out, path, cookieHeader);
            } catch (IOException e) {
                // the container refused the request while it was being sent (a header over its limit): read its answer
            }
            InputStream in = s.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            try {
                in.transferTo(all);
            } catch (IOException e) {
                // reset after its answer, or without one (status 0 then)
            }
            String text = all.toString(StandardCharsets.ISO_8859_1);
            int status = text.startsWith("HTTP/1.1 ") && text.length() >= 12 ? Integer.parseInt(text.substring(9, 12)) : 0;
            return new Response(status, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(OutputStream out, String path, byte[] cookieHeader) throws IOException {
        out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n").getBytes(StandardCharsets.US_ASCII));
        if (cookieHeader != null) {
            out.write("Cookie: ".getBytes(StandardCharsets.US_ASCII));
            out.write(cookieHeader);
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }
}

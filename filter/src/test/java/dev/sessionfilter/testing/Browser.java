package dev.sessionfilter.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A minimal browser: keeps the cookies it is given (by name), sends them back, lets tests forge them. */
public final class Browser {
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER).build();
    public final Map<String, String> cookies = new LinkedHashMap<>();

    /** A browser presenting one session cookie (as a second tab, a thief, or a forger would). */
    public static Browser withSession(String cookieValue) {
        Browser b = new Browser();
        b.cookies.put("SESSION", cookieValue);
        return b;
    }

    public record Response(int status, String body, List<String> setCookies, HttpResponse<String> raw) {
        public String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }
    }

    public Response get(String url) {
        return get(url, Map.of());
    }

    /** GET with extra request headers (e.g. X-Forwarded-For). */
    public Response get(String url, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET();
        headers.forEach(b::header);
        return send(b);
    }

    /** POSTs a urlencoded form, as the pages' forms do. */
    public Response post(String url, String form) {
        return post(url, form, Map.of());
    }

    public Response post(String url, String form, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form));
        headers.forEach(b::header);
        return send(b);
    }

    /**
     * What {@code probe} saw while a response was still being produced.
     *
     * @param seen       the probe's answer
     * @param probedAtMs when the probe had answered, after the request started (status and headers had
     *                   arrived: the container had started sending)
     * @param doneMs     when the whole response had arrived
     */
    public record DuringResponse(String seen, long probedAtMs, long doneMs) {
        /** The probe ran while the server was still in a servlet that sleeps {@code ms} after responding. */
        public boolean probedEarly(long ms) {
            return probedAtMs < ms - 300;
        }
    }

    /**
     * Sends a GET with the session cookie, waits only for its status and headers, runs {@code probe}, then
     * reads the rest of the body.
     */
    public static DuringResponse duringResponse(String url, String sessionCookie, java.util.function.Supplier<String> probe) {
        try {
            long t0 = System.nanoTime();
            HttpResponse<java.io.InputStream> r = CLIENT.send(HttpRequest.newBuilder(URI.create(url))
                    .timeout(Duration.ofSeconds(30)).header("Cookie", "SESSION=" + sessionCookie).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            String seen = probe.get();
            long probed = (System.nanoTime() - t0) / 1_000_000;
            try (java.io.InputStream in = r.body()) {
                in.readAllBytes();
            }
            return new DuringResponse(seen, probed, (System.nanoTime() - t0) / 1_000_000);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private Response send(HttpRequest.Builder b) {
        if (!cookies.isEmpty()) {
            StringBuilder sb = new StringBuilder();
            cookies.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : "; ").append(k).append('=').append(v));
            b.header("Cookie", sb.toString());
        }
        try {
            HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
            List<String> set = r.headers().allValues("Set-Cookie");
            for (String c : set) {
                String nv = c.split(";", 2)[0];
                int eq = nv.indexOf('=');
                String name = nv.substring(0, eq).trim();
                String value = nv.substring(eq + 1).trim();
                if (value.isEmpty() || c.contains("Max-Age=0")) {
                    cookies.remove(name);
                } else {
                    cookies.put(name, value);
                }
            }
            return new Response(r.statusCode(), r.body(), set, r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

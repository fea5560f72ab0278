package dev.sessionfilter.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * An application instance in a JVM of its own, whose expiry listener never returns: started, it serves the
 * test app, and once it has claimed an expiry it prints HELD. The test then SIGKILLs it mid-notification.
 */
public final class NotifierProcess implements AutoCloseable {
    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    public final String url;

    public NotifierProcess(String redisUrl, String keyset, String... params) {
        List<String> cmd = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), redisUrl, keyset));
        cmd.addAll(List.of(params));
        try {
            process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                    lines.add(l);
                }
            } catch (IOException e) {
                // the process died
            }
        });
        reader.setDaemon(true);
        reader.start();
        String first = await("URL=", 60_000);
        url = first.substring(4);
    }

    /** Waits for a line starting with {@code prefix}. */
    public String await(String prefix, long millis) {
        long end = System.currentTimeMillis() + millis;
        try {
            while (System.currentTimeMillis() < end) {
                String l = lines.poll(100, TimeUnit.MILLISECONDS);
                if (l != null && l.startsWith(prefix)) {
                    return l;
                }
                if (!process.isAlive() && lines.isEmpty()) {
                    throw new AssertionError("the notifier process exited: " + process.exitValue());
                }
            }
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("no " + prefix + " from the notifier process within " + millis + " ms");
    }

    /** SIGKILL: no shutdown hook, no listener return, no finally block runs. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        kill();
    }

    /** The child: instance "A" of the test app, its expiry listener held forever. */
    public static final class Main {
        public static void main(String[] args) throws Exception {
            ExpiryRecorder.holdOn = "A";
            EmbeddedTomcat app = TestApps.app(args[0], args[1]).param("test.instance", "A")
                    .param("sessionfilter.listeners", ExpiryRecorder.class.getName());
            for (int i = 2; i + 1 < args.length; i += 2) {
                app.param(args[i], args[i + 1]);
            }
            app.start();
            System.out.println("URL=" + app.url(""));
            System.out.flush();
            ExpiryRecorder.held.await();
            System.out.println("HELD");
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE);
        }
    }
}

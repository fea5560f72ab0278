package dev.sessionfilter.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loopback TCP proxy to one Redis that a test can cut and restore: one application instance loses Redis
 * while another, connected directly, keeps it (a network partition of one node). It can also delay Redis'
 * answers, reset every open connection (RST, mid-command if one is under way) and turn half-open: connections
 * stay up and are accepted, but nothing gets through either way and nobody is told.
 */
public final class TcpProxy implements AutoCloseable {
    private final int port;
    private final int targetPort;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile ServerSocket server;
    private volatile long delayMillis;
    private volatile boolean blackhole;

    public TcpProxy(int targetPort) {
        this.port = RedisServers.freePort();
        this.targetPort = targetPort;
        restore();
    }

    public int port() {
        return port;
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    /** Drops every connection and refuses new ones. */
    public synchronized void cut() {
        try {
            if (server != null) {
                server.close();
                server = null;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        open.forEach(s -> {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        });
        open.clear();
    }

    /** Every answer from Redis arrives this much later (0: none). */
    public void delay(long millis) {
        delayMillis = millis;
    }

    /** Half-open: bytes are swallowed in both directions; no connection is closed, new ones are accepted. */
    public void blackhole(boolean on) {
        blackhole = on;
    }

    /** Resets (RST) every open connection; new ones are accepted as before. */
    public void resetAll() {
        open.forEach(sock -> {
            try {
                sock.setSoLinger(true, 0);
                sock.close();
            } catch (IOException ignored) {
                // already gone
            }
        });
        open.clear();
    }

    /** Connections open through the proxy now (each client connection counts once). */
    public int connections() {
        return open.size() / 2;
    }

    /** Accepts connections again, on the same port. */
    public synchronized void restore() {
        try {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            server = s;
            Thread t = new Thread(() -> accept(s), "tcp-proxy-" + port);
            t.setDaemon(true);
            t.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void accept(ServerSocket s) {
        while (!s.isClosed()) {
            try {
                Socket client = s.accept();
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                open.add(client);
                open.add(upstream);
                pipe(client, upstream, false);
                pipe(upstream, client, true);
            } catch (IOException e) {
                return; // closed by cut()
            }
        }
    }

    private void pipe(Socket from, Socket to, boolean answers) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[8192];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    if (blackhole) {
                        continue;
                    }
                    long d = delayMillis;
                    if (answers && d > 0) {
                        Thread.sleep(d);
                    }
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // connection cut
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                open.remove(from);
                open.remove(to);
                try {
                    to.close();
                } catch (IOException ignored) {
                    // done
                }
            }
        }, "tcp-proxy-pipe");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() {
        cut();
    }
}

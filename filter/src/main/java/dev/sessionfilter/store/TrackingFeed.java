package dev.sessionfilter.store;

import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisSocketFactory;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Redis' server-assisted invalidation feeding a {@link NearCache}, in its RESP2 form: per node one dedicated
 * connection that turns on {@code CLIENT TRACKING ... REDIRECT <its own id> BCAST PREFIX <session keys>} and
 * then subscribes to {@code __redis__:invalidate}. Broadcast mode costs Redis no memory per key read and
 * announces every change of a session key by any client: commits, deletes, expiry, eviction, and a flush
 * (a message with no keys).
 *
 * <p>The cache serves a copy without a round trip only while {@link #quiet()}: every node's connection is
 * subscribed, and nothing it received (in the socket or being handled) is left unapplied. Redis writes an
 * invalidation before the reply of the command that caused it, so a request that starts after another
 * instance's commit was answered finds the message applied or still unread, and then checks the version.
 * A connection that fails, closes, or stays silent past {@link #READ_TIMEOUT_MILLIS} although pinged every
 * {@link #HEARTBEAT_MILLIS} resets the cache's trust until it is subscribed again. Redis that cannot track
 * (older than 6.0, or an ACL user without the commands) leaves the cache on version checks, logged once.
 */
final class TrackingFeed implements NearCache.Feed, AutoCloseable {
    private static final Logger LOG = System.getLogger(TrackingFeed.class.getName());
    static final long HEARTBEAT_MILLIS = 500;
    static final int READ_TIMEOUT_MILLIS = 2000;
    private static final long RETRY_MILLIS = 250;
    private static final String CHANNEL = "__redis__:invalidate";

    private final String name;
    private final Supplier<Set<HostAndPort>> nodes;
    private final JedisClientConfig config;
    private final String prefix;
    private final NearCache cache;
    private final ScheduledExecutorService timer;
    /** Confirms own commits (round trips on the pool): never on the readers' threads. */
    private final ScheduledExecutorService confirmer;
    /** How long a confirmation waits for more commits to confirm with the same script. */
    static final long CONFIRM_DELAY_MICROS = 1000;
    private final Map<HostAndPort, Subscriber> subscribers = new HashMap<>();
    /** Subscribed connections when every wanted node has one; null otherwise. Read on every cached load. */
    private volatile Subscriber[] live;
    private volatile boolean closed;

    /**
     * @param nodes  the nodes whose writes must be heard: standalone one, Cluster every node the client
     *               knows (replicas too, so a promoted replica is already heard)
     * @param config connection settings (credentials, TLS) with {@link #READ_TIMEOUT_MILLIS} as socket timeout
     * @param prefix the session keys' prefix
     */
    TrackingFeed(String name, Supplier<Set<HostAndPort>> nodes, JedisClientConfig config, String prefix,
                 NearCache cache) {
        this.name = name;
        this.nodes = nodes;
        this.config = config;
        this.prefix = prefix;
        this.cache = cache;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "sessionfilter-tracking " + name));
        this.confirmer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "sessionfilter-confirm " + name));
    }

    void start() {
        cache.feed(this);
        synchronized (this) {
            follow(nodes.get());
        }
        timer.scheduleWithFixedDelay(this::tick, HEARTBEAT_MILLIS, HEARTBEAT_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public boolean quiet() {
        Subscriber[] l = live;
        if (l == null) {
            return false;
        }
        for (Subscriber s : l) {
            if (!s.drained()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean covers() {
        Set<HostAndPort> want = nodes.get();
        synchronized (this) {
            if (subscribers.keySet().containsAll(want)) {
                return true;
            }
        }
        try {
            timer.execute(this::tick); // subscribe the new nodes now rather than at the next tick
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed meanwhile
        }
        return false;
    }

    @Override
    public void execute(Runnable confirmation) {
        try {
            confirmer.schedule(confirmation, CONFIRM_DELAY_MICROS, TimeUnit.MICROSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed: nothing to confirm any more
        }
    }

    /** Heartbeats, and (Cluster) subscribing nodes the client learned of, dropping those it forgot. */
    private void tick() {
        if (closed) {
            return;
        }
        Set<HostAndPort> want;
        try {
            want = nodes.get();
        } catch (RuntimeException e) {
            want = null; // topology unknown right now: keep what we have
        }
        synchronized (this) {
            if (want != null && !want.equals(subscribers.keySet())) {
                follow(want);
            }
            for (Subscriber s : subscribers.values()) {
                s.ping();
            }
        }
    }

    private void follow(Set<HostAndPort> want) {
        subscribers.entrySet().removeIf(e -> {
            if (!want.contains(e.getKey())) {
                e.getValue().stop();
                return true;
            }
            return false;
        });
        for (HostAndPort n : want) {
            if (!subscribers.containsKey(n)) {
                Subscriber s = new Subscriber(n);
                subscribers.put(n, s);
                s.thread.start();
            }
        }
        recompute();
    }

    /** Called with the lock held whenever a subscriber's state or the node set changes. */
    private void recompute() {
        Subscriber[] l = subscribers.values().stream().filter(s -> s.subscribed).toArray(Subscriber[]::new);
        boolean all = !subscribers.isEmpty() && l.length == subscribers.size();
        cache.reset(); // anything stamped before this moment is checked once more
        live = all ? l : null;
    }

    private synchronized void changed() {
        recompute();
    }

    /** The server cannot track for us: the cache stays on version checks. */
    private void unsupported(HostAndPort node, JedisDataException e) {
        LOG.log(Level.WARNING, name + " - near cache: Redis at " + node + " refused CLIENT TRACKING or SUBSCRIBE ("
                + e.getMessage() + "); cached sessions are checked with one round trip each. Redis 6.0+ and, with an "
                + "ACL user, the commands listed in docs/operations.md lift this.");
        close();
    }

    @Override
    public void close() {
        closed = true;
        cache.feed(null);
        timer.shutdownNow();
        confirmer.shutdownNow();
        synchronized (this) {
            subscribers.values().forEach(Subscriber::stop);
            subscribers.clear();
            live = null;
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** A Jedis connection whose PING a second thread may send while the first blocks reading. */
    private static final class FeedConnection extends Connection {
        FeedConnection(DefaultJedisSocketFactory sockets, JedisClientConfig config) {
            super(sockets, config);
        }

        void heartbeat() {
            sendCommand(Protocol.Command.PING);
            flush();
        }
    }

    private final class Subscriber implements Runnable {
        private final HostAndPort node;
        private final Thread thread;
        private volatile FeedConnection connection;
        private volatile Socket socket;
        private volatile boolean subscribed;
        /** A message was read and is being applied. */
        private volatile boolean handling;
        private volatile boolean stopped;

        Subscriber(HostAndPort node) {
            this.node = node;
            this.thread = daemon(this, "sessionfilter-tracking " + name + " " + node);
        }

        boolean drained() {
            if (handling) {
                return false;
            }
            Socket s = socket;
            try {
                return s != null && s.getInputStream().available() == 0;
            } catch (IOException e) {
                return false;
            }
        }

        void ping() {
            FeedConnection c = connection;
            if (c != null && subscribed) {
                try {
                    c.heartbeat();
                } catch (JedisException e) {
                    c.close(); // the reader sees it and reconnects
                }
            }
        }

        void stop() {
            stopped = true;
            FeedConnection c = connection;
            if (c != null) {
                c.close();
            }
            thread.interrupt();
        }

        @Override
        public void run() {
            boolean wasUp = false;
            while (!stopped && !closed) {
                try {
                    FeedConnection c = new FeedConnection(new DefaultJedisSocketFactory(node, config) {
                        @Override
                        public Socket createSocket() {
                            Socket s = super.createSocket();
                            socket = s;
                            return s;
                        }
                    }, config);
                    connection = c;
                    if (stopped) {
                        c.close();
                        return;
                    }
                    subscribe(c);
                    subscribed = true;
                    changed();
                    if (wasUp) {
                        LOG.log(Level.INFO, name + " - near cache: invalidation feed from " + node + " restored");
                    }
                    wasUp = true;
                    while (!stopped) {
                        Object m = c.getUnflushedObject();
                        handling = true;
                        try {
                            handle(m);
                        } finally {
                            handling = false;
                        }
                    }
                } catch (JedisDataException e) {
                    if (!stopped && !closed && !subscribed && !JedisRedisApi.notServing(String.valueOf(e.getMessage()))) {
                        unsupported(node, e);
                        return;
                    }
                } catch (JedisException | IllegalStateException e) {
                    if (!stopped && !closed && wasUp && subscribed) {
                        LOG.log(Level.WARNING, name + " - near cache: invalidation feed from " + node + " lost ("
                                + e.getMessage() + "); cached sessions are checked with one round trip until it is back");
                    }
                } finally {
                    boolean was = subscribed;
                    subscribed = false;
                    FeedConnection c = connection;
                    connection = null;
                    socket = null;
                    if (c != null) {
                        c.close();
                    }
                    if (was) {
                        changed();
                    }
                }
                try {
                    Thread.sleep(RETRY_MILLIS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        private void subscribe(FeedConnection c) {
            Object id = c.executeCommand(new CommandArguments(Protocol.Command.CLIENT).add("ID"));
            c.executeCommand(new CommandArguments(Protocol.Command.CLIENT).add("TRACKING").add("ON")
                    .add("REDIRECT").add(String.valueOf(id)).add("BCAST").add("PREFIX").add(prefix));
            c.sendCommand(Protocol.Command.SUBSCRIBE, CHANNEL);
            Object confirm = c.getOne();
            if (!(confirm instanceof List<?> l) || l.isEmpty() || !"subscribe".equals(text(l.get(0)))) {
                throw new IllegalStateException("unexpected reply to SUBSCRIBE: " + confirm);
            }
        }

        private void handle(Object m) {
            if (!(m instanceof List<?> l) || l.size() < 3 || !"message".equals(text(l.get(0)))) {
                return; // a pong, or the subscribe confirmation
            }
            if (!(l.get(2) instanceof List<?> keys)) {
                cache.reset(); // the keyspace was flushed
                return;
            }
            for (Object k : keys) {
                if (k instanceof byte[] b) {
                    String key = new String(b, StandardCharsets.ISO_8859_1);
                    String hash = key.substring(key.lastIndexOf(':') + 1);
                    if (!hash.equals("x")) { // a tombstone's own key: the session's is announced too
                        cache.invalidated(hash);
                    }
                }
            }
        }
    }

    private static String text(Object o) {
        return o instanceof byte[] b ? new String(b, StandardCharsets.ISO_8859_1) : String.valueOf(o);
    }
}

package dev.sessionfilter.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How to reach Redis: one immutable value shared by every component of an application (one pool per app).
 *
 * @param mode       standalone, sentinel or cluster
 * @param host       standalone host (from the URL)
 * @param port       standalone port
 * @param database   database index (standalone and sentinel; Cluster only has 0)
 * @param tls        {@code rediss://} given: every connection uses TLS
 * @param user       ACL user, or null for the default user
 * @param password   password, or null
 * @param nodes      Sentinel or Cluster seed nodes
 * @param master     Sentinel master name
 * @param timeout    connect and socket timeout, also the pool's maximum wait
 * @param maxTotal   pool size
 * @param verifyHostname with TLS, check that the server's certificate names the host connected to
 * @param sentinelUser     ACL user for the sentinels (they have their own), or null
 * @param sentinelPassword password for the sentinels, or null
 */
public record RedisConfig(Mode mode, String host, int port, int database, boolean tls, String user, String password,
                          List<HostPort> nodes, String master, Duration timeout, int maxTotal, boolean verifyHostname,
                          String sentinelUser, String sentinelPassword) {

    /** A plain standalone configuration (tests, benchmarks). */
    public static RedisConfig standalone(String host, int port, Duration timeout, int maxTotal) {
        return new RedisConfig(Mode.STANDALONE, host, port, 0, false, null, null, List.of(), null, timeout, maxTotal,
                true, null, null);
    }

    public enum Mode { STANDALONE, SENTINEL, CLUSTER }

    public record HostPort(String host, int port) {
        @Override
        public String toString() {
            return host + ":" + port;
        }
    }

    public static RedisConfig read(ConfigReader r) {
        String url = r.string(Setting.REDIS_URL);
        String host = "localhost";
        int port = 6379;
        int db = 0;
        boolean tls = false;
        String user = null;
        String password = null;
        try {
            URI uri = new URI(url);
            String scheme = uri.getScheme();
            if (!"redis".equals(scheme) && !"rediss".equals(scheme) || uri.getHost() == null) {
                throw new URISyntaxException(url, "scheme");
            }
            tls = "rediss".equals(scheme);
            host = uri.getHost();
            port = uri.getPort() == -1 ? 6379 : uri.getPort();
            String path = uri.getPath();
            if (path != null && path.length() > 1) {
                db = Integer.parseInt(path.substring(1));
                if (db < 0) {
                    throw new NumberFormatException();
                }
            }
            String info = uri.getRawUserInfo();
            if (info != null) {
                int colon = info.indexOf(':');
                String u = colon < 0 ? "" : decode(info.substring(0, colon));
                password = decode(colon < 0 ? info : info.substring(colon + 1));
                user = u.isEmpty() ? null : u;
            }
        } catch (URISyntaxException | NumberFormatException e) {
            r.problem("`" + Setting.REDIS_URL.key() + "` (" + r.source(Setting.REDIS_URL) + ") was "
                    + maskUrl(url) + "; expected redis://[user:password@]host[:port][/database] "
                    + "(rediss:// for TLS)");
        }
        String explicitUser = r.string(Setting.REDIS_USER);
        if (explicitUser != null && !explicitUser.isBlank()) {
            user = explicitUser;
        }
        String explicitPassword = r.secret(Setting.REDIS_PASSWORD, Setting.REDIS_PASSWORD_FILE);
        if (explicitPassword != null) {
            password = explicitPassword;
        }

        String master = r.string(Setting.REDIS_SENTINEL_MASTER);
        List<HostPort> sentinels = nodes(r, Setting.REDIS_SENTINEL_NODES);
        List<HostPort> cluster = nodes(r, Setting.REDIS_CLUSTER_NODES);
        Mode mode = Mode.STANDALONE;
        List<HostPort> nodes = List.of();
        if (!cluster.isEmpty() && (!sentinels.isEmpty() || master != null)) {
            r.problem("`" + Setting.REDIS_CLUSTER_NODES.key() + "` and the Sentinel settings are both set; "
                    + "expected either Cluster or Sentinel mode");
        } else if (!cluster.isEmpty()) {
            mode = Mode.CLUSTER;
            nodes = cluster;
        } else if (master != null || !sentinels.isEmpty()) {
            if (master == null || master.isBlank()) {
                r.problem("`" + Setting.REDIS_SENTINEL_NODES.key() + "` is set but `"
                        + Setting.REDIS_SENTINEL_MASTER.key() + "` is not; expected the master name too");
            } else if (sentinels.isEmpty()) {
                r.problem("`" + Setting.REDIS_SENTINEL_MASTER.key() + "` is set but `"
                        + Setting.REDIS_SENTINEL_NODES.key() + "` is not; expected host:port,host:port of the sentinels");
            }
            mode = Mode.SENTINEL;
            nodes = sentinels;
        }
        Duration timeout = r.duration(Setting.REDIS_TIMEOUT, null);
        if (timeout != null && (timeout.isZero() || timeout.toMillis() > Integer.MAX_VALUE)) {
            r.fail(Setting.REDIS_TIMEOUT, r.string(Setting.REDIS_TIMEOUT), "a positive duration such as 2s or 500ms");
        }
        int maxTotal = r.integer(Setting.REDIS_POOL_MAX_TOTAL, 1, 10_000);
        boolean verifyHostname = "true".equals(r.choice(Setting.REDIS_TLS_VERIFY_HOSTNAME, "true", "false"));
        String sentinelUser = r.string(Setting.REDIS_SENTINEL_USER);
        String sentinelPassword = r.secret(Setting.REDIS_SENTINEL_PASSWORD, Setting.REDIS_SENTINEL_PASSWORD_FILE);
        return new RedisConfig(mode, host, port, db, tls, user, password, nodes, master,
                timeout == null ? Duration.ofSeconds(2) : timeout, maxTotal, verifyHostname,
                sentinelUser == null || sentinelUser.isBlank() ? null : sentinelUser, sentinelPassword);
    }

    private static List<HostPort> nodes(ConfigReader r, Setting s) {
        List<HostPort> out = new ArrayList<>();
        for (String item : r.list(s)) {
            int colon = item.lastIndexOf(':');
            try {
                if (colon <= 0) {
                    throw new NumberFormatException();
                }
                int port = Integer.parseInt(item.substring(colon + 1));
                if (port < 1 || port > 65535) {
                    throw new NumberFormatException();
                }
                String host = item.substring(0, colon);
                if (host.startsWith("[") && host.endsWith("]")) {
                    host = host.substring(1, host.length() - 1);
                }
                out.add(new HostPort(host, port));
            } catch (NumberFormatException e) {
                r.fail(s, r.string(s), "a comma list of host:port (e.g. redis-1:26379,redis-2:26379)");
                return List.of();
            }
        }
        return List.copyOf(out);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    /** The URL with any password replaced, for messages and logs. */
    public static String maskUrl(String url) {
        if (url == null) {
            return "(unset)";
        }
        // Everything up to the last '@' after the scheme is user info: a password may hold '@', '/' or ':'.
        int start = url.indexOf("//");
        int at = url.lastIndexOf('@');
        if (start < 0 || at < start) {
            return "`" + url + "`";
        }
        String info = url.substring(start + 2, at);
        int colon = info.indexOf(':');
        String user = colon > 0 ? info.substring(0, colon + 1) : ""; // the user name is no secret
        return "`" + url.substring(0, start + 2) + user + "<masked>" + url.substring(at) + "`";
    }

    /** Describes the target without secrets, for the start-up log. */
    public String describe() {
        return switch (mode) {
            case STANDALONE -> (tls ? "rediss://" : "redis://") + host + ":" + port + "/" + database;
            case SENTINEL -> "sentinel master " + master + " via " + nodes;
            case CLUSTER -> "cluster via " + nodes;
        } + (user != null ? " as user " + user : "") + (password != null ? " with password" : "")
                + (tls && !verifyHostname ? " (TLS host name NOT verified)" : "");
    }

    @Override
    public String toString() {
        return describe();
    }
}

package dev.sessionfilter.ratelimit;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Who a request counts against. {@code ip}: the client address, found like Tomcat's RemoteIpValve (walk the
 * one configured forwarding header, {@code X-Forwarded-For} or {@code Forwarded: for=}, right to left while
 * the hop is a trusted proxy), trusting nobody unless configured; IPv6 clients are keyed by their /64. Only
 * that header is read: a client cannot add the other one to a request its proxy forwards unchanged. {@code session}, {@code principal}
 * and {@code header:NAME} fall back to the IP when the request has none.
 */
public final class ClientKeys {
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    /** How the client is identified. */
    public enum Strategy { IP, SESSION, PRINCIPAL, HEADER }

    /** Which forwarding header the trusted proxies set. */
    public enum Forwarding { X_FORWARDED_FOR, FORWARDED }

    private final Strategy strategy;
    private final String header;
    private final List<Cidr> trusted;
    private final Forwarding forwarding;

    public ClientKeys(Strategy strategy, String header, List<Cidr> trusted, Forwarding forwarding) {
        this.strategy = strategy;
        this.header = header;
        this.trusted = List.copyOf(trusted);
        this.forwarding = forwarding;
    }

    /** Parses {@code ip}, {@code session}, {@code principal} or {@code header:NAME}; null when malformed. */
    public static ClientKeys parse(String spec, List<Cidr> trusted) {
        return parse(spec, trusted, Forwarding.X_FORWARDED_FOR);
    }

    public static ClientKeys parse(String spec, List<Cidr> trusted, Forwarding forwarding) {
        String s = spec.trim();
        return switch (s) {
            case "ip" -> new ClientKeys(Strategy.IP, null, trusted, forwarding);
            case "session" -> new ClientKeys(Strategy.SESSION, null, trusted, forwarding);
            case "principal" -> new ClientKeys(Strategy.PRINCIPAL, null, trusted, forwarding);
            default -> s.startsWith("header:") && s.length() > 7 && s.substring(7).matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")
                    ? new ClientKeys(Strategy.HEADER, s.substring(7), trusted, forwarding) : null;
        };
    }

    /** The same proxies and forwarding header with another strategy ({@code ip}, ...); null when malformed. */
    public ClientKeys withStrategy(String spec) {
        return parse(spec, trusted, forwarding);
    }

    /** The key of the request's client, prefixed by its kind (so an IP never equals a user name). */
    public String keyOf(HttpServletRequest req) {
        switch (strategy) {
            case SESSION -> {
                HttpSession s = req.getSession(false);
                if (s != null) {
                    return "session:" + s.getId();
                }
            }
            case PRINCIPAL -> {
                String user = req.getRemoteUser();
                if (user != null) {
                    return "user:" + user;
                }
            }
            case HEADER -> {
                String v = req.getHeader(header);
                if (v != null && !v.isBlank()) {
                    return "header:" + v.trim();
                }
            }
            default -> {
                // IP below
            }
        }
        return "ip:" + clientIp(req);
    }

    /** The client address, with IPv6 reduced to its /64. */
    String clientIp(HttpServletRequest req) {
        return prefix64(clientAddress(req));
    }

    /** The client address through the trusted proxies, in full. */
    String clientAddress(HttpServletRequest req) {
        String remote = normalize(req.getRemoteAddr());
        if (remote == null) {
            return String.valueOf(req.getRemoteAddr());
        }
        String client = remote;
        if (isTrusted(remote)) {
            List<String> hops = forwardedHops(req);
            for (int i = hops.size() - 1; i >= 0; i--) {
                String hop = normalize(hops.get(i));
                if (hop == null) {
                    break; // garbage in the chain: stop at the last good hop
                }
                client = hop;
                if (!isTrusted(hop)) {
                    break;
                }
            }
        }
        return client;
    }

    private boolean isTrusted(String ip) {
        return Cidr.any(trusted, ip);
    }

    private List<String> forwardedHops(HttpServletRequest req) {
        List<String> hops = new ArrayList<>();
        if (forwarding == Forwarding.X_FORWARDED_FOR) {
            for (String v : Collections.list(req.getHeaders("X-Forwarded-For"))) {
                for (String h : v.split(",")) {
                    if (!h.isBlank()) {
                        hops.add(h.trim());
                    }
                }
            }
            return hops;
        }
        for (String v : Collections.list(req.getHeaders("Forwarded"))) {
            for (String element : v.split(",")) {
                for (String pair : element.split(";")) {
                    String p = pair.trim();
                    if (p.regionMatches(true, 0, "for=", 0, 4)) {
                        hops.add(p.substring(4).replace("\"", ""));
                    }
                }
            }
        }
        return hops;
    }

    /** An IP literal without port or brackets, or null when it is not one (never a DNS lookup). */
    static String normalize(String raw) {
        if (raw == null) {
            return null;
        }
        String s = raw.trim();
        if (s.startsWith("[")) {
            int end = s.indexOf(']');
            if (end < 0) {
                return null;
            }
            s = s.substring(1, end);
        } else if (s.indexOf(':') >= 0 && s.indexOf(':') == s.lastIndexOf(':') && s.contains(".")) {
            s = s.substring(0, s.indexOf(':')); // IPv4 with a port
        }
        InetAddress a = literal(s);
        return a == null ? null : a.getHostAddress();
    }

    static InetAddress literal(String s) {
        if (s == null || !(IPV4.matcher(s).matches() || IPV6.matcher(s).matches())) {
            return null;
        }
        try {
            return InetAddress.getByName(s); // a literal: no lookup happens
        } catch (UnknownHostException | SecurityException e) {
            return null;
        }
    }

    static String prefix64(String ip) {
        InetAddress a = literal(ip);
        if (a == null || a.getAddress().length != 16) {
            return ip;
        }
        byte[] b = a.getAddress();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i += 2) {
            sb.append(Integer.toHexString(((b[i] & 0xff) << 8) | (b[i + 1] & 0xff))).append(':');
        }
        return sb.append(":/64").toString();
    }

    /** An address range: {@code 10.0.0.0/8}, {@code 2001:db8::/32}, or one address. */
    public record Cidr(byte[] network, int bits) {
        /** Parses one CIDR or address; null when malformed. */
        public static Cidr parse(String text) {
            String s = text.trim();
            int slash = s.indexOf('/');
            InetAddress a = literal(slash < 0 ? s : s.substring(0, slash));
            if (a == null) {
                return null;
            }
            int max = a.getAddress().length * 8;
            int bits;
            try {
                bits = slash < 0 ? max : Integer.parseInt(s.substring(slash + 1));
            } catch (NumberFormatException e) {
                return null;
            }
            return bits < 0 || bits > max ? null : new Cidr(a.getAddress(), bits);
        }

        /** A comma list setting of ranges, each checked (the problem names the setting and an example). */
        static List<Cidr> list(dev.sessionfilter.config.ConfigReader r, dev.sessionfilter.config.Setting s, String example) {
            List<Cidr> out = new ArrayList<>();
            for (String c : r.list(s)) {
                Cidr cidr = parse(c);
                if (cidr == null) {
                    r.fail(s, r.string(s), "a comma list of IP addresses or CIDR ranges (e.g. " + example + ")");
                    break;
                }
                out.add(cidr);
            }
            return List.copyOf(out);
        }

        /** Whether an address literal lies in any of the ranges (false when it is no literal). */
        static boolean any(List<Cidr> ranges, String ip) {
            InetAddress a = ranges.isEmpty() ? null : literal(ip);
            if (a == null) {
                return false;
            }
            for (Cidr c : ranges) {
                if (c.contains(a)) {
                    return true;
                }
            }
            return false;
        }

        boolean contains(InetAddress a) {
            byte[] x = a.getAddress();
            if (x.length != network.length) {
                return false;
            }
            int full = bits / 8;
            for (int i = 0; i < full; i++) {
                if (x[i] != network[i]) {
                    return false;
                }
            }
            int rest = bits % 8;
            if (rest == 0) {
                return true;
            }
            int mask = 0xff << (8 - rest) & 0xff;
            return (x[full] & mask) == (network[full] & mask);
        }
    }
}

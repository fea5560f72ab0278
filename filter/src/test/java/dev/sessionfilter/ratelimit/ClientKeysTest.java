package dev.sessionfilter.ratelimit;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClientKeysTest {
    @Test
    void cidr_matchesIpv4AndIpv6Ranges() throws Exception {
        ClientKeys.Cidr ten = ClientKeys.Cidr.parse("10.0.0.0/8");
        assertTrue(ten.contains(InetAddress.getByName("10.200.3.4")));
        assertFalse(ten.contains(InetAddress.getByName("11.0.0.1")));
        ClientKeys.Cidr odd = ClientKeys.Cidr.parse("192.168.1.128/25");
        assertTrue(odd.contains(InetAddress.getByName("192.168.1.200")));
        assertFalse(odd.contains(InetAddress.getByName("192.168.1.100")));
        ClientKeys.Cidr v6 = ClientKeys.Cidr.parse("fd00::/8");
        assertTrue(v6.contains(InetAddress.getByName("fd12:3456::1")));
        assertFalse(v6.contains(InetAddress.getByName("10.0.0.1")));
        assertNull(ClientKeys.Cidr.parse("example.com"), "never a DNS name");
        assertNull(ClientKeys.Cidr.parse("10.0.0.0/33"));
    }

    @Test
    void normalize_stripsPortsAndBrackets_andRefusesNames() {
        assertEquals("203.0.113.7", ClientKeys.normalize("203.0.113.7:4711"));
        assertEquals("2001:db8:0:0:0:0:0:1", ClientKeys.normalize("[2001:db8::1]:443"));
        assertNull(ClientKeys.normalize("unknown"));
        assertNull(ClientKeys.normalize("evil.example"));
        assertNull(ClientKeys.normalize("_hidden"));
    }

    @Test
    void ipv6_isKeyedByItsSlash64() {
        assertEquals(ClientKeys.prefix64("2001:db8:1:2::a"), ClientKeys.prefix64("2001:db8:1:2:ffff::1"));
        assertFalse(ClientKeys.prefix64("2001:db8:1:2::a").equals(ClientKeys.prefix64("2001:db8:1:3::a")));
        assertEquals("198.51.100.2", ClientKeys.prefix64("198.51.100.2"));
    }

    @Test
    void parse_keySpecs() {
        assertEquals(ClientKeys.Strategy.HEADER, ClientKeys.parse("header:X-Api-Key", java.util.List.of()) != null
                ? ClientKeys.Strategy.HEADER : null);
        assertNull(ClientKeys.parse("header:", java.util.List.of()));
        assertNull(ClientKeys.parse("cookie", java.util.List.of()));
    }

    /** A request with just what key resolution reads. */
    static jakarta.servlet.http.HttpServletRequest request(String remoteAddr, String user, String sessionId,
                                                           java.util.Map<String, String> headers) {
        jakarta.servlet.http.HttpSession session = sessionId == null ? null
                : (jakarta.servlet.http.HttpSession) java.lang.reflect.Proxy.newProxyInstance(
                        ClientKeysTest.class.getClassLoader(), new Class<?>[] {jakarta.servlet.http.HttpSession.class},
                        (p, m, args) -> m.getName().equals("getId") ? sessionId : null);
        return (jakarta.servlet.http.HttpServletRequest) java.lang.reflect.Proxy.newProxyInstance(
                ClientKeysTest.class.getClassLoader(), new Class<?>[] {jakarta.servlet.http.HttpServletRequest.class},
                (p, m, args) -> switch (m.getName()) {
                    case "getRemoteAddr" -> remoteAddr;
                    case "getRemoteUser" -> user;
                    case "getSession" -> session;
                    case "getHeader" -> headers.get((String) args[0]);
                    case "getHeaders" -> java.util.Collections.enumeration(headers.containsKey((String) args[0])
                            ? java.util.List.of(headers.get((String) args[0])) : java.util.List.<String>of());
                    default -> null;
                });
    }

    @Test
    void keyOf_eachStrategy_andTheirIpFallback() {
        java.util.List<ClientKeys.Cidr> none = java.util.List.of();
        var withAll = request("192.0.2.1", "ann", "sid-1", java.util.Map.of("X-Api-Key", "k1"));
        var bare = request("192.0.2.1", null, null, java.util.Map.of());
        assertEquals("ip:192.0.2.1", ClientKeys.parse("ip", none).keyOf(withAll));
        assertEquals("session:sid-1", ClientKeys.parse("session", none).keyOf(withAll));
        assertEquals("user:ann", ClientKeys.parse("principal", none).keyOf(withAll));
        assertEquals("header:k1", ClientKeys.parse("header:X-Api-Key", none).keyOf(withAll));
        for (String spec : new String[] {"session", "principal", "header:X-Api-Key"}) {
            assertEquals("ip:192.0.2.1", ClientKeys.parse(spec, none).keyOf(bare), spec + " falls back to the IP");
        }
    }

    @Test
    void clientIp_walksForwardedForOnlyThroughTrustedProxies() {
        var viaProxy = request("10.0.0.5", null, null, java.util.Map.of("X-Forwarded-For", "198.51.100.9, 10.0.0.7"));
        ClientKeys trustingNobody = ClientKeys.parse("ip", java.util.List.of());
        ClientKeys trustingTen = ClientKeys.parse("ip", java.util.List.of(ClientKeys.Cidr.parse("10.0.0.0/8")));
        assertEquals("10.0.0.5", trustingNobody.clientIp(viaProxy));
        assertEquals("198.51.100.9", trustingTen.clientIp(viaProxy), "both 10.x hops are proxies");
        var garbage = request("10.0.0.5", null, null, java.util.Map.of("X-Forwarded-For", "not-an-ip"));
        assertEquals("10.0.0.5", trustingTen.clientIp(garbage), "garbage never becomes the client");
    }

    /** Issue 9 item 10: only the configured forwarding header is read; the other is ignored. */
    @Test
    void clientIp_readsOnlyTheConfiguredForwardingHeader() {
        var both = request("10.0.0.5", null, null, java.util.Map.of("X-Forwarded-For", "198.51.100.9",
                "Forwarded", "for=203.0.113.4;proto=https"));
        var trusted = java.util.List.of(ClientKeys.Cidr.parse("10.0.0.0/8"));
        assertEquals("198.51.100.9", ClientKeys.parse("ip", trusted).clientIp(both), "X-Forwarded-For by default");
        assertEquals("203.0.113.4", ClientKeys.parse("ip", trusted, ClientKeys.Forwarding.FORWARDED).clientIp(both));
        var onlyForwarded = request("10.0.0.5", null, null, java.util.Map.of("Forwarded", "for=203.0.113.4"));
        assertEquals("10.0.0.5", ClientKeys.parse("ip", trusted).clientIp(onlyForwarded),
                "a Forwarded header is not read when the proxies set X-Forwarded-For");
    }
}

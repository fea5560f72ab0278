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
}

package dev.sessionfilter.session;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AttributeCodecTest {
    enum Color { RED, GREEN }

    public static class Cart {
        public String owner;
        public List<String> items = new ArrayList<>();
        public BigDecimal total;
    }

    public static class NotAllowed {
        public String x = "y";
    }

    private final AttributeCodec codec = new AttributeCodec(List.of(Cart.class.getName()),
            AttributeCodecTest.class.getClassLoader());

    private Object roundTrip(Object v) {
        return codec.decode(codec.encode(v));
    }

    @Test
    void jdkValueTypes_roundTripWithTheirTypes() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("n", 1L);
        m.put("nested", List.of(1, "two", Set.of(3.0)));
        for (Object v : List.of("text", 42, 42L, 4.2d, 4.2f, (short) 7, (byte) 8, 'c', true, new BigDecimal("1.10"),
                new BigInteger("123456789012345678901234567890"), UUID.randomUUID(), Instant.now(),
                LocalDate.of(2026, 11, 22), ZonedDateTime.now(ZoneId.of("Europe/Paris")), Duration.ofMinutes(3),
                ZoneId.of("Europe/Paris"), Color.GREEN, new ArrayList<>(List.of("a", 1)),
                new LinkedHashSet<>(List.of("x", "y")), m)) {
            Object back = roundTrip(v);
            assertEquals(v, back, "round trip of " + v.getClass());
            assertEquals(v instanceof List ? ArrayList.class : v instanceof Set ? LinkedHashSet.class
                    : v instanceof Map ? LinkedHashMap.class : v.getClass(), back.getClass());
        }
        assertArrayEquals(new int[] {1, 2, 3}, (int[]) roundTrip(new int[] {1, 2, 3}));
        assertArrayEquals(new String[] {"a", null}, (String[]) roundTrip(new String[] {"a", null}));
        assertArrayEquals(new byte[] {0, -1, 127}, (byte[]) roundTrip(new byte[] {0, -1, 127}));
    }

    @Test
    void allowedClass_roundTripsThroughJsonb() {
        Cart c = new Cart();
        c.owner = "ann";
        c.items.add("apple");
        c.total = new BigDecimal("3.50");
        Cart back = (Cart) roundTrip(c);
        assertEquals("ann", back.owner);
        assertEquals(List.of("apple"), back.items);
        assertEquals(new BigDecimal("3.50"), back.total);
        assertEquals(Cart.class.getName(), codec.typeName(codec.encode(c)));
    }

    @Test
    void classNotAllowed_isRefusedNamingTheClassAndTheSetting() {
        AttributeCodec.NotAllowed e = assertThrows(AttributeCodec.NotAllowed.class, () -> codec.encode(new NotAllowed()));
        assertTrue(e.getMessage().contains(NotAllowed.class.getName()), e.getMessage());
        assertTrue(e.getMessage().contains("sessionfilter.serialization.allow"), e.getMessage());
        assertThrows(AttributeCodec.NotAllowed.class, () -> codec.encode(List.of(new NotAllowed())));
        assertThrows(AttributeCodec.NotAllowed.class, () -> codec.encode(new Thread()));
    }

    @Test
    void storedDocumentNamingAClassNotAllowed_isNotRestored() {
        byte[] forged = ("[\"o\",\"" + NotAllowed.class.getName() + "\",{\"x\":\"y\"}]").getBytes(StandardCharsets.UTF_8);
        assertThrows(IllegalArgumentException.class, () -> codec.decode(forged));
        byte[] gadget = "[\"o\",\"java.lang.ProcessBuilder\",{}]".getBytes(StandardCharsets.UTF_8);
        assertThrows(IllegalArgumentException.class, () -> codec.decode(gadget));
        assertThrows(IllegalArgumentException.class, () -> codec.decode("[\"zz\",1]".getBytes(StandardCharsets.UTF_8)));
        assertThrows(IllegalArgumentException.class, () -> codec.decode("{not json".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void immutable_detectsValuesThatNeedNoMutationCheck() {
        assertTrue(AttributeCodec.immutable("s"));
        assertTrue(AttributeCodec.immutable(5));
        assertTrue(AttributeCodec.immutable(Color.RED));
        assertTrue(!AttributeCodec.immutable(new ArrayList<>()));
        assertTrue(!AttributeCodec.immutable(new java.util.Date()));
    }
}

package dev.sessionfilter.session;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PlainValuesTest {

    @Test
    void copyOf_plainStructures_deepAndEqual_otherwiseNull() {
        Map<Object, Object> m = new LinkedHashMap<>();
        m.put("when", Instant.EPOCH);
        m.put("tags", new ArrayList<>(List.of("a", "b")));
        m.put("none", null);
        List<Object> v = new ArrayList<>(List.of(1, "x"));
        v.add(m);
        Object copy = PlainValues.copyOf(v);
        assertEquals(v, copy);
        assertNotSame(v, copy);
        assertNotSame(m, ((List<?>) copy).get(2), "nested containers are copied too");
        assertTrue(PlainValues.same(v, copy));
        assertNull(PlainValues.copyOf(new ArrayList<>(List.of(new Date()))), "Date is mutable: not plain");
        assertNull(PlainValues.copyOf(new LinkedList<>(List.of("a"))), "not a class the codec decodes to");
        assertNull(PlainValues.copyOf(new ArrayList<>(List.of(new StringBuilder("x")))), "an application object");
    }

    @Test
    void same_isInOrder_andMindsClasses_asTheJsonWould() {
        Map<String, Integer> ab = new LinkedHashMap<>();
        ab.put("a", 1);
        ab.put("b", 2);
        Map<String, Integer> ba = new LinkedHashMap<>();
        ba.put("b", 2);
        ba.put("a", 1);
        assertEquals(ab, ba, "equal as maps");
        assertFalse(PlainValues.same(ab, ba), "but stored in another order");
        assertFalse(PlainValues.same(new LinkedHashSet<>(List.of(1, 2)), new LinkedHashSet<>(List.of(2, 1))));
        assertFalse(PlainValues.same(new ArrayList<>(List.of(1)), new ArrayList<>(List.of(1L))), "Integer is not Long");
        assertTrue(PlainValues.same(new ArrayList<>(List.of(1, 2)), new ArrayList<>(List.of(1, 2))));
    }
}

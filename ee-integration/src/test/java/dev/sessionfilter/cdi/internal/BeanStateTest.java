package dev.sessionfilter.cdi.internal;

import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rules a session bean's state must follow, checked at deployment. */
class BeanStateTest {

    public static class Line {
        public String sku;
        public int quantity;
    }

    public record Address(String street, String city) {
    }

    enum Tier { FREE, PAID }

    interface Service {
    }

    static class Good {
        static int counter;
        private final List<Line> lines = new ArrayList<>();
        private Map<String, Integer> counts;
        private Set<Tier> tiers;
        private Address address;
        private int visits;
        private Instant since;
        private byte[] avatar;
        private transient Object cache;
        @Inject
        Service service;
    }

    static class Bad {
        private Object anything;
        private List raw;
        private LinkedList<String> linked;
        private Service service;
        private java.io.InputStream stream;
    }

    static class Sub extends Good {
        private int visits; // same name as the superclass's: both kept
    }

    @Test
    void goodState_keepsItsFields_skipsStaticTransientAndInjected_allowsTheDataClassesItDeclares() {
        List<String> problems = new ArrayList<>();
        BeanState st = BeanState.of(Good.class, problems);
        assertTrue(problems.isEmpty(), problems.toString());
        assertNotNull(st);
        assertEquals(RedisSessionContext.ATTRIBUTE_PREFIX + Good.class.getName(), st.attribute());
        assertEquals(Set.of(Line.class.getName(), Address.class.getName()), st.valueClasses());
        Good g = new Good();
        g.lines.add(new Line());
        g.visits = 3;
        g.cache = "x";
        Map<String, Object> state = st.read(g);
        assertEquals(List.of("lines", "counts", "tiers", "address", "visits", "since", "avatar"),
                List.copyOf(state.keySet()));
        Good restored = new Good();
        assertTrue(st.write(restored, state).isEmpty());
        assertEquals(3, restored.visits);
        assertEquals(g.lines, restored.lines, "a final field is set too");
        assertNull(restored.cache);
    }

    @Test
    void badState_failsWithOneMessagePerField_namingBeanFieldTypeAndWhy() {
        List<String> problems = new ArrayList<>();
        assertNull(BeanState.of(Bad.class, problems));
        assertEquals(5, problems.size(), problems.toString());
        String all = String.join("\n", problems);
        assertTrue(all.contains("field Bad.anything (java.lang.Object) cannot be stored in the Redis session"), all);
        assertTrue(all.contains("field Bad.raw (java.util.List) cannot be stored") && all.contains("a raw List"), all);
        assertTrue(all.contains("field Bad.linked (java.util.LinkedList<java.lang.String>)")
                && all.contains("restored as an ArrayList; declare the field as List, Set or Map"), all);
        assertTrue(all.contains("field Bad.service") && all.contains("an interface"), all);
        assertTrue(all.contains("field Bad.stream (java.io.InputStream)"), all);
        assertTrue(all.contains("@KeepInContainerSession"), "each names the way out: " + all);
    }

    @Test
    void restore_toleratesAddedRemovedAndRetypedFields() {
        BeanState st = BeanState.of(Good.class, new ArrayList<>());
        Map<String, Object> old = new LinkedHashMap<>();
        old.put("visits", "not a number"); // the field's type changed since it was stored
        old.put("gone", 1); // a field removed since
        Good g = new Good();
        g.visits = 7; // as the constructor left it
        assertEquals(List.of("visits"), st.write(g, old));
        assertEquals(7, g.visits);
    }

    @Test
    void aSubclassFieldShadowingASuperclassOne_bothAreStored() {
        BeanState st = BeanState.of(Sub.class, new ArrayList<>());
        Sub s = new Sub();
        s.visits = 1;
        ((Good) s).visits = 2;
        Map<String, Object> state = st.read(s);
        assertEquals(1, state.get("visits"));
        assertEquals(2, state.get(Good.class.getName() + "#visits"));
    }
}

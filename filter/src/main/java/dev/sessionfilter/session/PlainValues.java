package dev.sessionfilter.session;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Mutable values made only of the codec's own containers (ArrayList, LinkedHashSet, LinkedHashMap, as it
 * decodes them) around immutable leaves (strings, numbers, enums, java.time...): "plain". For those a
 * structural copy replaces JSON work: a request gets a copy of a pristine decoded value instead of a fresh
 * decode, and the commit compares, in order, with the pristine value instead of re-encoding to see
 * whether the request changed it in place. Anything else (the application's classes, arrays, Date) keeps
 * the JSON path.
 */
final class PlainValues {
    private static final int MAX_NODES = 10_000;

    private PlainValues() {
    }

    /** A deep copy if the value is plain (and not huge), else null. */
    static Object copyOf(Object v) {
        int[] budget = {MAX_NODES};
        return copy(v, budget);
    }

    private static Object copy(Object v, int[] budget) {
        if (--budget[0] < 0) {
            return null;
        }
        if (AttributeCodec.immutable(v)) {
            return v == null ? Null.INSTANCE : v;
        }
        Class<?> c = v.getClass();
        if (c == ArrayList.class) {
            return copyAll((List<?>) v, new ArrayList<>(((List<?>) v).size()), budget);
        }
        if (c == LinkedHashSet.class) {
            return copyAll((Set<?>) v, new LinkedHashSet<>(), budget);
        }
        if (c == LinkedHashMap.class) {
            Map<Object, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                Object k = copy(e.getKey(), budget);
                Object y = copy(e.getValue(), budget);
                if (k == null || y == null) {
                    return null;
                }
                out.put(k == Null.INSTANCE ? null : k, y == Null.INSTANCE ? null : y);
            }
            return out;
        }
        return null;
    }

    private static Object copyAll(Iterable<?> from, Collection<Object> to, int[] budget) {
        for (Object x : from) {
            Object y = copy(x, budget);
            if (y == null) {
                return null;
            }
            to.add(y == Null.INSTANCE ? null : y);
        }
        return to;
    }

    /** Whether two plain values are the same, in iteration order and classes (what their JSON would say). */
    static boolean same(Object a, Object b) {
        if (a == b) {
            return true;
        }
        if (a == null || b == null || a.getClass() != b.getClass()) {
            return false;
        }
        if (a instanceof Collection<?> x) { // List or Set: element by element, in order
            Collection<?> y = (Collection<?>) b;
            return sameInOrder(x.iterator(), y.iterator(), x.size(), y.size());
        }
        if (a instanceof Map<?, ?> x) {
            Map<?, ?> y = (Map<?, ?>) b;
            if (x.size() != y.size()) {
                return false;
            }
            Iterator<? extends Map.Entry<?, ?>> i = x.entrySet().iterator();
            Iterator<? extends Map.Entry<?, ?>> j = y.entrySet().iterator();
            while (i.hasNext()) {
                Map.Entry<?, ?> p = i.next();
                Map.Entry<?, ?> q = j.next();
                if (!same(p.getKey(), q.getKey()) || !same(p.getValue(), q.getValue())) {
                    return false;
                }
            }
            return true;
        }
        return a.equals(b);
    }

    private static boolean sameInOrder(Iterator<?> i, Iterator<?> j, int n, int m) {
        if (n != m) {
            return false;
        }
        while (i.hasNext()) {
            if (!same(i.next(), j.next())) {
                return false;
            }
        }
        return true;
    }

    /** A pristine decoded plain value, shared through the near cache: only ever copied and compared. */
    record Pristine(Object value) {
    }

    /** Stands for a null element while copying (null itself means "not plain"). */
    private enum Null { INSTANCE }
}

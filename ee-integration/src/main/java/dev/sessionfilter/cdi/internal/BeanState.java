package dev.sessionfilter.cdi.internal;

import jakarta.inject.Inject;

import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.MonthDay;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.Period;
import java.time.Year;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * What of a session-scoped bean is stored: its non-static, non-transient fields that are not injected,
 * declared in the bean class and its superclasses, as one map from field name to value. The values follow
 * the rules of session attribute values (JDK value types, enums, arrays, List/Set/Map of these, data
 * classes); the data classes a field declares are allowed as values, nothing else. Checked once, at
 * deployment, so a bean whose state would be lost fails the deployment instead. Final fields are set by
 * reflection on restore, as Java deserialization does.
 */
final class BeanState {
    /** Field types the session codec restores as themselves. */
    private static final Set<Class<?>> VALUES = Set.of(String.class, Boolean.class, Integer.class, Long.class,
            Double.class, Float.class, Short.class, Byte.class, Character.class, BigDecimal.class, BigInteger.class,
            UUID.class, Instant.class, LocalDate.class, LocalDateTime.class, LocalTime.class, OffsetDateTime.class,
            OffsetTime.class, ZonedDateTime.class, Duration.class, Period.class, Year.class, YearMonth.class,
            MonthDay.class, ZoneId.class, Date.class, byte[].class);
    /** Declared collection types, and what the codec restores them as (ArrayList, LinkedHashSet, LinkedHashMap). */
    private static final Set<Class<?>> LISTS = Set.of(List.class, Collection.class, Iterable.class, ArrayList.class);
    private static final Set<Class<?>> SETS = Set.of(Set.class, HashSet.class, LinkedHashSet.class);
    private static final Set<Class<?>> MAPS = Set.of(Map.class, HashMap.class, LinkedHashMap.class);

    private final String attribute;
    private final List<Field> fields;
    private final List<String> keys;
    private final Set<String> valueClasses;

    private BeanState(String attribute, List<Field> fields, List<String> keys, Set<String> valueClasses) {
        this.attribute = attribute;
        this.fields = fields;
        this.keys = keys;
        this.valueClasses = valueClasses;
    }

    /** The session attribute holding the state of beans of this class. */
    String attribute() {
        return attribute;
    }

    /** The data classes the fields declare: allowed as session values for this application. */
    Set<String> valueClasses() {
        return valueClasses;
    }

    /**
     * The state layout of a bean class; each reason its state cannot be stored is added to {@code problems}
     * (and null returned).
     */
    static BeanState of(Class<?> beanClass, List<String> problems) {
        List<Field> fields = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        Set<String> valueClasses = new LinkedHashSet<>();
        int before = problems.size();
        for (Class<?> c = beanClass; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                int m = f.getModifiers();
                if (Modifier.isStatic(m) || Modifier.isTransient(m) || f.isSynthetic() || f.isAnnotationPresent(Inject.class)) {
                    continue;
                }
                String why = storable(f.getGenericType(), valueClasses, new HashSet<>());
                if (why != null) {
                    problems.add("@SessionScoped bean " + beanClass.getName() + ": field " + c.getSimpleName() + "."
                            + f.getName() + " (" + f.getGenericType().getTypeName() + ") cannot be stored in the Redis "
                            + "session: " + why + ". Make the field transient or @Inject it, change its type (docs/cdi.md, "
                            + "\"Rules for a bean's state\"), or annotate the bean @KeepInContainerSession");
                    continue;
                }
                f.setAccessible(true);
                fields.add(f);
                keys.add(keys.contains(f.getName()) ? c.getName() + "#" + f.getName() : f.getName());
            }
        }
        if (problems.size() > before) {
            return null;
        }
        return new BeanState(RedisSessionContext.ATTRIBUTE_PREFIX + beanClass.getName(), List.copyOf(fields),
                List.copyOf(keys), Set.copyOf(valueClasses));
    }

    /** Null when values of the declared type round-trip through the session codec, else why not. */
    private static String storable(Type t, Set<String> valueClasses, Set<Class<?>> seen) {
        if (t instanceof Class<?> c) {
            if (c.isPrimitive() || VALUES.contains(c) || c.isEnum()) {
                return null;
            }
            if (c.isArray()) {
                return storable(c.getComponentType(), valueClasses, seen);
            }
            if (LISTS.contains(c) || SETS.contains(c) || MAPS.contains(c)) {
                return "a raw " + c.getSimpleName() + "; declare its element types (e.g. List<String>)";
            }
            return dataClass(c, valueClasses, seen);
        }
        if (t instanceof ParameterizedType p && p.getRawType() instanceof Class<?> raw) {
            if (LISTS.contains(raw) || SETS.contains(raw) || MAPS.contains(raw)) {
                for (Type a : p.getActualTypeArguments()) {
                    String why = storable(a, valueClasses, seen);
                    if (why != null) {
                        return why;
                    }
                }
                return null;
            }
            if (Collection.class.isAssignableFrom(raw) || Map.class.isAssignableFrom(raw)) {
                return raw.getName() + " is restored as " + (Map.class.isAssignableFrom(raw) ? "a LinkedHashMap"
                        : Set.class.isAssignableFrom(raw) ? "a LinkedHashSet" : "an ArrayList")
                        + "; declare the field as List, Set or Map";
            }
            return "generic class " + raw.getName() + " cannot be restored with its type arguments";
        }
        if (t instanceof GenericArrayType g) {
            return storable(g.getGenericComponentType(), valueClasses, seen);
        }
        return "type " + t.getTypeName() + " is not a concrete type";
    }

    /** A class of the application stored through JSON-B: concrete, constructible, each field storable. */
    private static String dataClass(Class<?> c, Set<String> valueClasses, Set<Class<?>> seen) {
        if (!seen.add(c)) {
            return null; // already being checked (a recursive structure): its fields are checked once
        }
        String name = c.getName();
        if (Collection.class.isAssignableFrom(c) || Map.class.isAssignableFrom(c)) {
            return c.getName() + " is not restored as itself; declare the field as List, Set or Map";
        }
        if (name.startsWith("java.") || name.startsWith("javax.") || name.startsWith("jakarta.")
                || c.isInterface() || Modifier.isAbstract(c.getModifiers())) {
            return c.getName() + " is not a value the session can hold (an interface, an abstract class or a "
                    + "platform type other than the JDK value types)";
        }
        if (!c.isRecord() && noArgConstructor(c) == null) {
            return "class " + c.getName() + " has no public or protected no-argument constructor (JSON-B needs one, "
                    + "or a constructor annotated @JsonbCreator)";
        }
        for (Class<?> k = c; k != null && k != Object.class; k = k.getSuperclass()) {
            for (Field f : k.getDeclaredFields()) {
                int m = f.getModifiers();
                if (Modifier.isStatic(m) || Modifier.isTransient(m) || f.isSynthetic()) {
                    continue;
                }
                String why = storable(f.getGenericType(), valueClasses, seen);
                if (why != null) {
                    return "in " + c.getSimpleName() + "." + f.getName() + ": " + why;
                }
            }
        }
        valueClasses.add(name);
        return null;
    }

    private static Constructor<?> noArgConstructor(Class<?> c) {
        for (Constructor<?> k : c.getDeclaredConstructors()) {
            if (k.getParameterCount() == 0 && (Modifier.isPublic(k.getModifiers()) || Modifier.isProtected(k.getModifiers()))) {
                return k;
            }
            if (k.isAnnotationPresent(jakarta.json.bind.annotation.JsonbCreator.class)) {
                return k;
            }
        }
        return null;
    }

    /** The state of an instance, field name to value (the values themselves, not copies). */
    Map<String, Object> read(Object instance) {
        Map<String, Object> state = new LinkedHashMap<>();
        for (int i = 0; i < fields.size(); i++) {
            try {
                state.put(keys.get(i), fields.get(i).get(instance));
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }
        return state;
    }

    /**
     * Sets the fields of a freshly made instance from a stored state. A field the state lacks (added since)
     * keeps its initial value; an entry no field matches (removed since) is ignored; a value of another type
     * (the field's type changed) leaves the field as initialized and is reported.
     *
     * @return the keys whose value did not fit its field
     */
    List<String> write(Object instance, Map<?, ?> state) {
        List<String> misfits = new ArrayList<>();
        for (int i = 0; i < fields.size(); i++) {
            String key = keys.get(i);
            if (!state.containsKey(key)) {
                continue;
            }
            Object v = state.get(key);
            Field f = fields.get(i);
            if (v == null && f.getType().isPrimitive()) {
                misfits.add(key);
                continue;
            }
            try {
                f.set(instance, v);
            } catch (IllegalArgumentException | IllegalAccessException e) {
                misfits.add(key);
            }
        }
        return misfits;
    }
}

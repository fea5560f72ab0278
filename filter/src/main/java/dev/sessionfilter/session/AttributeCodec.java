package dev.sessionfilter.session;

import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonReaderFactory;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.json.bind.JsonbConfig;
import jakarta.json.bind.annotation.JsonbTransient;
import jakarta.json.spi.JsonProvider;
import jakarta.json.stream.JsonGenerator;
import jakarta.json.stream.JsonGeneratorFactory;
import org.eclipse.yasson.YassonJsonb;

import java.io.StringWriter;
import java.io.StringReader;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
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
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Attribute values as JSON with type tags: no Java deserialization. Every value is a node: JSON {@code null},
 * a JSON string (a {@code String}), a JSON boolean, or {@code [tag, payload]}. Only JDK value types, enums,
 * arrays and List/Set/Map of these, and classes the application allows are restored; allowed classes go
 * through JSON-B (Yasson), which only builds the types their fields declare.
 */
final class AttributeCodec {
    private static final Map<Class<?>, String> TAGS = new HashMap<>();
    private static final Map<String, Function<String, Object>> PARSERS = new HashMap<>();

    private static <T> void scalar(String tag, Class<T> type, Function<String, Object> parser) {
        TAGS.put(type, tag);
        PARSERS.put(tag, parser);
    }

    static {
        scalar("i", Integer.class, Integer::valueOf);
        scalar("j", Long.class, Long::valueOf);
        scalar("d", Double.class, Double::valueOf);
        scalar("f", Float.class, Float::valueOf);
        scalar("h", Short.class, Short::valueOf);
        scalar("y", Byte.class, Byte::valueOf);
        scalar("c", Character.class, s -> s.charAt(0));
        scalar("bd", BigDecimal.class, BigDecimal::new);
        scalar("bi", BigInteger.class, BigInteger::new);
        scalar("uuid", UUID.class, UUID::fromString);
        scalar("instant", Instant.class, Instant::parse);
        scalar("date", LocalDate.class, LocalDate::parse);
        scalar("datetime", LocalDateTime.class, LocalDateTime::parse);
        scalar("time", LocalTime.class, LocalTime::parse);
        scalar("odatetime", OffsetDateTime.class, OffsetDateTime::parse);
        scalar("otime", OffsetTime.class, OffsetTime::parse);
        scalar("zdatetime", ZonedDateTime.class, ZonedDateTime::parse);
        scalar("duration", Duration.class, Duration::parse);
        scalar("period", Period.class, Period::parse);
        scalar("year", Year.class, Year::parse);
        scalar("yearmonth", YearMonth.class, YearMonth::parse);
        scalar("monthday", MonthDay.class, MonthDay::parse);
        scalar("zoneoffset", ZoneOffset.class, ZoneOffset::of);
        scalar("jdate", Date.class, s -> new Date(Long.parseLong(s)));
    }

    /**
     * Our private Yasson logs SEVERE "Generating incomplete JSON" when a value it writes throws (a cycle, a
     * getter that throws); we turn that into a refusal naming the attribute, so its own line is noise.
     * Held here: java.util.logging keeps loggers only weakly.
     */
    private static final java.util.logging.Logger YASSON_SERIALIZER_LOG = quiet(
            org.eclipse.yasson.internal.SerializationContextImpl.class.getName());

    private static java.util.logging.Logger quiet(String name) {
        java.util.logging.Logger l = java.util.logging.Logger.getLogger(name);
        l.setLevel(java.util.logging.Level.OFF);
        return l;
    }

    /** Types whose values cannot change after they are built: never re-encoded to detect mutation. */
    static boolean immutable(Object v) {
        return v == null || v instanceof String || v instanceof Boolean || v instanceof Enum<?>
                || (TAGS.containsKey(v.getClass()) && !(v instanceof Date));
    }

    private final JsonProvider json;
    private final JsonGeneratorFactory generators;
    private final JsonReaderFactory readers;
    private final YassonJsonb jsonb;
    // Copy-on-write: the CDI integration adds its beans' state classes at start.
    private final List<String> allowExact = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<String> allowPrefixes = new ArrayList<>();
    private final ClassLoader loader;
    /** Per allowed class: null when its values round-trip through JSON-B, else why they do not. */
    private final Map<Class<?>, Optional<String>> verdicts = new ConcurrentHashMap<>();

    AttributeCodec(List<String> allow, ClassLoader loader) {
        this.loader = loader;
        for (String a : allow) {
            if (a.endsWith(".*")) {
                allowPrefixes.add(a.substring(0, a.length() - 1));
            } else {
                allowExact.add(a);
                allowPrefixes.add(a + ".");
            }
        }
        this.json = new org.eclipse.parsson.JsonProviderImpl();
        this.generators = json.createGeneratorFactory(Map.of());
        this.readers = json.createReaderFactory(Map.of());
        this.jsonb = (YassonJsonb) new org.eclipse.yasson.JsonBindingProvider().create()
                .withConfig(new JsonbConfig().withFormatting(false))
                .withProvider(json).build();
    }

    /** Thrown when a value cannot be stored; the message names the class and the setting to change. */
    static final class NotAllowed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NotAllowed(String message) {
            super(message);
        }
    }

    /** Allows exactly this class (not its package), as if it were listed in the setting. */
    void allow(String className) {
        if (!allowExact.contains(className)) {
            allowExact.add(className);
        }
    }

    boolean allowed(String className) {
        if (allowExact.contains(className)) {
            return true;
        }
        for (String p : allowPrefixes) {
            if (className.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The UTF-8 JSON of a value; throws {@link NotAllowed} for a type that would not be restored as it was
     * (not allowed, not restorable, or losing state), and other runtime exceptions (a JSON-B failure: a
     * cycle, a throwing getter) as they come.
     */
    byte[] encode(Object value) {
        // A Writer, not an OutputStream: the generator then needs no charset encoder of its own, which was
        // the largest cost of re-encoding read values at commit.
        StringWriter out = new StringWriter(64);
        try (JsonGenerator g = generators.createGenerator(out)) {
            write(g, value);
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private void write(JsonGenerator g, Object v) {
        if (v == null) {
            g.writeNull();
        } else if (v instanceof String s) {
            g.write(s);
        } else if (v instanceof Boolean b) {
            g.write(b);
        } else {
            String tag = TAGS.get(v.getClass());
            if (tag != null) {
                g.writeStartArray().write(tag).write(v instanceof Date d ? Long.toString(d.getTime()) : v.toString())
                        .writeEnd();
            } else if (v instanceof Enum<?> e) {
                g.writeStartArray().write("e").write(e.getDeclaringClass().getName()).write(e.name()).writeEnd();
            } else if (v instanceof ZoneId z) {
                g.writeStartArray().write("zone").write(z.getId()).writeEnd();
            } else if (v instanceof byte[] bytes) {
                g.writeStartArray().write("bytes").write(Base64.getEncoder().encodeToString(bytes)).writeEnd();
            } else if (v.getClass().isArray()) {
                Class<?> component = v.getClass().getComponentType();
                checkArrayComponent(component);
                g.writeStartArray().write("a").write(component.getName()).writeStartArray();
                int n = Array.getLength(v);
                for (int i = 0; i < n; i++) {
                    write(g, Array.get(v, i));
                }
                g.writeEnd().writeEnd();
            } else if (v instanceof List<?> list) {
                writeCollection(g, "L", list);
            } else if (v instanceof Set<?> set) {
                writeCollection(g, "S", set);
            } else if (v instanceof Map<?, ?> map) {
                g.writeStartArray().write("M").writeStartArray();
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    g.writeStartArray();
                    write(g, e.getKey());
                    write(g, e.getValue());
                    g.writeEnd();
                }
                g.writeEnd().writeEnd();
            } else {
                String name = v.getClass().getName();
                if (!allowed(name)) {
                    throw new NotAllowed("class " + name + " is not allowed as a session attribute value; add it "
                            + "(or its package) to sessionfilter.serialization.allow, or store JDK value types");
                }
                checkRoundTrip(v);
                g.writeStartArray().write("o").write(name);
                jsonb.toJson(v, v.getClass(), g);
                g.writeEnd();
            }
        }
    }

    /**
     * The first value of each allowed class is written, read back and written again: a class whose values
     * cannot be restored (no usable constructor), or lose state on the way (a private field without
     * accessors), is refused at setAttribute instead of silently lost on a later request. The verdict is
     * kept per class, so this costs one extra round of JSON-B per class and JVM.
     */
    private void checkRoundTrip(Object v) {
        Class<?> type = v.getClass();
        Optional<String> verdict = verdicts.get(type);
        if (verdict == null) {
            verdict = Optional.ofNullable(roundTripProblem(v, type));
            verdicts.putIfAbsent(type, verdict);
        }
        if (verdict.isPresent()) {
            throw new NotAllowed(verdict.get());
        }
    }

    private String roundTripProblem(Object v, Class<?> type) {
        String json = jsonb.toJson(v, type); // a JSON-B failure here is the caller's to report
        Object copy;
        try {
            copy = jsonb.fromJson(json, type);
        } catch (RuntimeException e) {
            return "values of class " + type.getName() + " cannot be restored from JSON (" + rootMessage(e)
                    + "); give it a public or protected no-argument constructor, or a constructor annotated "
                    + "@JsonbCreator";
        }
        if (!json.equals(jsonb.toJson(copy, type))) {
            return "values of class " + type.getName() + " do not read back as they were written by JSON-B; "
                    + "make its properties plain getters/setters or public fields";
        }
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                int m = f.getModifiers();
                if (Modifier.isStatic(m) || Modifier.isTransient(m) || f.isSynthetic()
                        || f.isAnnotationPresent(JsonbTransient.class) || transientAccessor(c, f)) {
                    continue;
                }
                try {
                    f.setAccessible(true);
                    if (!sameState(f.get(v), f.get(copy))) {
                        return "field '" + f.getName() + "' of class " + type.getName() + " is not stored by JSON-B "
                                + "(its value is lost on the next request); give it a public getter and setter, make "
                                + "it public, or mark it transient or @JsonbTransient if it need not be kept";
                    }
                } catch (RuntimeException | IllegalAccessException e) {
                    // A field we may not read (a JDK superclass in a named module): JSON-B cannot either.
                }
            }
        }
        return null;
    }

    private static boolean transientAccessor(Class<?> c, Field f) {
        String cap = Character.toUpperCase(f.getName().charAt(0)) + f.getName().substring(1);
        for (String name : new String[] {"get" + cap, "is" + cap}) {
            try {
                Method g = c.getDeclaredMethod(name);
                if (g.isAnnotationPresent(JsonbTransient.class)) {
                    return true;
                }
            } catch (NoSuchMethodException e) {
                // no such getter
            }
        }
        return false;
    }

    private boolean sameState(Object a, Object b) {
        if (Objects.deepEquals(a, b)) {
            return true;
        }
        if (a == null || b == null) {
            return false;
        }
        try {
            return jsonb.toJson(a).equals(jsonb.toJson(b)); // nested objects rarely define equals
        } catch (RuntimeException e) {
            return false;
        }
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m;
    }

    private void writeCollection(JsonGenerator g, String tag, Collection<?> c) {
        g.writeStartArray().write(tag).writeStartArray();
        for (Object o : c) {
            write(g, o);
        }
        g.writeEnd().writeEnd();
    }

    private void checkArrayComponent(Class<?> c) {
        if (c.isPrimitive() || c == Object.class || c == String.class || TAGS.containsKey(c) || c.isEnum()
                || c.isArray() || allowed(c.getName())) {
            return;
        }
        throw new NotAllowed("arrays of " + c.getName() + " are not allowed as session attribute values; add the "
                + "class to sessionfilter.serialization.allow");
    }

    /**
     * The value of a JSON document written by {@link #encode}.
     *
     * @throws IllegalArgumentException when the document is malformed or names a type that is not allowed
     */
    Object decode(byte[] utf8) {
        try (JsonReader r = readers.createReader(new StringReader(new String(utf8, StandardCharsets.UTF_8)))) {
            return read(r.readValue());
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("undecodable attribute value: " + e.getClass().getSimpleName(), e);
        }
    }

    /** The class an encoded value would restore to, read from its tag without decoding the value. */
    String typeName(byte[] utf8) {
        // Objects start with ["o","<class>"; everything else is a JDK type.
        int n = Math.min(utf8.length, 512);
        String head = new String(utf8, 0, n, StandardCharsets.UTF_8);
        if (!head.startsWith("[\"o\",\"")) {
            return null;
        }
        int end = head.indexOf('"', 6);
        return end < 0 ? null : head.substring(6, end);
    }

    private Object read(JsonValue v) {
        switch (v.getValueType()) {
            case NULL:
                return null;
            case STRING:
                return ((JsonString) v).getString();
            case TRUE:
                return Boolean.TRUE;
            case FALSE:
                return Boolean.FALSE;
            case ARRAY:
                break;
            default:
                throw new IllegalArgumentException("unexpected JSON " + v.getValueType());
        }
        JsonArray a = (JsonArray) v;
        String tag = a.getString(0);
        Function<String, Object> parser = PARSERS.get(tag);
        if (parser != null) {
            return parser.apply(a.getString(1));
        }
        switch (tag) {
            case "e":
                return readEnum(a.getString(1), a.getString(2));
            case "zone":
                return ZoneId.of(a.getString(1));
            case "bytes":
                return Base64.getDecoder().decode(a.getString(1));
            case "a": {
                Class<?> component = arrayComponent(a.getString(1));
                JsonArray items = a.getJsonArray(2);
                Object arr = Array.newInstance(component, items.size());
                for (int i = 0; i < items.size(); i++) {
                    Array.set(arr, i, read(items.get(i)));
                }
                return arr;
            }
            case "L": {
                JsonArray items = a.getJsonArray(1);
                List<Object> list = new ArrayList<>(items.size());
                for (JsonValue item : items) {
                    list.add(read(item));
                }
                return list;
            }
            case "S": {
                JsonArray items = a.getJsonArray(1);
                Set<Object> set = new LinkedHashSet<>();
                for (JsonValue item : items) {
                    set.add(read(item));
                }
                return set;
            }
            case "M": {
                JsonArray items = a.getJsonArray(1);
                Map<Object, Object> map = new LinkedHashMap<>();
                for (JsonValue item : items) {
                    JsonArray pair = (JsonArray) item;
                    map.put(read(pair.get(0)), read(pair.get(1)));
                }
                return map;
            }
            case "o": {
                String name = a.getString(1);
                if (!allowed(name)) {
                    throw new IllegalArgumentException("stored class " + name + " is no longer allowed");
                }
                Class<?> type = load(name);
                JsonValue payload = a.get(2);
                if (payload instanceof JsonObject || payload instanceof JsonArray) {
                    return jsonb.fromJsonStructure((jakarta.json.JsonStructure) payload, type);
                }
                return jsonb.fromJson(payload.toString(), type);
            }
            default:
                throw new IllegalArgumentException("unknown type tag");
        }
    }

    private Object readEnum(String className, String constant) {
        Class<?> c = load(className);
        if (!c.isEnum()) {
            throw new IllegalArgumentException("not an enum: " + className);
        }
        for (Object o : c.getEnumConstants()) {
            if (((Enum<?>) o).name().equals(constant)) {
                return o;
            }
        }
        throw new IllegalArgumentException("no constant " + constant + " in " + className);
    }

    private Class<?> arrayComponent(String name) {
        Class<?> c = switch (name) {
            case "int" -> int.class;
            case "long" -> long.class;
            case "double" -> double.class;
            case "float" -> float.class;
            case "short" -> short.class;
            case "byte" -> byte.class;
            case "char" -> char.class;
            case "boolean" -> boolean.class;
            default -> null;
        };
        if (c != null) {
            return c;
        }
        c = load(name);
        checkArrayComponent(c);
        return c;
    }

    private Class<?> load(String name) {
        try {
            // initialize=false: no static initializer of a named class runs before it is found acceptable.
            Class<?> c = Class.forName(name, false, loader);
            if (!(c.isEnum() || allowed(name) || c.isArray() || TAGS.containsKey(c) || c == Object.class
                    || c == String.class || c.getName().startsWith("java.lang."))) {
                throw new IllegalArgumentException("class not allowed: " + name);
            }
            return c;
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("class not found: " + name, e);
        }
    }
}

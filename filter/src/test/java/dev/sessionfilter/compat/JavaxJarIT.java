package dev.sessionfilter.compat;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.lang.reflect.Executable;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The built {@code sessionfilter-javax.jar} against the Servlet 4.0 API (javax.servlet-api 4.0.1, what Tomcat 9
 * implements), checked class file by class file: every reference to a javax.servlet class, method or field
 * resolves in Servlet 4.0 (a Servlet 5/6-only call would be a NoSuchMethodError on Tomcat 9, on the request that
 * reaches it), no jakarta.servlet type is left where the JVM links it, and every class of ours that implements
 * a Servlet interface implements all of its Servlet 4.0 methods (HttpSession's deprecated ones included).
 */
class JavaxJarIT {
    static Path jar;
    static URLClassLoader servlet4;
    static URLClassLoader ours;
    static final Map<String, byte[]> CLASSES = new LinkedHashMap<>();

    @BeforeAll
    static void openJars() throws Exception {
        jar = Path.of(System.getProperty("javax.jar"));
        Path api = Path.of(System.getProperty("javax.servletApi"));
        assertTrue(Files.isRegularFile(jar), jar.toString());
        assertTrue(Files.isRegularFile(api), api.toString());
        servlet4 = new URLClassLoader(new URL[] {api.toUri().toURL()}, ClassLoader.getPlatformClassLoader());
        ours = new URLClassLoader(new URL[] {jar.toUri().toURL()}, servlet4);
        try (ZipFile z = new ZipFile(jar.toFile())) {
            for (ZipEntry e : z.stream().toList()) {
                if (e.getName().endsWith(".class") && !e.getName().contains("module-info")
                        && !e.getName().startsWith("META-INF/")) {
                    CLASSES.put(e.getName(), z.getInputStream(e).readAllBytes());
                }
            }
        }
        assertTrue(CLASSES.size() > 1000, "the whole shaded jar: " + CLASSES.size());
    }

    @Test
    void everyServletReferenceResolvesInServlet4() throws Exception {
        List<String> unresolved = new ArrayList<>();
        int checked = 0;
        for (Map.Entry<String, byte[]> e : CLASSES.entrySet()) {
            ClassFile cf = ClassFile.parse(e.getValue());
            for (String type : cf.classNames) {
                if (type.startsWith("javax/servlet/") && load(type) == null) {
                    unresolved.add(e.getKey() + ": class " + type);
                }
            }
            for (ClassFile.Ref r : cf.refs) {
                if (!r.owner().startsWith("javax/servlet/")) {
                    continue;
                }
                checked++;
                Class<?> owner = load(r.owner());
                if (owner == null || !hasMember(owner, r)) {
                    unresolved.add(e.getKey() + ": " + r);
                }
            }
        }
        assertTrue(checked > 100, "references checked: " + checked);
        assertEquals(List.of(), unresolved, "Servlet 5/6-only references in the javax jar");
    }

    /**
     * The JVM links class names and member descriptors: none may name jakarta.servlet. The transformer leaves
     * jakarta names in generic signatures of type-parameter bounds and in records' component attributes; those
     * only reflection reads, and nothing reads them on our classes (counted, not hidden).
     */
    @Test
    void noJakartaServletTypeIsLeftWhereTheJvmLinksIt() throws Exception {
        List<String> linked = new ArrayList<>();
        Set<String> unlinked = new TreeSet<>();
        for (Map.Entry<String, byte[]> e : CLASSES.entrySet()) {
            ClassFile cf = ClassFile.parse(e.getValue());
            for (String s : cf.linked()) {
                if (s.contains("jakarta/servlet")) {
                    linked.add(e.getKey() + ": " + s);
                }
            }
            if (cf.utf8.stream().anyMatch(s -> s.contains("jakarta/servlet"))) {
                unlinked.add(e.getKey());
            }
        }
        assertEquals(List.of(), linked);
        // Known: a generic method's bound (createListener) and a record's components; a new one is looked at.
        assertEquals(Set.of("dev/sessionfilter/StartupCheck$Declared.class",
                "dev/sessionfilter/session/SavingAsyncContext.class"), unlinked,
                "jakarta.servlet names left by the transformer in signatures and record attributes");
        try (ZipFile z = new ZipFile(jar.toFile())) {
            assertNotNull(z.getEntry("META-INF/services/javax.servlet.ServletContainerInitializer"));
            assertEquals(null, z.getEntry("META-INF/services/jakarta.servlet.ServletContainerInitializer"));
            // JSON-B stays jakarta: the bundled Yasson implements jakarta.json.bind, and the app's annotations are those.
            assertNotNull(z.getEntry("jakarta/json/bind/annotation/JsonbCreator.class"));
        }
    }

    @Test
    void ourServletImplementationsImplementEveryServlet4Method() throws Exception {
        List<String> missing = new ArrayList<>();
        int implementations = 0;
        for (String name : CLASSES.keySet()) {
            if (!name.startsWith("dev/sessionfilter/") || name.startsWith("dev/sessionfilter/internal/shaded/")) {
                continue;
            }
            Class<?> c = Class.forName(name.replace('/', '.').replace(".class", ""), false, ours);
            if (c.isInterface() || Modifier.isAbstract(c.getModifiers()) || !implementsServletType(c)) {
                continue;
            }
            implementations++;
            for (Method m : c.getMethods()) {
                if (Modifier.isAbstract(m.getModifiers())) {
                    missing.add(c.getName() + " lacks " + m);
                }
            }
        }
        assertTrue(implementations >= 8, "filters, servlets, the session, wrappers: " + implementations);
        assertEquals(List.of(), missing);
        Class<?> session = Class.forName("dev.sessionfilter.session.RedisHttpSession", false, ours);
        assertTrue(servlet4.loadClass("javax.servlet.http.HttpSession").isAssignableFrom(session));
    }

    static boolean implementsServletType(Class<?> c) {
        Deque<Class<?>> todo = new ArrayDeque<>(List.of(c));
        while (!todo.isEmpty()) {
            Class<?> t = todo.pop();
            if (t.getName().startsWith("javax.servlet.")) {
                return true;
            }
            if (t.getSuperclass() != null) {
                todo.push(t.getSuperclass());
            }
            todo.addAll(List.of(t.getInterfaces()));
        }
        return false;
    }

    static Class<?> load(String internalName) {
        try {
            return Class.forName(internalName.replace('/', '.'), false, servlet4);
        } catch (ClassNotFoundException | LinkageError e) {
            return null;
        }
    }

    /** The member, declared by the owner or inherited (the JVM's resolution, as far as it matters here). */
    static boolean hasMember(Class<?> owner, ClassFile.Ref r) {
        Deque<Class<?>> todo = new ArrayDeque<>(List.of(owner));
        while (!todo.isEmpty()) {
            Class<?> t = todo.pop();
            if (r.field()) {
                for (var f : t.getDeclaredFields()) {
                    if (f.getName().equals(r.name()) && f.getType().descriptorString().equals(r.descriptor())) {
                        return true;
                    }
                }
            } else {
                List<Executable> all = new ArrayList<>(List.of(t.getDeclaredMethods()));
                all.addAll(List.of(t.getDeclaredConstructors()));
                for (Executable m : all) {
                    String name = m instanceof Method ? m.getName() : "<init>";
                    if (name.equals(r.name()) && descriptor(m).equals(r.descriptor())) {
                        return true;
                    }
                }
            }
            if (t.getSuperclass() != null) {
                todo.push(t.getSuperclass());
            }
            todo.addAll(List.of(t.getInterfaces()));
            if (t.isInterface()) {
                todo.add(Object.class);
            }
        }
        return false;
    }

    static String descriptor(Executable m) {
        StringBuilder sb = new StringBuilder("(");
        for (Class<?> p : m.getParameterTypes()) {
            sb.append(p.descriptorString());
        }
        sb.append(')').append(m instanceof Method method ? method.getReturnType().descriptorString() : "V");
        return sb.toString();
    }

    /** Just enough of the class file format (JVMS 4) for the checks above. */
    static final class ClassFile {
        record Ref(boolean field, String owner, String name, String descriptor) {
            @Override
            public String toString() {
                return (field ? "field " : "method ") + owner + "." + name + descriptor;
            }
        }

        final List<String> utf8 = new ArrayList<>();
        final List<String> classNames = new ArrayList<>();
        final List<Ref> refs = new ArrayList<>();
        final List<String> descriptors = new ArrayList<>();

        /** Class names, member-reference descriptors and our own fields' and methods' descriptors. */
        List<String> linked() {
            List<String> all = new ArrayList<>(classNames);
            refs.forEach(r -> all.add(r.descriptor()));
            all.addAll(descriptors);
            return all;
        }

        static ClassFile parse(byte[] bytes) throws IOException {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
            if (in.readInt() != 0xCAFEBABE) {
                throw new IOException("not a class file");
            }
            in.readUnsignedShort();
            in.readUnsignedShort();
            int count = in.readUnsignedShort();
            Object[] pool = new Object[count];
            int[][] links = new int[count][];
            int[] tags = new int[count];
            for (int i = 1; i < count; i++) {
                int tag = in.readUnsignedByte();
                tags[i] = tag;
                switch (tag) {
                    case 1 -> pool[i] = in.readUTF();
                    case 3, 4 -> in.readInt();
                    case 5, 6 -> {
                        in.readLong();
                        i++;
                    }
                    case 7, 8, 16, 19, 20 -> links[i] = new int[] {in.readUnsignedShort()};
                    case 9, 10, 11, 12, 17, 18 -> links[i] = new int[] {in.readUnsignedShort(), in.readUnsignedShort()};
                    case 15 -> links[i] = new int[] {in.readUnsignedByte(), in.readUnsignedShort()};
                    default -> throw new IOException("constant pool tag " + tag);
                }
            }
            ClassFile cf = new ClassFile();
            for (int i = 1; i < count; i++) {
                if (tags[i] == 1) {
                    cf.utf8.add((String) pool[i]);
                } else if (tags[i] == 7) {
                    String n = (String) pool[links[i][0]];
                    cf.classNames.add(n.replaceAll("^\\[+L?|;$", ""));
                } else if (tags[i] >= 9 && tags[i] <= 11) {
                    String owner = ((String) pool[links[links[i][0]][0]]).replaceAll("^\\[+L?|;$", "");
                    int[] nat = links[links[i][1]];
                    cf.refs.add(new Ref(tags[i] == 9, owner, (String) pool[nat[0]], (String) pool[nat[1]]));
                } else if (tags[i] == 16) {
                    cf.descriptors.add((String) pool[links[i][0]]);
                }
            }
            in.readUnsignedShort();
            in.readUnsignedShort();
            in.readUnsignedShort();
            int interfaces = in.readUnsignedShort();
            for (int i = 0; i < interfaces; i++) {
                in.readUnsignedShort();
            }
            for (int kind = 0; kind < 2; kind++) { // fields, then methods
                int members = in.readUnsignedShort();
                for (int i = 0; i < members; i++) {
                    in.readUnsignedShort();
                    in.readUnsignedShort();
                    cf.descriptors.add((String) pool[in.readUnsignedShort()]);
                    int attributes = in.readUnsignedShort();
                    for (int a = 0; a < attributes; a++) {
                        in.readUnsignedShort();
                        in.skipNBytes(in.readInt() & 0xFFFFFFFFL);
                    }
                }
            }
            return cf;
        }
    }

    @Test
    void theParserReadsWhatJavacWrote() throws Exception {
        // A self-check, so an empty result above cannot come from a parser that sees nothing.
        byte[] self;
        try (var in = JavaxJarIT.class.getResourceAsStream("JavaxJarIT.class")) {
            self = in.readAllBytes();
        }
        ClassFile cf = ClassFile.parse(self);
        assertTrue(cf.refs.contains(new ClassFile.Ref(false, "java/nio/file/Path", "of",
                "(Ljava/lang/String;[Ljava/lang/String;)Ljava/nio/file/Path;")), cf.refs.toString());
        assertTrue(cf.descriptors.contains("(Ljava/lang/Class;)Z"), cf.descriptors.toString());
        assertFalse(cf.classNames.isEmpty());
    }
}

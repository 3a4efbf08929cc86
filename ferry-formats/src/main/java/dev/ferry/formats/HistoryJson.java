package dev.ferry.formats;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.ferry.core.history.Actor;
import dev.ferry.core.history.Fact;
import dev.ferry.core.history.HistoryRecord;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Constructor;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * history/v2 (docs/formats.md): one JSON object per line, {@code {"t":…,"actor":…,"fact":…}} and
 * the fact's fields by name, in the order the fact declares them. Fact types and enum values are
 * spelled in lower case with hyphens ({@code switched-over}, {@code came-back-unpatched}); null
 * fields are left out. A history file starts with the line {@value #HEADER}. The mapping is
 * derived from the {@link Fact} records themselves, so a new fact or field needs no change here.
 * Thread-safe.
 */
public final class HistoryJson {
    /** The first line of a history/v2 file. */
    public static final String HEADER = "{\"ferry\":\"history/v2\"}";
    public static final String FORMAT = "history/v2";

    private static final JsonFactory JSON = new JsonFactory();
    private static final Map<Class<?>, Shape> BY_CLASS = new LinkedHashMap<>();
    private static final Map<String, Shape> BY_NAME = new LinkedHashMap<>();
    private static final Map<Class<?>, Shape> NESTED = new java.util.concurrent.ConcurrentHashMap<>();

    /** How one record type is written and read. */
    private record Shape(String name, Class<?> type, RecordComponent[] components, MethodHandle[] accessors,
                         Constructor<?> constructor) {
    }

    static {
        for (Class<?> c : Fact.class.getPermittedSubclasses()) {
            Shape s = describe(c);
            BY_CLASS.put(c, s);
            BY_NAME.put(s.name(), s);
        }
    }

    private HistoryJson() {
    }

    /** The spelling of a fact type ({@code switched-over}). */
    public static String typeName(Class<? extends Fact> type) {
        return BY_CLASS.get(type).name();
    }

    /** Every fact type's spelling, in the order {@link Fact} declares them. */
    public static List<String> typeNames() {
        return List.copyOf(BY_NAME.keySet());
    }

    /** The fields of every fact type, by type spelling (for the documentation's own test). */
    public static Map<String, List<String>> fieldsByType() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        BY_NAME.forEach((name, s) -> {
            List<String> fields = new ArrayList<>();
            for (RecordComponent c : s.components()) {
                fields.add(c.getName());
            }
            out.put(name, fields);
        });
        return out;
    }

    /** One line of history/v2 (no line break). */
    public static String line(HistoryRecord r) {
        StringWriter w = new StringWriter(128);
        try (JsonGenerator g = JSON.createGenerator(w)) {
            g.writeStartObject();
            g.writeNumberField("t", r.timeMs());
            g.writeStringField("actor", r.actor().wireName());
            writeFields(g, (Record) r.fact());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    /** The fact as a map: its type under {@code fact}, then its fields (null fields left out), for JSON writers (the API). */
    public static Map<String, Object> fields(Fact fact) {
        Shape s = BY_CLASS.get(fact.getClass());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("fact", s.name());
        for (int k = 0; k < s.components().length; k++) {
            Object v = get(s, k, fact);
            if (v != null) {
                out.put(s.components()[k].getName(), plain(v));
            }
        }
        return out;
    }

    private static Object plain(Object v) {
        if (v instanceof Enum<?> e) {
            return spell(e.name());
        }
        if (v instanceof List<?> list) {
            List<Object> out = new ArrayList<>();
            list.forEach(x -> out.add(plain(x)));
            return out;
        }
        if (v instanceof Record rec) {
            Shape s = shape(rec.getClass());
            Map<String, Object> out = new LinkedHashMap<>();
            for (int k = 0; k < s.components().length; k++) {
                Object x = get(s, k, rec);
                if (x != null) {
                    out.put(s.components()[k].getName(), plain(x));
                }
            }
            return out;
        }
        return v;
    }

    /**
     * Reads one history/v2 line. Throws {@link IllegalArgumentException} naming what is wrong
     * (not JSON, an unknown fact type, a field of the wrong kind).
     */
    public static HistoryRecord parse(String line) {
        Map<String, Object> o;
        try (JsonParser p = JSON.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("a history line is a JSON object");
            }
            o = JsonValues.object(p);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
        }
        return record(o);
    }

    /** A history record from an already parsed JSON object of history/v2. */
    static HistoryRecord record(Map<String, Object> o) {
        Object t = o.get("t");
        Actor actor = o.get("actor") instanceof String a ? Actor.parse(a) : null;
        Shape s = o.get("fact") instanceof String f ? BY_NAME.get(f) : null;
        if (!(t instanceof Long) || actor == null) {
            throw new IllegalArgumentException("a history line needs t (a number) and actor (ferry, runner, driver or agent)");
        }
        if (s == null) {
            throw new IllegalArgumentException("unknown fact type " + o.get("fact"));
        }
        return new HistoryRecord((Long) t, actor, (Fact) build(s, o));
    }

    /** The line is a history/v2 header. */
    public static boolean header(String line) {
        String l = line.strip();
        return l.startsWith("{") && l.contains("\"ferry\"") && l.contains(FORMAT);
    }

    // ---------------------------------------------------------------- writing

    private static void writeFields(JsonGenerator g, Record value) throws IOException {
        Shape s = BY_CLASS.containsKey(value.getClass()) ? BY_CLASS.get(value.getClass()) : shape(value.getClass());
        if (value instanceof Fact) {
            g.writeStringField("fact", s.name());
        }
        for (int k = 0; k < s.components().length; k++) {
            Object v = get(s, k, value);
            if (v == null) {
                continue;
            }
            g.writeFieldName(s.components()[k].getName());
            writeValue(g, v);
        }
    }

    private static void writeValue(JsonGenerator g, Object v) throws IOException {
        switch (v) {
            case String str -> g.writeString(str);
            case Long l -> g.writeNumber(l);
            case Integer i -> g.writeNumber(i);
            case Boolean b -> g.writeBoolean(b);
            case Enum<?> e -> g.writeString(spell(e.name()));
            case List<?> list -> {
                g.writeStartArray();
                for (Object x : list) {
                    writeValue(g, x);
                }
                g.writeEndArray();
            }
            case Record rec -> {
                g.writeStartObject();
                writeFields(g, rec);
                g.writeEndObject();
            }
            default -> throw new IllegalArgumentException("a fact field of type " + v.getClass().getSimpleName());
        }
    }

    private static Object get(Shape s, int k, Object value) {
        try {
            return s.accessors()[k].invoke(value);
        } catch (Throwable e) {
            throw new IllegalStateException("reading " + s.name() + "." + s.components()[k].getName(), e);
        }
    }

    // ---------------------------------------------------------------- reading

    @SuppressWarnings("unchecked")
    private static Object build(Shape s, Map<String, Object> o) {
        Object[] args = new Object[s.components().length];
        for (int k = 0; k < args.length; k++) {
            RecordComponent c = s.components()[k];
            args[k] = convert(o.get(c.getName()), c.getType(), c.getGenericType(), s.name() + "." + c.getName());
        }
        try {
            return s.constructor().newInstance(args);
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException(s.name() + ": " + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e);
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object convert(Object v, Class<?> type, Type generic, String field) {
        if (type == long.class || type == int.class) {
            long n = v == null ? 0 : v instanceof Long l ? l : fail(field, "a number");
            return type == long.class ? (Object) n : (Object) Math.toIntExact(n);
        }
        if (type == boolean.class) {
            if (v == null) {
                return false;
            }
            return v instanceof Boolean b ? b : fail(field, "true or false");
        }
        if (v == null) {
            return type == List.class ? List.of() : null;
        }
        if (type == String.class) {
            return v instanceof String str ? str : fail(field, "a string");
        }
        if (type == Long.class) {
            return v instanceof Long l ? l : fail(field, "a number");
        }
        if (type.isEnum()) {
            if (v instanceof String str) {
                for (Object e : type.getEnumConstants()) {
                    if (spell(((Enum<?>) e).name()).equals(str)) {
                        return e;
                    }
                }
            }
            return fail(field, "one of " + List.of(type.getEnumConstants()).stream().map(e -> spell(((Enum<?>) e).name())).toList());
        }
        if (type == List.class && v instanceof List<?> list) {
            Type element = ((ParameterizedType) generic).getActualTypeArguments()[0];
            List<Object> out = new ArrayList<>();
            for (Object x : list) {
                out.add(convert(x, (Class<?>) element, element, field + "[]"));
            }
            return out;
        }
        if (type.isRecord() && v instanceof Map m) {
            return build(shape(type), (Map<String, Object>) m);
        }
        return fail(field, type.getSimpleName());
    }

    private static <T> T fail(String field, String expected) {
        throw new IllegalArgumentException(field + " must be " + expected);
    }

    // ---------------------------------------------------------------- shapes

    private static Shape shape(Class<?> type) {
        Shape known = BY_CLASS.get(type);
        if (known != null) {
            return known;
        }
        return NESTED.computeIfAbsent(type, HistoryJson::describe);
    }

    private static Shape describe(Class<?> type) {
        RecordComponent[] components = type.getRecordComponents();
        MethodHandle[] accessors = new MethodHandle[components.length];
        Class<?>[] types = new Class<?>[components.length];
        try {
            for (int k = 0; k < components.length; k++) {
                accessors[k] = MethodHandles.publicLookup().unreflect(components[k].getAccessor());
                types[k] = components[k].getType();
            }
            return new Shape(spell(type.getSimpleName()), type, components, accessors, type.getDeclaredConstructor(types));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("fact type " + type.getName() + " cannot be mapped", e);
        }
    }

    /** {@code SwitchedOver} → {@code switched-over}; {@code CAME_BACK_UNPATCHED} → {@code came-back-unpatched}. */
    static String spell(String javaName) {
        if (javaName.equals(javaName.toUpperCase(Locale.ROOT))) {
            return javaName.toLowerCase(Locale.ROOT).replace('_', '-');
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < javaName.length(); i++) {
            char c = javaName.charAt(i);
            if (Character.isUpperCase(c) && i > 0) {
                sb.append('-');
            }
            sb.append(Character.toLowerCase(c));
        }
        return sb.toString();
    }
}

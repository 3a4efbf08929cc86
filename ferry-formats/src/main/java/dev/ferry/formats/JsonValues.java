package dev.ferry.formats;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Ferry's own JSON documents (a stored plan, a history line) read into plain values: objects as
 * maps, arrays as lists, numbers as {@code Long} or {@code Double}; and typed access that names a
 * missing or wrong field. For documents Ferry wrote itself; user input goes through the strict
 * readers. Stateless.
 */
final class JsonValues {
    private JsonValues() {
    }

    /** The object the parser is at (after its START_OBJECT), to its end. */
    static Map<String, Object> object(JsonParser p) throws IOException {
        Map<String, Object> o = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            p.nextToken();
            o.put(name, value(p));
        }
        return o;
    }

    static Object value(JsonParser p) throws IOException {
        return switch (p.currentToken()) {
            case VALUE_STRING -> p.getText();
            case VALUE_NUMBER_INT -> p.getLongValue();
            case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> null;
            case START_ARRAY -> {
                List<Object> list = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    list.add(value(p));
                }
                yield list;
            }
            case START_OBJECT -> object(p);
            default -> throw new IllegalArgumentException("unexpected " + p.currentToken());
        };
    }

    static String string(Map<String, Object> o, String field) {
        return o.get(field) instanceof String s ? s : fail(field, "a string");
    }

    static long number(Map<String, Object> o, String field) {
        return o.get(field) instanceof Long l ? l : fail(field, "a whole number");
    }

    static double decimal(Map<String, Object> o, String field) {
        return o.get(field) instanceof Number n ? n.doubleValue() : fail(field, "a number");
    }

    /** A boolean field; absent is false. */
    static boolean bool(Map<String, Object> o, String field) {
        Object v = o.get(field);
        return v == null ? false : v instanceof Boolean b ? b : fail(field, "true or false");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> object(Map<String, Object> o, String field) {
        return o.get(field) instanceof Map<?, ?> m ? (Map<String, Object>) m : fail(field, "an object");
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> objects(Map<String, Object> o, String field) {
        List<Map<String, Object>> out = new ArrayList<>();
        if (!(o.get(field) instanceof List<?> list)) {
            return fail(field, "an array");
        }
        for (Object x : list) {
            out.add(x instanceof Map<?, ?> m ? (Map<String, Object>) m : fail(field + "[]", "an object"));
        }
        return out;
    }

    static List<String> strings(Map<String, Object> o, String field) {
        List<String> out = new ArrayList<>();
        if (!(o.get(field) instanceof List<?> list)) {
            return fail(field, "an array");
        }
        for (Object x : list) {
            out.add(x instanceof String s ? s : fail(field + "[]", "a string"));
        }
        return out;
    }

    private static <T> T fail(String field, String expected) {
        throw new IllegalArgumentException(field + ": must be " + expected);
    }
}

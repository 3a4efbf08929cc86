package dev.ferry.formats;

import java.util.LinkedHashMap;
import java.util.List;

/** A parsed YAML or JSON value with the position it came from. Small trees only: one inventory item at a time. */
sealed interface Node permits Node.Scalar, Node.Mapping, Node.Sequence {
    int line();

    int column();

    String kind();

    /**
     * @param value null for a YAML null (plain {@code null}, {@code ~} or empty)
     * @param plain unquoted in YAML, or a JSON number, boolean or null: only plain scalars may be numbers or booleans
     */
    record Scalar(int line, int column, String value, boolean plain) implements Node {
        @Override
        public String kind() {
            return value == null ? "null" : "a scalar";
        }
    }

    /** One key (with its own position) and its value. */
    record Entry(Scalar key, Node value) {
    }

    /** Keys in document order. */
    record Mapping(int line, int column, LinkedHashMap<String, Entry> entries) implements Node {
        @Override
        public String kind() {
            return "a mapping";
        }

        /** The value under {@code key}, or null. */
        Node get(String key) {
            Entry e = entries.get(key);
            return e == null ? null : e.value();
        }
    }

    record Sequence(int line, int column, List<Node> items) implements Node {
        @Override
        public String kind() {
            return "a list";
        }
    }
}

package dev.ferry.formats;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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

    /** Keys in document order, each with its own position. */
    record Mapping(int line, int column, LinkedHashMap<String, Node> entries, Map<String, Scalar> keys) implements Node {
        @Override
        public String kind() {
            return "a mapping";
        }
    }

    record Sequence(int line, int column, List<Node> items) implements Node {
        @Override
        public String kind() {
            return "a list";
        }
    }
}

package dev.ferry.cli.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.cli.Durations;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * Answers as tables: a page's items as rows under column headers, or one object as labelled
 * lines. A column is {@code HEADER=path}: a dotted path into the item, with {@code :duration} for
 * a number of seconds shown as "1d 4h 12m", {@code :ms} for milliseconds so, and {@code :time} for
 * epoch milliseconds shown as an ISO-8601 time; what is missing or null shows as {@code -}.
 */
final class Tables {
    private Tables() {
    }

    /** How an answer prints as a table. */
    @FunctionalInterface
    interface Table {
        void print(PrintWriter out, JsonNode answer);
    }

    /** The answer's {@code items} (or the answer itself, when it is a list) as rows; "(none)" for none. */
    static Table rows(String... columns) {
        return (out, answer) -> {
            JsonNode items = answer.isArray() ? answer : answer.path("items");
            List<String[]> rows = new ArrayList<>();
            String[] headers = new String[columns.length];
            for (int c = 0; c < columns.length; c++) {
                headers[c] = columns[c].substring(0, columns[c].indexOf('='));
            }
            rows.add(headers);
            for (JsonNode item : items) {
                String[] row = new String[columns.length];
                for (int c = 0; c < columns.length; c++) {
                    row[c] = text(item, columns[c].substring(columns[c].indexOf('=') + 1));
                }
                rows.add(row);
            }
            if (rows.size() == 1) {
                out.println("(none)");
            } else {
                print(out, rows);
            }
            if (answer.hasNonNull("next")) {
                out.println("(more: --all, or --cursor " + answer.get("next").asText() + ")");
            }
        };
    }

    /** One object as {@code label: value} lines, one per field {@code LABEL=path}. */
    static Table fields(String... fields) {
        return (out, answer) -> {
            int width = 0;
            for (String f : fields) {
                width = Math.max(width, f.indexOf('='));
            }
            for (String f : fields) {
                String label = f.substring(0, f.indexOf('='));
                out.printf("%-" + (width + 1) + "s %s%n", label + ":", text(answer, f.substring(f.indexOf('=') + 1)));
            }
        };
    }

    /** The value at a dotted path as text. */
    static String text(JsonNode node, String path) {
        int colon = path.indexOf(':');
        String format = colon < 0 ? "" : path.substring(colon + 1);
        JsonNode n = node;
        for (String p : (colon < 0 ? path : path.substring(0, colon)).split("\\.")) {
            n = n == null ? null : n.get(p);
        }
        if (n == null || n.isNull() || n.isMissingNode()) {
            return "-";
        }
        if (n.isNumber()) {
            switch (format) {
                case "duration" -> {
                    return Durations.human(n.asLong());
                }
                case "ms" -> {
                    return Durations.human(n.asLong() / 1000);
                }
                case "time" -> {
                    return java.time.Instant.ofEpochMilli(n.asLong()).toString();
                }
                default -> {
                }
            }
        }
        if (n.isArray()) {
            List<String> parts = new ArrayList<>();
            n.forEach(x -> parts.add(x.isValueNode() ? x.asText() : x.toString()));
            return parts.isEmpty() ? "-" : String.join(",", parts);
        }
        if (n.isObject()) {
            StringBuilder b = new StringBuilder();
            n.fields().forEachRemaining(e -> b.append(b.length() == 0 ? "" : " ").append(e.getKey()).append('=')
                    .append(e.getValue().isValueNode() ? e.getValue().asText() : e.getValue().toString()));
            return b.length() == 0 ? "-" : b.toString();
        }
        return n.asText();
    }

    private static void print(PrintWriter out, List<String[]> rows) {
        int[] width = new int[rows.get(0).length];
        for (String[] r : rows) {
            for (int c = 0; c < r.length; c++) {
                width[c] = Math.max(width[c], r[c].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < r.length; c++) {
                line.append(c == r.length - 1 ? r[c] : String.format("%-" + (width[c] + 2) + "s", r[c]));
            }
            out.println(line.toString().stripTrailing());
        }
    }
}

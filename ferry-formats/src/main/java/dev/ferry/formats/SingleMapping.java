package dev.ferry.formats;

/** Reads a small file whose top level is one mapping with a {@code ferry: <kind>/v1} header. */
final class SingleMapping {
    private SingleMapping() {
    }

    /** The top-level fields, or null after reporting; the header is checked and consumed. */
    static Fields read(Source source, long maxBytes, Problems problems, String expectedHeader) {
        Fields f = top(source, maxBytes, problems);
        if (f != null) {
            header(f, problems, expectedHeader, "");
        }
        return f;
    }

    /** The top-level mapping's fields, header unchecked; null after reporting. */
    static Fields top(Source source, long maxBytes, Problems problems) {
        java.util.LinkedHashMap<String, Node.Entry> entries = new java.util.LinkedHashMap<>();
        new DocumentReader(problems).read(source, maxBytes, new DocumentReader.Handler() {
            @Override
            public boolean streams(String key) {
                return false;
            }

            @Override
            public void value(Node.Scalar key, Node value) {
                if (key.value() != null) {
                    entries.put(key.value(), new Node.Entry(key, value));
                }
            }

            @Override
            public void item(Node.Scalar key, int index, Node item) {
                throw new IllegalStateException("not streamed");
            }
        });
        return problems.any() ? null : new Fields(problems, new Node.Mapping(1, 1, entries), "");
    }

    /** Checks and consumes the {@code ferry:} header; {@code orElse} is added to the message when it is missing. */
    static void header(Fields f, Problems problems, String expectedHeader, String orElse) {
        Node header = f.node("ferry");
        if (header == null) {
            problems.add(1, 0, "ferry", "missing header 'ferry: " + expectedHeader + "'" + orElse);
        } else if (!(header instanceof Node.Scalar s) || !expectedHeader.equals(s.value())) {
            problems.add(header, "ferry", "expected '" + expectedHeader + "'");
        }
    }
}

package dev.ferry.formats;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads one YAML or JSON file whose top level is a mapping, handing each top-level value to a
 * {@link Handler}; values of the keys the handler streams are handed over one list item at a time,
 * so a fleet of millions of instances never exists as one tree. Enforces a size limit, a nesting
 * limit, unique keys and scalar keys. Not thread-safe.
 */
final class DocumentReader {
    /** Deep enough for a CSAF product tree's branches (vendor, product family, name, version). */
    static final int MAX_DEPTH = 16;

    interface Handler {
        /** Whether a list under this top-level key is delivered item by item. */
        boolean streams(String key);

        void value(Node.Scalar key, Node value);

        void item(Node.Scalar key, int index, Node item);
    }

    private final Problems problems;
    private TokenSource tokens;

    DocumentReader(Problems problems) {
        this.problems = problems;
    }

    /** Reads the file; syntax errors are added to the problems and end the read. */
    void read(Source source, long maxBytes, Handler handler) {
        long size;
        try {
            size = source.size();
        } catch (NoSuchFileException e) {
            problems.add(0, 0, "", "no such file");
            return;
        } catch (IOException e) {
            problems.add(0, 0, "", "cannot read: " + e.getMessage());
            return;
        }
        if (size > maxBytes) {
            problems.add(0, 0, "", "file is " + size + " bytes, over the limit of " + maxBytes + " bytes");
            return;
        }
        if (size == 0) {
            problems.add(0, 0, "", "file is empty");
            return;
        }
        boolean json = source.json();
        try (InputStream in = new Limited(source.open(), maxBytes)) {
            CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT);
            Reader reader = new InputStreamReader(in, utf8);
            tokens = json ? new JsonTokens(reader) : new YamlTokens(reader, problems.file());
            readTop(handler);
        } catch (TokenSource.SyntaxError e) {
            // Nothing else read from a broken document can be trusted (an item cut short by the
            // error looks like missing fields): the syntax error is reported alone.
            problems.clear();
            if (e.getMessage() != null && e.getMessage().contains("MalformedInputException")) {
                problems.add(0, 0, "", "not valid UTF-8");
            } else {
                problems.add(e.line, e.column, "", (json ? "malformed JSON: " : "malformed YAML: ") + e.getMessage());
            }
        } catch (java.nio.charset.CharacterCodingException e) {
            problems.add(0, 0, "", "not valid UTF-8");
        } catch (IOException | RuntimeException e) {
            String msg = e.getMessage() != null && e.getMessage().contains("Input length") ? "not valid UTF-8"
                    : "cannot read: " + e.getMessage();
            problems.add(0, 0, "", msg);
        }
    }

    private void readTop(Handler handler) throws TokenSource.SyntaxError {
        Token t = tokens.next();
        if (t.type() == Token.Type.END) {
            problems.add(0, 0, "", "file holds no document");
            return;
        }
        if (t.type() != Token.Type.MAP_START) {
            problems.add(t.line(), t.column(), "", "the top level must be a mapping (starting with 'ferry:')");
            return;
        }
        Map<String, Integer> seen = new HashMap<>();
        while (true) {
            Token k = tokens.next();
            if (k.type() == Token.Type.MAP_END) {
                break;
            }
            Node.Scalar key = key(k, "");
            Integer earlier = seen.putIfAbsent(key.value() == null ? "" : key.value(), key.line());
            if (earlier != null) {
                problems.add(key, key.value(), "duplicate key (first at line " + earlier + ")");
            }
            Token v = tokens.next();
            if (v.type() == Token.Type.SEQ_START && key.value() != null && handler.streams(key.value())) {
                int index = 0;
                while (true) {
                    Token item = tokens.next();
                    if (item.type() == Token.Type.SEQ_END) {
                        break;
                    }
                    Node node = compose(item, 2, new FieldPath(key.value(), null, index));
                    if (earlier == null) {
                        handler.item(key, index, node);
                    }
                    index++;
                }
            } else {
                Node node = compose(v, 1, new FieldPath(null, key.value(), -1));
                if (earlier == null) {
                    handler.value(key, node);
                }
            }
        }
        Token end = tokens.next();
        if (end.type() != Token.Type.END) {
            problems.add(end.line(), end.column(), "", "unexpected content after the document");
        }
    }

    private Node.Scalar key(Token k, Object path) throws TokenSource.SyntaxError {
        if (k.type() != Token.Type.SCALAR) {
            problems.add(k.line(), k.column(), String.valueOf(path), "keys must be plain strings");
            compose(k, MAX_DEPTH, path); // consume it
            return new Node.Scalar(k.line(), k.column(), null, false);
        }
        if (k.value() == null) {
            problems.add(k.line(), k.column(), String.valueOf(path), "null key");
        }
        return new Node.Scalar(k.line(), k.column(), k.value(), k.plain());
    }

    /** Where a node is, built into a string only when a problem is reported. */
    private record FieldPath(Object parent, String key, int index) {
        @Override
        public String toString() {
            String p = parent == null ? "" : parent.toString();
            return index >= 0 ? p + "[" + index + "]" : p.isEmpty() ? String.valueOf(key) : p + "." + key;
        }
    }

    private Node compose(Token t, int depth, Object path) throws TokenSource.SyntaxError {
        if (depth > MAX_DEPTH) {
            throw new TokenSource.SyntaxError("nested deeper than " + MAX_DEPTH + " levels at " + path, t.line(), t.column());
        }
        switch (t.type()) {
            case SCALAR -> {
                return new Node.Scalar(t.line(), t.column(), t.value(), t.plain());
            }
            case SEQ_START -> {
                List<Node> items = new ArrayList<>();
                while (true) {
                    Token n = tokens.next();
                    if (n.type() == Token.Type.SEQ_END) {
                        return new Node.Sequence(t.line(), t.column(), items);
                    }
                    items.add(compose(n, depth + 1, new FieldPath(path, null, items.size())));
                }
            }
            case MAP_START -> {
                LinkedHashMap<String, Node.Entry> entries = new LinkedHashMap<>();
                while (true) {
                    Token k = tokens.next();
                    if (k.type() == Token.Type.MAP_END) {
                        return new Node.Mapping(t.line(), t.column(), entries);
                    }
                    Node.Scalar key = key(k, path);
                    Node value = compose(tokens.next(), depth + 1, new FieldPath(path, key.value(), -1));
                    if (key.value() == null) {
                        continue;
                    }
                    Node.Entry first = entries.putIfAbsent(key.value(), new Node.Entry(key, value));
                    if (first != null) {
                        problems.add(key, new FieldPath(path, key.value(), -1).toString(),
                                "duplicate key (first at line " + first.key().line() + ")");
                    }
                }
            }
            case END -> throw new TokenSource.SyntaxError("file ends in the middle of " + path + " (truncated?)",
                    t.line(), t.column());
            default -> throw new TokenSource.SyntaxError("unexpected " + t.type() + " at " + path, t.line(), t.column());
        }
    }

    /** Refuses to read past the limit even when the file grows while it is read; a file of exactly the limit is fine. */
    private static final class Limited extends FilterInputStream {
        private long left;

        Limited(InputStream in, long limit) {
            super(in);
            this.left = limit;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0 && --left < 0) {
                throw new IOException("file grew over the size limit while being read");
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            // Ask for one byte more than is left, so that growth past the limit is seen, not cut off.
            int n = super.read(b, off, (int) Math.min(len, Math.max(1, left + 1)));
            if (n > 0) {
                left -= n;
                if (left < 0) {
                    throw new IOException("file grew over the size limit while being read");
                }
            }
            return n;
        }
    }
}

package dev.ferry.formats;

import java.io.Reader;
import java.util.Iterator;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Parse;
import org.snakeyaml.engine.v2.events.CollectionStartEvent;
import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.events.NodeEvent;
import org.snakeyaml.engine.v2.events.ScalarEvent;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * YAML 1.2 through SnakeYAML Engine's event parser (no object construction at all). Anchors,
 * aliases and tags are refused: inventories need none of them, and refusing them removes alias
 * bombs and global/Java tags at the root. Only one document per file.
 */
final class YamlTokens implements TokenSource {
    private final Reader reader;
    private final Iterator<Event> events;
    private int documents;

    YamlTokens(Reader reader, String label) {
        this.reader = reader;
        LoadSettings settings = LoadSettings.builder()
                .setLabel(label)
                .setAllowDuplicateKeys(false)
                .setMaxAliasesForCollections(0)
                .setCodePointLimit(Integer.MAX_VALUE)
                .setUseMarks(true)
                .build();
        this.events = new Parse(settings).parseReader(reader).iterator();
    }

    @Override
    public Token next() throws SyntaxError {
        while (true) {
            Event e;
            try {
                if (!events.hasNext()) {
                    return new Token(Token.Type.END, 0, 0, null, false);
                }
                e = events.next();
            } catch (MarkedYamlEngineException ex) {
                Mark m = ex.getProblemMark().or(ex::getContextMark).orElse(null);
                String msg = ex.getProblem() == null ? "malformed YAML" : ex.getProblem();
                if (ex.getContext() != null) {
                    msg = ex.getContext() + ": " + msg;
                }
                throw new SyntaxError(msg.replace('\n', ' '), m == null ? 0 : m.getLine() + 1, m == null ? 0 : m.getColumn() + 1);
            } catch (YamlEngineException ex) {
                throw new SyntaxError(String.valueOf(ex.getMessage()).replace('\n', ' '), 0, 0);
            }
            int line = e.getStartMark().map(m -> m.getLine() + 1).orElse(0);
            int col = e.getStartMark().map(m -> m.getColumn() + 1).orElse(0);
            if (e instanceof NodeEvent n && n.getAnchor().isPresent()) {
                throw new SyntaxError("anchors (&" + n.getAnchor().get() + ") are not allowed", line, col);
            }
            switch (e.getEventId()) {
                case StreamStart, StreamEnd, DocumentEnd, Comment -> {
                }
                case DocumentStart -> {
                    if (++documents > 1) {
                        throw new SyntaxError("only one YAML document per file", line, col);
                    }
                }
                case Alias -> throw new SyntaxError("aliases (*) are not allowed", line, col);
                case MappingStart -> {
                    refuseTag(((CollectionStartEvent) e).getTag(), line, col);
                    return new Token(Token.Type.MAP_START, line, col, null, false);
                }
                case SequenceStart -> {
                    refuseTag(((CollectionStartEvent) e).getTag(), line, col);
                    return new Token(Token.Type.SEQ_START, line, col, null, false);
                }
                case MappingEnd -> {
                    return new Token(Token.Type.MAP_END, line, col, null, false);
                }
                case SequenceEnd -> {
                    return new Token(Token.Type.SEQ_END, line, col, null, false);
                }
                case Scalar -> {
                    ScalarEvent s = (ScalarEvent) e;
                    refuseTag(s.getTag(), line, col);
                    boolean plain = s.isPlain();
                    String v = s.getValue();
                    if (plain && (v.isEmpty() || v.equals("~") || v.equals("null") || v.equals("Null") || v.equals("NULL"))) {
                        v = null;
                    }
                    return new Token(Token.Type.SCALAR, line, col, v, plain);
                }
                default -> throw new SyntaxError("unexpected " + e.getEventId(), line, col);
            }
        }
    }

    private static void refuseTag(Optional<String> tag, int line, int col) throws SyntaxError {
        if (tag.isPresent()) {
            throw new SyntaxError("tags (" + tag.get() + ") are not allowed", line, col);
        }
    }

    @Override
    public void close() throws java.io.IOException {
        reader.close();
    }
}

package dev.ferry.formats;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.io.Reader;

/** JSON through Jackson's streaming parser; duplicate keys are found by the composer, as for YAML. */
final class JsonTokens implements TokenSource {
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(DocumentReader.MAX_DEPTH + 2).build())
            .build();

    private final JsonParser parser;

    JsonTokens(Reader reader) throws IOException {
        this.parser = FACTORY.createParser(reader);
    }

    @Override
    public Token next() throws SyntaxError {
        try {
            JsonToken t = parser.nextToken();
            JsonLocation loc = parser.currentTokenLocation();
            int line = loc.getLineNr();
            int col = loc.getColumnNr();
            if (t == null) {
                return new Token(Token.Type.END, line, col, null, false);
            }
            return switch (t) {
                case START_OBJECT -> new Token(Token.Type.MAP_START, line, col, null, false);
                case END_OBJECT -> new Token(Token.Type.MAP_END, line, col, null, false);
                case START_ARRAY -> new Token(Token.Type.SEQ_START, line, col, null, false);
                case END_ARRAY -> new Token(Token.Type.SEQ_END, line, col, null, false);
                case FIELD_NAME -> new Token(Token.Type.SCALAR, line, col, parser.currentName(), false);
                case VALUE_STRING -> new Token(Token.Type.SCALAR, line, col, parser.getText(), false);
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT, VALUE_TRUE, VALUE_FALSE ->
                        new Token(Token.Type.SCALAR, line, col, parser.getText(), true);
                case VALUE_NULL -> new Token(Token.Type.SCALAR, line, col, null, true);
                default -> throw new SyntaxError("unexpected JSON token " + t, line, col);
            };
        } catch (JsonParseException e) {
            JsonLocation loc = e.getLocation();
            throw new SyntaxError(e.getOriginalMessage().replace('\n', ' '), loc == null ? 0 : loc.getLineNr(),
                    loc == null ? 0 : loc.getColumnNr());
        } catch (IOException e) {
            throw new SyntaxError(String.valueOf(e.getMessage()), 0, 0);
        }
    }

    @Override
    public void close() throws IOException {
        parser.close();
    }
}

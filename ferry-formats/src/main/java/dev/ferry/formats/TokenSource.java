package dev.ferry.formats;

import java.io.Closeable;

/** A stream of {@link Token}s. Malformed input surfaces as {@link SyntaxError}. */
interface TokenSource extends Closeable {
    Token next() throws SyntaxError;

    /** The document cannot be parsed further. */
    final class SyntaxError extends Exception {
        final int line;
        final int column;

        SyntaxError(String message, int line, int column) {
            super(message);
            this.line = line;
            this.column = column;
        }
    }
}

package dev.ferry.formats;

/** One step of a document, from either front end (YAML events or JSON tokens). */
record Token(Type type, int line, int column, String value, boolean plain) {
    enum Type { MAP_START, MAP_END, SEQ_START, SEQ_END, SCALAR, END }
}

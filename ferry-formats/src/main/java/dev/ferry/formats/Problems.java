package dev.ferry.formats;

import java.util.ArrayList;
import java.util.List;

/** Collects problems of one file, keeping the first {@link #LIMIT}. Not thread-safe. */
final class Problems {
    static final int LIMIT = 100;

    private final String file;
    private final List<Problem> list = new ArrayList<>();
    private int omitted;

    Problems(String file) {
        this.file = file;
    }

    String file() {
        return file;
    }

    void add(int line, int column, String field, String message) {
        if (list.size() < LIMIT) {
            list.add(new Problem(file, line, column, field, message));
        } else {
            omitted++;
        }
    }

    void add(Node at, String field, String message) {
        add(at == null ? 0 : at.line(), at == null ? 0 : at.column(), field, message);
    }

    void clear() {
        list.clear();
        omitted = 0;
    }

    boolean any() {
        return !list.isEmpty();
    }

    void throwIfAny() throws InvalidInputException {
        if (!list.isEmpty()) {
            throw new InvalidInputException(list, omitted);
        }
    }
}

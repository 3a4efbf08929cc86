package dev.ferry.formats;

import java.util.List;

/** An input file was rejected; every problem found is listed (up to a limit), each with file, line and field. */
public final class InvalidInputException extends Exception {
    private final List<Problem> problems;
    private final int omitted;

    public InvalidInputException(List<Problem> problems, int omitted) {
        super(problems.isEmpty() ? "invalid input" : problems.get(0).toString());
        this.problems = List.copyOf(problems);
        this.omitted = omitted;
    }

    public List<Problem> problems() {
        return problems;
    }

    /** Problems found beyond the reporting limit. */
    public int omitted() {
        return omitted;
    }
}

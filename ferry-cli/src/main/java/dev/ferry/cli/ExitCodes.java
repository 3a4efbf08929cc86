package dev.ferry.cli;

/** Exit codes of every command (docs/cli.md). */
final class ExitCodes {
    static final int DONE = 0;
    /** Ferry itself is wrong (a plan failed its own verification). */
    static final int INTERNAL = 1;
    /** Invalid input; the message names file, line and field. */
    static final int INVALID_INPUT = 2;
    /** Infeasible; the reasons name the instance, host or constraint. */
    static final int INFEASIBLE = 3;
    /** A campaign halted. */
    static final int HALTED = 4;

    private ExitCodes() {
    }
}

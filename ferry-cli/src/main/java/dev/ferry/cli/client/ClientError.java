package dev.ferry.cli.client;

/** What ends a client command early: one line for the user and the exit code it means (docs/cli.md). */
final class ClientError extends Exception {
    /** Invalid input: an option, a file, or a request the server refused as invalid (400, 404, 409, 413, 422). */
    static final int INVALID = 2;
    /** The server refused the token (401) or its role may not do this (403). */
    static final int REFUSED = 5;
    /** The server could not be reached, or could not answer now (429, 5xx). */
    static final int UNAVAILABLE = 6;

    private final int exitCode;

    ClientError(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}

package dev.ferry.server;

/**
 * A request the server answers with an error ({@code application/problem+json}): the status, a
 * short title and a message that says what to do. Thrown by services, mapped in one place.
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String title;
    private final Long retryAfterSeconds;

    public ApiException(int status, String title, String detail) {
        this(status, title, detail, null);
    }

    public ApiException(int status, String title, String detail, Long retryAfterSeconds) {
        super(detail);
        this.status = status;
        this.title = title;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public static ApiException badRequest(String detail) {
        return new ApiException(400, "Bad Request", detail);
    }

    /** The same answer for an object that does not exist and for one of another tenant. */
    public static ApiException notFound(String kind) {
        return new ApiException(404, "Not Found", "no such " + kind);
    }

    public static ApiException conflict(String detail) {
        return new ApiException(409, "Conflict", detail);
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    public Long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}

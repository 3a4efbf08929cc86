package dev.ferry.server.api;

import dev.ferry.server.Refused;

/**
 * An answer with an error ({@code application/problem+json}): the status, a short title, a message
 * that says what to do, and for a refusal that has one its machine-readable reason. Made by the
 * HTTP layer (authentication, limits, a body that is not JSON) or from a service's {@link Refused}.
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String title;
    private final Long retryAfterSeconds;
    private final String reason;

    public ApiException(int status, String title, String detail) {
        this(status, title, detail, null);
    }

    public ApiException(int status, String title, String detail, Long retryAfterSeconds) {
        this(status, title, detail, retryAfterSeconds, null);
    }

    private ApiException(int status, String title, String detail, Long retryAfterSeconds, String reason) {
        super(detail);
        this.status = status;
        this.title = title;
        this.retryAfterSeconds = retryAfterSeconds;
        this.reason = reason;
    }

    /** A service's refusal as an answer: the one place kinds of refusal become status codes. */
    public static ApiException of(Refused r) {
        return switch (r.kind()) {
            case INVALID -> new ApiException(400, "Bad Request", r.getMessage(), r.retryAfterSeconds(), r.reason());
            case INVALID_DOCUMENT -> new ApiException(400, "Invalid Input", r.getMessage(), r.retryAfterSeconds(), r.reason());
            case NOT_FOUND -> new ApiException(404, "Not Found", r.getMessage(), r.retryAfterSeconds(), r.reason());
            case FORBIDDEN -> new ApiException(403, "Forbidden", r.getMessage(), r.retryAfterSeconds(), r.reason());
            case CONFLICT -> new ApiException(409, "Conflict", r.getMessage(), r.retryAfterSeconds(), r.reason());
            case UNAVAILABLE -> new ApiException(503, "Service Unavailable", r.getMessage(), r.retryAfterSeconds(), r.reason());
        };
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

    /** The refusal's machine-readable reason, or null. */
    public String reason() {
        return reason;
    }
}

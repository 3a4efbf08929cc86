package dev.ferry.cli.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.StringJoiner;
import java.util.function.BiPredicate;

/**
 * A controller's HTTP API as the client commands use it: a bearer token on every request, JSON
 * answers, and every failure turned into one line with its exit code ({@link ClientError}): the
 * server's problem detail when it answered with one. Thread-safe.
 */
final class ServerApi {
    static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final String token;
    private final HttpClient http;

    ServerApi(URI base, String token) {
        this.base = base;
        this.token = token;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    URI base() {
        return base;
    }

    JsonNode get(String path) throws ClientError {
        return send("GET", path, null, null);
    }

    /** A JSON body (null for none). */
    JsonNode post(String path, Object body) throws ClientError {
        try {
            return send("POST", path, body == null ? null : JSON.writeValueAsString(body), "application/json");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A document file as it is, streamed (a fleet may be large): YAML, or JSON when its first character says so. */
    JsonNode sendDocument(String method, String path, java.nio.file.Path file) throws ClientError {
        String type;
        HttpRequest.BodyPublisher body;
        try (InputStream in = java.nio.file.Files.newInputStream(file)) {
            String head = new String(in.readNBytes(4096), StandardCharsets.UTF_8).stripLeading();
            type = head.startsWith("{") ? "application/json" : "application/yaml";
            body = HttpRequest.BodyPublishers.ofFile(file);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new ClientError(ClientError.INVALID, "no such file: " + file);
        } catch (IOException e) {
            throw new ClientError(ClientError.INVALID, "cannot read " + file + ": " + e.getMessage());
        }
        return exchangeJson(method, path, body, type);
    }

    JsonNode send(String method, String path, String body, String contentType) throws ClientError {
        return exchangeJson(method, path, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body),
                contentType);
    }

    private JsonNode exchangeJson(String method, String path, HttpRequest.BodyPublisher body, String contentType) throws ClientError {
        HttpRequest.Builder b = request(path).method(method, body).timeout(Duration.ofSeconds(600));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        HttpResponse<String> r = exchange(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() >= 300) {
            throw refused(r.statusCode(), r.body());
        }
        try {
            return r.body().isBlank() ? JSON.nullNode() : JSON.readTree(r.body());
        } catch (IOException e) {
            throw new ClientError(ClientError.UNAVAILABLE, "the server at " + base + " answered something that is not JSON: "
                    + abbreviate(r.body()));
        }
    }

    /** A stream silent this long has broken off: the server sends a keep-alive at least every 15 s. */
    static final Duration STREAM_SILENCE = Duration.ofSeconds(60);

    /**
     * Follows a server-sent event stream: each event's name and data go to {@code onEvent} until it
     * returns false or the stream ends. A stream silent for {@link #STREAM_SILENCE} (a connection
     * half-open) is given up.
     */
    void stream(String path, BiPredicate<String, String> onEvent) throws ClientError {
        HttpRequest req = request(path).header("Accept", "text/event-stream").GET().build();
        HttpResponse<InputStream> r = exchange(req, HttpResponse.BodyHandlers.ofInputStream());
        java.util.concurrent.atomic.AtomicLong heard = new java.util.concurrent.atomic.AtomicLong(System.nanoTime());
        java.util.concurrent.atomic.AtomicBoolean silent = new java.util.concurrent.atomic.AtomicBoolean();
        Thread watchdog = Thread.ofVirtual().name("stream-watchdog").start(() -> {
            try {
                while (System.nanoTime() - heard.get() < STREAM_SILENCE.toNanos()) {
                    Thread.sleep(1_000);
                }
                silent.set(true);
                r.body().close(); // the blocked read ends with an IOException
            } catch (InterruptedException | IOException e) {
                // the stream ended first
            }
        });
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            if (r.statusCode() >= 300) {
                StringBuilder body = new StringBuilder();
                for (String line; (line = in.readLine()) != null; ) {
                    body.append(line);
                }
                throw refused(r.statusCode(), body.toString());
            }
            String event = "message";
            StringJoiner data = new StringJoiner("\n");
            for (String line; (line = in.readLine()) != null; ) {
                heard.set(System.nanoTime());
                if (line.isEmpty()) {
                    if (data.length() > 0 && !onEvent.test(event, data.toString())) {
                        return;
                    }
                    event = "message";
                    data = new StringJoiner("\n");
                } else if (line.startsWith("event:")) {
                    event = line.substring(6).strip();
                } else if (line.startsWith("data:")) {
                    data.add(line.substring(5).stripLeading());
                }
            }
            if (silent.get()) {
                throw new ClientError(ClientError.UNAVAILABLE, "the event stream from " + base + " fell silent for "
                        + STREAM_SILENCE.toSeconds() + " s");
            }
        } catch (IOException e) {
            throw new ClientError(ClientError.UNAVAILABLE, "the event stream from " + base + (silent.get() ? " fell silent for "
                    + STREAM_SILENCE.toSeconds() + " s" : " broke off: " + e.getMessage()));
        } finally {
            watchdog.interrupt();
        }
    }

    /** A path with query parameters (null values left out), each encoded. */
    static String query(String path, Map<String, ?> params) {
        StringJoiner q = new StringJoiner("&");
        params.forEach((k, v) -> {
            if (v != null) {
                q.add(k + "=" + URLEncoder.encode(String.valueOf(v), StandardCharsets.UTF_8));
            }
        });
        return q.length() == 0 ? path : path + "?" + q;
    }

    /** A path segment (an id), encoded. */
    static String segment(String id) {
        return URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private HttpRequest.Builder request(String path) {
        // relative to the server's URL, so that a controller behind a proxy's path prefix is reached under it
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path.startsWith("/") ? path.substring(1) : path));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    private <T> HttpResponse<T> exchange(HttpRequest req, HttpResponse.BodyHandler<T> handler) throws ClientError {
        try {
            return http.send(req, handler);
        } catch (ConnectException | HttpConnectTimeoutException e) {
            throw new ClientError(ClientError.UNAVAILABLE, "cannot reach the server at " + base + " (" + describe(e) + ")");
        } catch (IOException e) {
            throw new ClientError(ClientError.UNAVAILABLE, "no answer from the server at " + base + " (" + describe(e) + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClientError(ClientError.UNAVAILABLE, "interrupted");
        }
    }

    private static String describe(Exception e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    /** The server's refusal: its problem detail (RFC 9457) when it sent one, with the status and the exit code it means. */
    ClientError refused(int status, String body) {
        String detail = null;
        try {
            JsonNode p = JSON.readTree(body);
            if (p != null && p.hasNonNull("detail")) {
                detail = p.get("detail").asText();
            } else if (p != null && p.hasNonNull("title")) {
                detail = p.get("title").asText();
            }
        } catch (IOException e) {
            // not a problem document
        }
        if (detail == null) {
            detail = body == null || body.isBlank() ? "no detail" : abbreviate(body);
        }
        int code = status == 401 || status == 403 ? ClientError.REFUSED
                : status == 429 || status >= 500 ? ClientError.UNAVAILABLE : ClientError.INVALID;
        String what = switch (status) {
            case 401 -> "the server did not accept the token";
            case 403 -> "not allowed for this token";
            case 404 -> "not found";
            case 409 -> "refused";
            default -> "the server answered " + status;
        };
        return new ClientError(code, what + " (" + status + "): " + detail);
    }

    private static String abbreviate(String s) {
        String line = s.strip().replaceAll("\\s+", " ");
        return line.length() > 200 ? line.substring(0, 200) + "…" : line;
    }
}

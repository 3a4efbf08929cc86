package dev.ferry.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/**
 * JSON over HTTP between Ferry's parts: the controller's side of the agent's API, and the agent's
 * reports to the controller. A refusal is a {@link Refused} with its status.
 */
public final class AgentClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** The agent answered with an error status. */
    public static final class Refused extends IOException {
        private final int status;

        Refused(int status, String detail) {
            super(detail);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    private final String base;
    private final String token;

    public AgentClient(String host, int port) {
        this("http://" + host + ":" + port, null);
    }

    /** Any Ferry JSON endpoint: an agent, or the controller with a bearer token (the agent's reports). */
    public AgentClient(String baseUrl, String token) {
        this.base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.token = token;
    }

    public JsonNode get(String path) throws IOException, InterruptedException {
        return send("GET", path, null, null);
    }

    public JsonNode post(String path, Map<String, ?> body) throws IOException, InterruptedException {
        return send("POST", path, JSON.writeValueAsString(body), "application/json");
    }

    /** Any method with a text body of the given type (a fleet or an advisory in YAML, say); null body: none. */
    public JsonNode send(String method, String path, String body, String contentType) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", contentType);
        }
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json = r.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(r.body());
        if (r.statusCode() >= 300) {
            throw new Refused(r.statusCode(), json.path("detail").asText(r.body()));
        }
        return json;
    }
}

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

    /** The header that carries the controller's term to an agent (safety rule 11). */
    public static final String TERM_HEADER = "Ferry-Term";

    private final String base;
    private final String token;
    private final long term;
    private final HttpClient http;
    /** The peer must present a certificate naming this (null: any, or plain HTTP). */
    private final dev.ferry.agent.tls.FleetTls.Identity expected;
    /** Asked before every command (not reads): false, and nothing is sent (a controller whose lease may have run out). */
    private final java.util.function.BooleanSupplier mayCommand;
    /** How long a command waits for {@link #mayCommand} to allow it. */
    private final long guardWaitMs;
    /** Run right before each request leaves (the driver's dispatch latency); nothing by default. */
    private final Runnable beforeSend;
    private static final java.util.Map<javax.net.ssl.SSLContext, HttpClient> TLS_CLIENTS = new java.util.concurrent.ConcurrentHashMap<>();

    public AgentClient(String host, int port) {
        this("http://" + host + ":" + port, null);
    }

    /** Any Ferry JSON endpoint: an agent, or the controller with a bearer token (the agent's reports). */
    public AgentClient(String baseUrl, String token) {
        this(baseUrl, token, 0, HTTP, null, () -> true, GUARD_WAIT_MS, () -> {
        });
    }

    private AgentClient(String baseUrl, String token, long term, HttpClient http, dev.ferry.agent.tls.FleetTls.Identity expected,
                        java.util.function.BooleanSupplier mayCommand, long guardWaitMs, Runnable beforeSend) {
        this.base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.token = token;
        this.term = term;
        this.http = http;
        this.expected = expected;
        this.mayCommand = mayCommand;
        this.guardWaitMs = guardWaitMs;
        this.beforeSend = beforeSend;
    }

    /**
     * This client sends a command (any method but GET) only while {@code guard} says so; when it does
     * not, the command waits for it up to {@value #GUARD_WAIT_MS} ms, then fails with an IOException
     * and nothing is sent (a leader whose lease may have run out).
     */
    public AgentClient withGuard(java.util.function.BooleanSupplier guard) {
        return withGuard(guard, GUARD_WAIT_MS);
    }

    /** As {@link #withGuard(java.util.function.BooleanSupplier)}, a command waiting for the guard up to {@code waitMs}. */
    public AgentClient withGuard(java.util.function.BooleanSupplier guard, long waitMs) {
        return new AgentClient(base, token, term, http, expected, guard, waitMs, beforeSend);
    }

    /**
     * This client over mutual TLS (https): it presents {@code tls}'s certificate, trusts only the
     * fleet CA (and checks the address against the peer's certificate), and takes an answer only
     * from a peer whose certificate names {@code peer} (a controller of any name when its name is
     * null).
     */
    public AgentClient withTls(dev.ferry.agent.tls.FleetTls tls, dev.ferry.agent.tls.FleetTls.Identity peer) {
        HttpClient client = TLS_CLIENTS.computeIfAbsent(tls.context(), c -> HttpClient.newBuilder().sslContext(c)
                .connectTimeout(Duration.ofSeconds(5)).build());
        String url = base.startsWith("http://") ? "https://" + base.substring("http://".length()) : base;
        return new AgentClient(url, token, term, client, peer, mayCommand, guardWaitMs, beforeSend);
    }

    /**
     * This client with the leader's term on every request: the agent refuses a command below the
     * highest term it has seen and raises its highest to this one (0: none sent).
     */
    public AgentClient withTerm(long leaderTerm) {
        return new AgentClient(base, token, leaderTerm, http, expected, mayCommand, guardWaitMs, beforeSend);
    }

    /** This client running {@code hook} on the calling thread right before each request leaves. */
    public AgentClient beforeEachRequest(Runnable hook) {
        return new AgentClient(base, token, term, http, expected, mayCommand, guardWaitMs, hook);
    }

    public long term() {
        return term;
    }

    public JsonNode get(String path) throws IOException, InterruptedException {
        return send("GET", path, null, null);
    }

    public JsonNode post(String path, Map<String, ?> body) throws IOException, InterruptedException {
        return send("POST", path, JSON.writeValueAsString(body), "application/json");
    }

    /**
     * How long a command waits for the guard to allow it again, by default: a leader starved past its lease
     * renews it as soon as it runs again, and its commands go out then (still fenced by its term);
     * one that lost the lease never gets the guard back, and sends nothing.
     */
    static final long GUARD_WAIT_MS = 10_000;

    private boolean mayCommand() throws InterruptedException {
        long deadline = System.nanoTime() + guardWaitMs * 1_000_000;
        while (!mayCommand.getAsBoolean()) {
            if (System.nanoTime() >= deadline) {
                return false;
            }
            Thread.sleep(20); // the guard has no way to tell us: its lease is renewed on another thread
        }
        return true;
    }

    /** Any method with a text body of the given type (a fleet or an advisory in YAML, say); null body: none. */
    public JsonNode send(String method, String path, String body, String contentType) throws IOException, InterruptedException {
        if (!method.equals("GET") && !mayCommand()) {
            throw new IOException("not sent: this controller's lease may have run out (term " + term + ")");
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", contentType);
        }
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (term > 0) {
            b.header(TERM_HEADER, Long.toString(term));
        }
        HttpRequest request = b.build();
        beforeSend.run();
        HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (expected != null) {
            var peer = r.sslSession().map(dev.ferry.agent.tls.FleetTls::peer).orElse(null);
            boolean ok = peer != null && peer.role() == expected.role() && (expected.name() == null || expected.name().equals(peer.name()));
            if (!ok) {
                throw new IOException(base + " presented a certificate for " + (peer == null ? "no one" : peer)
                        + "; expected " + (expected.name() == null ? "a controller" : expected));
            }
        }
        JsonNode json = r.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(r.body());
        if (r.statusCode() >= 300) {
            throw new Refused(r.statusCode(), json.path("detail").asText(r.body()));
        }
        return json;
    }
}

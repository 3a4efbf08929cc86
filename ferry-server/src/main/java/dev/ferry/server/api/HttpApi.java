package dev.ferry.server.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.ferry.server.AuditLog;
import dev.ferry.server.Principal;
import dev.ferry.server.Refused;
import dev.ferry.server.Tokens;
import dev.ferry.store.RequestStore;
import dev.ferry.store.StoreException;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import io.javalin.http.staticfiles.Location;
import io.javalin.router.Endpoint;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The HTTP layer. Every request goes through the same steps, in this order: request id; body size
 * limit (413); authentication (401) and the role the path needs (403) — {@code /v1/tenant/...} is
 * for tenant tokens, the rest of {@code /v1} and {@code /metrics} for operator tokens,
 * {@code /health} and {@code /openapi.yaml} for anyone; per-token rate limit (429 with
 * Retry-After); idempotency keys on mutating requests (a replay answers the stored response, the
 * same key with another request → 409). Errors are {@code application/problem+json}: the services'
 * refusals ({@link Refused}) are turned into status codes here, and nowhere else. Refused attempts
 * are audited.
 */
public final class HttpApi implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(HttpApi.class);

    /** Limits and switches of the HTTP layer. */
    public record Limits(long maxBodyBytes, long maxInventoryBytes, double requestsPerSecond, long burst) {
    }

    static final String PRINCIPAL = "ferry.principal";
    static final String REQUEST_ID = "ferry.request-id";
    private static final String IDEMPOTENCY = "ferry.idempotency";
    private static final String STARTED = "ferry.started";
    private static final Pattern REQUEST_ID_FORMAT = Pattern.compile("[A-Za-z0-9._-]{1,100}");

    /**
     * On every answer: the dashboard's scripts and styles only from this server (no inline code, so
     * injected markup cannot run), no framing, no referrer, no MIME sniffing.
     */
    static final Map<String, String> SECURITY_HEADERS = Map.of(
            "Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
                    + " connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
            "X-Content-Type-Options", "nosniff",
            "Referrer-Policy", "no-referrer",
            "X-Frame-Options", "DENY");

    static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private final Javalin app;
    private final Tokens tokens;
    private final RequestStore requests;
    private final AuditLog audit;
    private final InstantSource clock;
    private final Limits limits;
    private final Metrics metrics;
    private final Routes routes;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    /** Mutual TLS with the fleet CA (null: plain HTTP). */
    private final dev.ferry.agent.tls.FleetTls tls;
    private volatile String listenHost;
    private volatile int listenPort;

    public HttpApi(Routes routes, Tokens tokens, RequestStore requests, AuditLog audit, InstantSource clock, Limits limits,
                   dev.ferry.agent.tls.FleetTls tls) {
        this.tls = tls;
        this.tokens = tokens;
        this.requests = requests;
        this.audit = audit;
        this.clock = clock;
        this.limits = limits;
        this.routes = routes;
        this.metrics = new Metrics(routes.campaigns(), routes.cluster(), routes.streams());
        this.app = Javalin.create(config -> configure(config, routes));
    }

    private void configure(JavalinConfig config, Routes routes) {
        if (tls != null) {
            // https only; a client certificate is asked for (agents report with theirs), not required (tokens)
            config.jetty.addConnector((server, http) -> tls.connector(server, http, listenHost, listenPort, false));
        }
        config.http.maxRequestSize = limits.maxInventoryBytes();
        config.startup.showJavalinBanner = false;
        config.concurrency.useVirtualThreads = true;
        // the dashboard: static files from the classpath, Chart.js from its WebJar; no data in them, so no token
        config.staticFiles.add(sf -> {
            sf.hostedPath = "/";
            sf.directory = "/dashboard";
            sf.location = Location.CLASSPATH;
            sf.headers = SECURITY_HEADERS;
        });
        config.staticFiles.enableWebjars();
        config.routes.before(this::begin);
        config.routes.get("/health", ctx -> json(ctx, 200, Map.of("status", "ok", "role",
                routes.cluster().leading() ? "leader" : "standby")));
        config.routes.get("/openapi.yaml", this::openApi);
        config.routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4").result(metrics.scrape()));
        routes.register(config);
        config.routes.after(this::finish);
        config.routes.exception(ApiException.class, (e, ctx) -> problem(ctx, e));
        config.routes.exception(Refused.class, (e, ctx) -> problem(ctx, ApiException.of(e)));
        config.routes.exception(UnrecognizedPropertyException.class, (e, ctx) -> problem(ctx, ApiException.badRequest(
                "field '" + e.getPropertyName() + "' cannot be set: it is server-owned or misspelled (allowed: "
                        + e.getKnownPropertyIds() + ")")));
        config.routes.exception(JsonProcessingException.class, (e, ctx) -> problem(ctx, ApiException.badRequest(
                "the body is not the JSON this endpoint takes: " + e.getOriginalMessage())));
        config.routes.exception(HttpResponseException.class, (e, ctx) -> problem(ctx,
                new ApiException(e.getStatus(), title(e.getStatus()), e.getMessage())));
        config.routes.exception(StoreException.class, (e, ctx) -> problem(ctx,
                new ApiException(503, "Service Unavailable", "the database is unavailable; try again", 5L)));
        config.routes.exception(Exception.class, (e, ctx) -> {
            LOG.error("internal error on {} {} (request {})", ctx.method(), ctx.path(), ctx.attribute(REQUEST_ID), e);
            problem(ctx, new ApiException(500, "Internal Server Error", "internal error; request id " + ctx.attribute(REQUEST_ID)));
        });
        config.requestLogger.http((ctx, ms) -> logged(ctx));
    }

    public HttpApi start(String host, int port) {
        this.listenHost = host;
        this.listenPort = port;
        app.start(host, port);
        return this;
    }

    public int port() {
        return app.port();
    }

    @Override
    public void close() {
        // event streams end first: their handlers must return before Jetty recycles their requests
        routes.campaigns().releaseWatchers();
        try {
            routes.streams().awaitEnded(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        app.stop();
    }

    // ------------------------------------------------------------------ the steps of every request

    /**
     * A host agent's client certificate (over mutual TLS) stands for an agent token of the host it
     * names: it reports for that host only. Other certificates (a controller's) carry no role here.
     */
    private Optional<Principal> agentCertificate(Context ctx) {
        if (tls == null) {
            return Optional.empty();
        }
        Object chain = ctx.req().getAttribute(dev.ferry.agent.tls.FleetTls.CLIENT_CERTIFICATES);
        var id = dev.ferry.agent.tls.FleetTls.client(chain);
        if (id == null || id.role() != dev.ferry.agent.tls.FleetCa.Role.AGENT) {
            return Optional.empty();
        }
        String fingerprint;
        try {
            fingerprint = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(((java.security.cert.X509Certificate[]) chain)[0].getEncoded()));
        } catch (java.security.GeneralSecurityException e) {
            return Optional.empty();
        }
        return Optional.of(new Principal("certificate " + id, Principal.Role.AGENT, id.name(), "cert:" + fingerprint));
    }

    private void begin(Context ctx) {
        ctx.attribute(STARTED, System.nanoTime());
        String rid = ctx.header("X-Request-Id");
        rid = rid != null && REQUEST_ID_FORMAT.matcher(rid).matches() ? rid : UUID.randomUUID().toString();
        ctx.attribute(REQUEST_ID, rid);
        ctx.header("X-Request-Id", rid);
        String path = ctx.path();
        SECURITY_HEADERS.forEach(ctx::header);
        boolean publicPath = !path.startsWith("/v1/") && !path.equals("/metrics");
        long max = path.equals("/v1/inventory") ? limits.maxInventoryBytes() : limits.maxBodyBytes();
        long length = ctx.req().getContentLengthLong();
        if (length > max) {
            throw new ApiException(413, "Content Too Large", "the body is " + length + " bytes; this endpoint takes at most " + max);
        }
        if (publicPath) {
            return;
        }
        String auth = ctx.header("Authorization");
        Optional<Principal> who = auth != null && auth.startsWith("Bearer ") ? tokens.authenticate(auth.substring(7).trim())
                : agentCertificate(ctx);
        if (who.isEmpty()) {
            ctx.header("WWW-Authenticate", "Bearer");
            throw new ApiException(401, "Unauthorized", "a valid bearer token is required (Authorization: Bearer <token>)");
        }
        Principal p = who.get();
        ctx.attribute(PRINCIPAL, p);
        boolean anyRole = path.equals("/v1/me");
        if (anyRole) {
            rateLimit(p);
            return;
        }
        Principal.Role needed = path.startsWith("/v1/tenant/") || path.equals("/v1/tenant") ? Principal.Role.TENANT
                : path.startsWith("/v1/agent/") ? Principal.Role.AGENT : Principal.Role.OPERATOR;
        if (p.role() != needed) {
            throw new ApiException(403, "Forbidden", switch (needed) {
                case TENANT -> "tenant endpoints take a tenant token";
                case AGENT -> "agent endpoints take a host agent's token";
                case OPERATOR -> "this endpoint is for operators; a " + p.role().name().toLowerCase(java.util.Locale.ROOT)
                        + " token cannot use it";
            });
        }
        rateLimit(p);
        if (mutating(ctx.method())) {
            if (ctx.req().getContentLengthLong() < 0) {
                readLimited(ctx, max);
            }
            idempotency(ctx, p);
        }
    }

    private void rateLimit(Principal p) {
        Bucket bucket = buckets.computeIfAbsent(p.tokenHash(), k -> Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(limits.burst())
                        .refillGreedy(1, Duration.ofNanos((long) (1e9 / limits.requestsPerSecond()))).build())
                .build());
        ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
        if (!probe.isConsumed()) {
            long seconds = Math.max(1, (probe.getNanosToWaitForRefill() + 999_999_999L) / 1_000_000_000L);
            throw new ApiException(429, "Too Many Requests", "rate limit of this token exceeded; retry in " + seconds + " s", seconds);
        }
    }

    /** A body without Content-Length (chunked) is read with the limit enforced while reading. */
    private static void readLimited(Context ctx, long max) {
        try (InputStream in = ctx.req().getInputStream()) {
            byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
            if (body.length > max) {
                throw new ApiException(413, "Content Too Large", "the body is over " + max + " bytes, the limit of this endpoint");
            }
            ctx.attribute("ferry.body", body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] body(Context ctx) {
        byte[] read = ctx.attribute("ferry.body");
        return read != null ? read : ctx.bodyAsBytes();
    }

    private void idempotency(Context ctx, Principal p) {
        String key = ctx.header("Idempotency-Key");
        if (key == null) {
            return;
        }
        if (key.isEmpty() || key.length() > 200) {
            throw ApiException.badRequest("Idempotency-Key must be 1 to 200 characters");
        }
        String bodyHash = Tokens.sha256(body(ctx));
        String method = ctx.method().name();
        String path = ctx.path();
        long now = clock.millis();
        RequestStore.Stored stored = requests.begin(p.tokenHash(), key, method, path, bodyHash, now);
        if (stored == null) {
            ctx.attribute(IDEMPOTENCY, key);
            return;
        }
        if (!stored.method().equals(method) || !stored.path().equals(path) || !stored.bodyHash().equals(bodyHash)) {
            throw ApiException.conflict("Idempotency-Key '" + key + "' was used for a different request; use a new key");
        }
        if (stored.status() == null) {
            throw new ApiException(409, "Conflict", "a request with this Idempotency-Key is still in progress", 1L);
        }
        ctx.header("Idempotent-Replayed", "true");
        ctx.status(stored.status());
        if (stored.contentType() != null) {
            ctx.contentType(stored.contentType());
        }
        ctx.result(stored.response() == null ? "" : stored.response());
        ctx.skipRemainingHandlers();
    }

    private void finish(Context ctx) {
        String key = ctx.attribute(IDEMPOTENCY);
        Principal p = ctx.attribute(PRINCIPAL);
        if (key == null || p == null) {
            return;
        }
        int status = ctx.statusCode();
        if (status >= 500) {
            requests.forget(p.tokenHash(), key); // nothing was decided: let the client retry with the same key
        } else {
            requests.finish(p.tokenHash(), key, status, ctx.res().getContentType(), ctx.result());
        }
    }

    /** After every request: latency metrics, and an audit line for each refused attempt. */
    private void logged(Context ctx) {
        Long started = ctx.attribute(STARTED);
        int status = ctx.statusCode();
        Endpoint e = ctx.endpoints().matchedHttpEndpoint();
        String route = e == null ? "unmatched" : e.path;
        if (started != null) {
            metrics.request(ctx.method().name(), route, status, System.nanoTime() - started);
        }
        boolean refused = status == 401 || status == 403 || status == 413 || status == 429
                || status >= 400 && status < 500 && mutating(ctx.method());
        if (refused) {
            Principal p = ctx.attribute(PRINCIPAL);
            try {
                audit.refused(clock.millis(), p == null ? "anonymous" : p.actor(), ctx.attribute(REQUEST_ID),
                        ctx.method().name() + " " + route, ctx.path(), status + " " + AuditLog.cut(ctx.result(), 500));
            } catch (RuntimeException ignored) {
                // the database is down: the request was refused anyway
            }
        }
    }

    private static boolean mutating(HandlerType m) {
        return m == HandlerType.POST || m == HandlerType.PUT || m == HandlerType.PATCH || m == HandlerType.DELETE;
    }

    private void openApi(Context ctx) throws IOException {
        try (InputStream in = HttpApi.class.getResourceAsStream("/openapi.yaml")) {
            if (in == null) {
                throw new ApiException(404, "Not Found", "the OpenAPI document is not packaged");
            }
            ctx.contentType("application/yaml").result(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    // ------------------------------------------------------------------ answers

    static void json(Context ctx, int status, Object body) {
        try {
            ctx.status(status).contentType("application/json").result(JSON.writeValueAsString(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static void problem(Context ctx, ApiException e) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("type", "about:blank");
        p.put("title", e.title());
        p.put("status", e.status());
        p.put("detail", e.getMessage());
        if (e.reason() != null) {
            p.put("reason", e.reason());
        }
        if (e.retryAfterSeconds() != null) {
            ctx.header("Retry-After", Long.toString(e.retryAfterSeconds()));
        }
        try {
            ctx.status(e.status()).contentType("application/problem+json").result(JSON.writeValueAsString(p));
        } catch (JsonProcessingException x) {
            throw new IllegalStateException(x);
        }
    }

    private static String title(int status) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 404 -> "Not Found";
            case 413 -> "Content Too Large";
            default -> "Error";
        };
    }

    static <T> T read(Context ctx, Class<T> type) throws IOException {
        byte[] body = body(ctx);
        if (body.length == 0) {
            throw ApiException.badRequest("a JSON body is required");
        }
        T value = JSON.readValue(body, type);
        if (value == null) {
            throw ApiException.badRequest("a JSON object is required");
        }
        return value;
    }
}

package dev.ferry.agent.host;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The metadata service each guest on this host reads its maintenance events from, in the shapes
 * guest software already understands: EC2's {@code /latest/meta-data/events/maintenance/scheduled},
 * GCE's {@code /computeMetadata/v1/instance/maintenance-event} (with {@code wait_for_change} and
 * ETag) and Azure's Scheduled Events ({@code /metadata/scheduledevents}, with its acknowledgement,
 * which Ferry takes as the tenant's "do it now").
 *
 * <p>A guest is identified by where its request arrives, never by anything it sends: every guest
 * has its own listener, a Unix socket in its instance directory ({@code metadata.sock}, mode 0600,
 * owned by the agent), which the hypervisor connects to that guest alone. A guest has no address
 * or name to ask for another's events with; the listener it reaches serves its own.
 */
final class GuestMetadata implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter EC2_TIME = DateTimeFormatter.ofPattern("d MMM yyyy HH:mm:ss 'GMT'", Locale.ENGLISH)
            .withZone(ZoneOffset.UTC);
    /** The longest a GCE wait_for_change request is held. */
    private static final int MAX_WAIT_SECONDS = 3600;
    /** At most this many requests of one guest wait for a change at once (429 beyond). */
    static final int MAX_WAITING_PER_GUEST = 8;
    /** An acknowledgement's body: at most this many bytes and this many StartRequests. */
    static final int MAX_BODY_BYTES = 16 * 1024;
    static final int MAX_START_REQUESTS = 16;

    /** The guest acknowledged an event (Azure's StartRequests): the controller's status, or an IOException. */
    interface Acknowledge {
        void now(String instance, String eventId) throws IOException, InterruptedException;
    }

    private final GuestEvents events;
    private final Acknowledge acknowledge;
    private final Server server;
    private final Map<String, UnixDomainServerConnector> listeners = new ConcurrentHashMap<>();
    private final Map<String, java.util.concurrent.atomic.AtomicInteger> waiting = new ConcurrentHashMap<>();

    GuestMetadata(GuestEvents events, Acknowledge acknowledge) {
        this.events = events;
        this.acknowledge = acknowledge;
        // each guest's connector keeps one selector thread (no acceptor threads: its selector accepts);
        // requests run on virtual threads
        QueuedThreadPool pool = new QueuedThreadPool(4096, 2);
        pool.setReservedThreads(0);
        pool.setName("guest-metadata");
        pool.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor()); // waits for a change hold no platform thread
        this.server = new Server(pool);
        server.setHandler(new Views());
    }

    /** The server starts with the first guest's listener: an agent without guests holds no thread for it. */
    private void started() throws IOException {
        if (!server.isStarted()) {
            try {
                server.start();
            } catch (Exception e) {
                throw new IOException("the guest metadata service did not start: " + e.getMessage(), e);
            }
        }
    }

    /** Opens the guest's listener at {@code socket} (replacing one a stopped agent left). */
    synchronized void open(String instance, Path socket) throws IOException {
        started();
        close(instance);
        Files.deleteIfExists(socket);
        UnixDomainServerConnector c = new UnixDomainServerConnector(server, 0, 1, new org.eclipse.jetty.server.HttpConnectionFactory());
        c.setUnixDomainPath(socket);
        c.setName(instance);
        server.addConnector(c);
        try {
            c.start();
        } catch (Exception e) {
            server.removeConnector(c);
            throw new IOException("the metadata socket " + socket + " did not open: " + e.getMessage(), e);
        }
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        listeners.put(instance, c);
    }

    /** Closes the guest's listener (it stopped or left this host). */
    synchronized void close(String instance) {
        waiting.remove(instance);
        UnixDomainServerConnector c = listeners.remove(instance);
        if (c != null) {
            // no new connections; an answer being written (an acknowledgement whose move stops the guest) still goes out
            Thread.ofVirtual().name("metadata-close-" + instance).start(() -> {
                try {
                    c.shutdown().get(1, java.util.concurrent.TimeUnit.SECONDS);
                } catch (Exception ignored) {
                    // a connection kept open: closed now
                }
                try {
                    c.stop();
                } catch (Exception ignored) {
                    // closing
                }
                server.removeConnector(c);
            });
        }
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception ignored) {
            // closing
        }
    }

    /** The views; the instance is the name of the listener the request came in on. */
    private final class Views extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            String instance = request.getConnectionMetaData().getConnector().getName();
            String path = request.getHttpURI().getPath();
            Fields query = Request.extractQueryParameters(request);
            String method = request.getMethod();
            if (request.getHeaders().get("X-Forwarded-For") != null) {
                // a proxy in the guest passing on another's request (SSRF): refused, as the clouds do
                return send(response, callback, 403, "text/plain", "requests through a proxy are refused");
            }
            if (path.equals("/latest/meta-data/events/maintenance/scheduled") && method.equals("GET")) {
                return send(response, callback, 200, "application/json", JSON.writeValueAsString(ec2(events.of(instance))));
            }
            if (path.equals("/computeMetadata/v1/instance/maintenance-event") && method.equals("GET")) {
                return gce(instance, request, query, response, callback);
            }
            if (path.equals("/metadata/scheduledevents")) {
                if (!"true".equals(request.getHeaders().get("Metadata")) || query.getValue("api-version") == null) {
                    return send(response, callback, 400, "application/json",
                            "{\"error\":\"Bad request. The Metadata: true header and an api-version are required\"}");
                }
                if (method.equals("GET")) {
                    return send(response, callback, 200, "application/json", JSON.writeValueAsString(azure(instance, events.of(instance))));
                }
                if (method.equals("POST")) {
                    if (request.getLength() > MAX_BODY_BYTES) {
                        return send(response, callback, 413, "application/json", "{\"error\":\"the body is too large\"}");
                    }
                    byte[] bytes = Content.Source.asInputStream(request).readNBytes(MAX_BODY_BYTES + 1); // never more
                    String body = new String(bytes, StandardCharsets.UTF_8);
                    if (bytes.length > MAX_BODY_BYTES) {
                        return send(response, callback, 413, "application/json", "{\"error\":\"the body is too large\"}");
                    }
                    return azureStart(instance, body, response, callback);
                }
            }
            return send(response, callback, 404, "text/plain", "not found");
        }
    }

    /** EC2's list: every event this guest was told of, over ones with their end in the state and description. */
    static List<Map<String, Object>> ec2(GuestEvents.Doc doc) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (GuestEvents.Event e : doc.events()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("Code", switch (e.kind()) {
                case "live-migrate" -> "system-maintenance";
                case "reboot-in-place" -> "system-reboot";
                default -> "instance-stop";
            });
            String prefix = e.state().equals("completed") ? "[Completed] " : e.state().equals("cancelled") ? "[Canceled] " : "";
            m.put("Description", prefix + description(e));
            m.put("EventId", e.id());
            m.put("NotBefore", EC2_TIME.format(Instant.parse(e.notBefore())));
            String end = e.notAfter() != null ? e.notAfter() : e.notBeforeDeadline();
            if (end != null) {
                m.put("NotAfter", EC2_TIME.format(Instant.parse(end)));
            }
            m.put("State", e.state().equals("completed") ? "completed" : e.state().equals("cancelled") ? "canceled" : "active");
            out.add(m);
        }
        return out;
    }

    /** GCE's value: what the guest's host maintenance does to it while an event is open, NONE otherwise. */
    static String gceValue(GuestEvents.Doc doc) {
        String value = "NONE";
        for (GuestEvents.Event e : doc.events()) {
            if (e.open()) {
                if (!e.kind().equals("live-migrate")) {
                    return "TERMINATE_ON_HOST_MAINTENANCE";
                }
                value = "MIGRATE_ON_HOST_MAINTENANCE";
            }
        }
        return value;
    }

    private boolean gce(String instance, Request request, Fields query, Response response, Callback callback) throws Exception {
        if (!"Google".equals(request.getHeaders().get("Metadata-Flavor"))) {
            return send(response, callback, 403, "text/plain", "the Metadata-Flavor: Google header is required");
        }
        GuestEvents.Doc doc = events.of(instance);
        if ("true".equals(query.getValue("wait_for_change"))) {
            int timeout = MAX_WAIT_SECONDS;
            String t = query.getValue("timeout_sec");
            if (t != null) {
                try {
                    timeout = Math.min(MAX_WAIT_SECONDS, Integer.parseInt(t));
                } catch (NumberFormatException x) {
                    return send(response, callback, 400, "text/plain", "timeout_sec must be a number of seconds");
                }
            }
            String last = query.getValue("last_etag");
            long deadline = System.nanoTime() + timeout * 1_000_000_000L;
            var count = waiting.computeIfAbsent(instance, k -> new java.util.concurrent.atomic.AtomicInteger());
            if (count.incrementAndGet() > MAX_WAITING_PER_GUEST) {
                count.decrementAndGet();
                return send(response, callback, 429, "text/plain", "at most " + MAX_WAITING_PER_GUEST + " requests wait at once");
            }
            try {
                // without last_etag: until the value changes from now; with it: at once if it differs; and not
                // past the guest's stay here
                String seen = last != null ? last : etag(gceValue(doc));
                while (etag(gceValue(doc)).equals(seen) && System.nanoTime() < deadline && events.attached(instance)) {
                    doc = events.awaitChange(instance, doc.incarnation(), Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                }
            } finally {
                count.decrementAndGet();
            }
        }
        String value = gceValue(doc);
        response.getHeaders().put("ETag", etag(value));
        response.getHeaders().put("Metadata-Flavor", "Google");
        return send(response, callback, 200, "application/text", value);
    }

    static String etag(String value) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Azure's document: the open events, with the incarnation that every change raises. */
    static Map<String, Object> azure(String instance, GuestEvents.Doc doc) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (GuestEvents.Event e : doc.events()) {
            if (!e.open()) {
                continue;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("EventId", e.id());
            m.put("EventType", switch (e.kind()) {
                case "live-migrate" -> "Freeze";
                case "reboot-in-place" -> "Reboot";
                default -> "Redeploy";
            });
            m.put("ResourceType", "VirtualMachine");
            m.put("Resources", List.of(instance));
            boolean started = e.state().equals("started");
            m.put("EventStatus", started ? "Started" : "Scheduled");
            m.put("NotBefore", started ? "" : DateTimeFormatter.RFC_1123_DATE_TIME.format(Instant.parse(e.notBefore()).atOffset(ZoneOffset.UTC)));
            m.put("Description", description(e));
            m.put("EventSource", "Platform");
            m.put("DurationInSeconds", e.expectedDowntimeMs() == null ? -1 : Math.max(1, (e.expectedDowntimeMs() + 999) / 1000));
            list.add(m);
        }
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("DocumentIncarnation", doc.incarnation());
        d.put("Events", list);
        return d;
    }

    /** Azure's acknowledgement ({@code {"StartRequests": [{"EventId": ...}]}}): each event is asked to start now. */
    private boolean azureStart(String instance, String body, Response response, Callback callback) throws Exception {
        JsonNode requests;
        try {
            requests = JSON.readTree(body).path("StartRequests");
        } catch (IOException e) {
            return send(response, callback, 400, "application/json", "{\"error\":\"the body is not JSON\"}");
        }
        if (!requests.isArray() || requests.isEmpty() || requests.size() > MAX_START_REQUESTS) {
            return send(response, callback, 400, "application/json",
                    "{\"error\":\"StartRequests with 1 to " + MAX_START_REQUESTS + " EventIds are required\"}");
        }
        for (JsonNode r : requests) {
            String id = r.path("EventId").asText("");
            if (events.of(instance).events().stream().noneMatch(e -> e.id().equals(id) && e.open())) {
                return send(response, callback, 404, "application/json", JSON.writeValueAsString(Map.of("error", "no open event " + id)));
            }
            if (!events.acknowledge(instance, id)) {
                continue; // acknowledged before: passed on once
            }
            try {
                acknowledge.now(instance, id);
            } catch (IOException e) {
                events.unacknowledge(instance, id);
                int status = e instanceof dev.ferry.agent.AgentClient.Refused x ? x.status() : 503;
                return send(response, callback, status, "application/json", JSON.writeValueAsString(Map.of("error", e.getMessage())));
            }
        }
        return send(response, callback, 200, "application/json", "{}");
    }

    private static String description(GuestEvents.Event e) {
        if (e.description() != null && !e.description().isBlank()) {
            return e.description();
        }
        return switch (e.kind()) {
            case "live-migrate" -> "live migration to a patched host (the guest keeps running; a short pause)";
            case "reboot-in-place" -> "host maintenance: the guest restarts on its host";
            default -> "host maintenance: the guest is stopped and started on another host";
        };
    }

    private static boolean send(Response response, Callback callback, int status, String type, String body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
        Content.Sink.write(response, true, body, callback);
        return true;
    }
}

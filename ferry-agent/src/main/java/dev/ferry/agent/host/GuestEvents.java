package dev.ferry.agent.host;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The maintenance events of each guest on this host, as the controller last told them (one
 * {@code PUT /v1/instances/{id}/events/{event}} per change), kept in the instance's directory
 * ({@code events.json}) so that a restarted agent still serves them. Every change raises the
 * guest's incarnation (Azure's DocumentIncarnation) and wakes the metadata requests waiting for one.
 */
final class GuestEvents {
    /** Fields a newer controller adds are ignored: an older agent still takes its notices. */
    static final ObjectMapper JSON = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL);
    private static final Set<String> KINDS = Set.of("live-migrate", "relocate", "reboot-in-place");
    private static final Set<String> STATES = Set.of("scheduled", "rescheduled", "started", "completed", "cancelled");

    /** One event as the controller tells it (instants in ISO-8601; notAfter null when the event has none). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Event(String id, String kind, String state, String notBefore, String notAfter, String notBeforeDeadline,
                 String description, Long expectedDowntimeMs) {
        /** Not over: scheduled, rescheduled or started. */
        boolean open() {
            return !state.equals("completed") && !state.equals("cancelled");
        }

        /** What the guest reads on its notice port. */
        String noticeLine() {
            return "notice " + id + " " + kind + " " + state + " " + notBefore;
        }
    }

    /** A guest's events and their incarnation, as stored. */
    record Doc(long incarnation, List<Event> events) {
    }

    private final Map<String, Doc> docs = new HashMap<>();
    private final Map<String, Path> dirs = new HashMap<>();
    /** Events a guest acknowledged, passed on once each. */
    private final Map<String, Set<String>> acknowledged = new HashMap<>();
    /** A lock rather than monitors: a virtual thread waiting on a Condition does not pin its carrier (JDK 21). */
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();

    /**
     * The instance runs here from {@code dir}: a re-adopted one ({@code adopted}) keeps its stored
     * events; a start or an incoming migration begins with none (the controller tells it the open
     * ones; what an earlier stay here left is stale).
     */
    void attach(String instance, Path dir, boolean adopted) {
        lock.lock();
        try {
            dirs.put(instance, dir);
            acknowledged.remove(instance);
            Path f = dir.resolve("events.json");
            try {
                if (!adopted) {
                    Files.deleteIfExists(f);
                }
                docs.put(instance, Files.exists(f) ? JSON.readValue(f.toFile(), Doc.class) : new Doc(0, List.of()));
            } catch (IOException e) {
                docs.put(instance, new Doc(0, List.of())); // unreadable: the controller tells them again
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The instance left this host (stopped, or migrated away): its file stays with its directory. */
    void detach(String instance) {
        lock.lock();
        try {
            dirs.remove(instance);
            docs.remove(instance);
            acknowledged.remove(instance);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The instance runs here (its events are served). */
    boolean attached(String instance) {
        lock.lock();
        try {
            return docs.containsKey(instance);
        } finally {
            lock.unlock();
        }
    }

    /** The guest acknowledges an open event: true the first time (to pass on), false after. */
    boolean acknowledge(String instance, String event) {
        lock.lock();
        try {
            return docs.containsKey(instance) && acknowledged.computeIfAbsent(instance, k -> new java.util.HashSet<>()).add(event);
        } finally {
            lock.unlock();
        }
    }

    /** Passing it on failed: the guest may acknowledge it again. */
    void unacknowledge(String instance, String event) {
        lock.lock();
        try {
            Set<String> a = acknowledged.get(instance);
            if (a != null) {
                a.remove(event);
            }
        } finally {
            lock.unlock();
        }
    }

    /** The event, checked: a 400 with the field for a bad one. */
    static Event valid(String id, Event e) {
        if (e == null || !id.matches("[A-Za-z0-9._:-]{1,200}")) {
            throw new AgentException(400, "an event id is letters, digits and . _ : - (at most 200)");
        }
        if (e.kind() == null || !KINDS.contains(e.kind())) {
            throw new AgentException(400, "kind must be one of " + KINDS);
        }
        if (e.state() == null || !STATES.contains(e.state())) {
            throw new AgentException(400, "state must be one of " + STATES);
        }
        for (String[] t : new String[][] {{"notBefore", e.notBefore()}, {"notAfter", e.notAfter()},
                {"notBeforeDeadline", e.notBeforeDeadline()}}) {
            if (t[1] == null && t[0].equals("notBefore")) {
                throw new AgentException(400, "notBefore is required");
            }
            try {
                if (t[1] != null) {
                    Instant.parse(t[1]);
                }
            } catch (DateTimeParseException x) {
                throw new AgentException(400, t[0] + " must be an ISO-8601 instant");
            }
        }
        String d = e.description() == null ? null : e.description().length() > 500 ? e.description().substring(0, 500) : e.description();
        return new Event(id, e.kind(), e.state(), e.notBefore(), e.notAfter(), e.notBeforeDeadline(), d, e.expectedDowntimeMs());
    }

    /**
     * Records the event (a new one, or its change); true when it changed anything the guest sees.
     * A 404 for an instance not on this host.
     */
    boolean put(String instance, Event e) {
        lock.lock();
        try {
            Doc doc = docs.get(instance);
            if (doc == null) {
                throw new AgentException(404, "no instance " + instance + " here");
            }
            Map<String, Event> byId = new LinkedHashMap<>();
            doc.events().forEach(x -> byId.put(x.id(), x));
            if (e.equals(byId.put(e.id(), e))) {
                return false;
            }
            Doc next = new Doc(doc.incarnation() + 1, new ArrayList<>(byId.values()));
            write(dirs.get(instance), next);
            docs.put(instance, next);
            if (!e.open()) {
                Set<String> a = acknowledged.get(instance);
                if (a != null) {
                    a.remove(e.id());
                }
            }
            changed.signalAll();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** The guest's events now (empty for an instance not here). */
    Doc of(String instance) {
        lock.lock();
        try {
            Doc d = docs.get(instance);
            return d == null ? new Doc(0, List.of()) : d;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until the guest's document is no longer at {@code incarnation}, or the instance leaves,
     * or {@code timeoutMs} passes; then the document.
     */
    Doc awaitChange(String instance, long incarnation, long timeoutMs) throws InterruptedException {
        long left = timeoutMs * 1_000_000;
        lock.lock();
        try {
            while (docs.containsKey(instance) && docs.get(instance).incarnation() == incarnation && left > 0) {
                left = changed.awaitNanos(left); // signalled by put, attach and detach
            }
            return of(instance);
        } finally {
            lock.unlock();
        }
    }

    private static void write(Path dir, Doc doc) {
        try {
            Path tmp = dir.resolve("events.json.tmp");
            JSON.writeValue(tmp.toFile(), doc);
            Files.move(tmp, dir.resolve("events.json"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

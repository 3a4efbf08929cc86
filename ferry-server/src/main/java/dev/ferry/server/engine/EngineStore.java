package dev.ferry.server.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.core.history.HistoryRecord;
import dev.ferry.core.lifecycle.EventState;
import dev.ferry.core.model.Fleet;
import dev.ferry.formats.HistoryJson;
import dev.ferry.formats.HistoryV1;
import dev.ferry.server.AuditLog;
import dev.ferry.store.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * What a {@link CampaignEngine} stores: its facts, effect keys and outside inputs (append-only), and
 * the views derived from them in the same transaction — tenants' events, webhook outbox rows, the
 * campaign's progress. Thread-safe (each call is its own transaction).
 */
public final class EngineStore {
    /** Everything stored for a campaign, in order: what a restarted engine replays. */
    record Stored(List<FactRecorder.Stored> facts, Set<String> keys, List<StoredInput> inputs, List<AgentAnswers.Answer> answers) {
    }

    public record StoredInput(long processed, long timeMs, Command command) {
    }

    /** A notice to a tenant, as the engine saw it. Times are wall-clock ms except {@code virtualMs}. */
    public record EventChange(String changeKey, String eventId, String tenant, String instance, EventState state,
                              long notBeforeWallMs, long deadlineWallMs, String detail, String host, long virtualMs,
                              long atWallMs) {
    }

    public record Progress(String state, String endReason, int hostsPatched, int hostsFailed, long virtualMs, boolean done) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Database db;
    /** Per-tenant opaque id of a host: tenants never see real host names. */
    private final BiFunction<String, String, String> opaqueHost;

    public EngineStore(Database db, BiFunction<String, String, String> opaqueHost) {
        this.db = db;
        this.opaqueHost = opaqueHost;
    }

    Stored load(String campaign, Fleet fleet) {
        return db.tx(c -> {
            List<FactRecorder.Stored> facts = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT seq, t_ms, actor, op, target, outcome, epoch, body FROM facts WHERE campaign = ? ORDER BY seq")) {
                ps.setString(1, campaign);
                ps.setFetchSize(10_000);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        if (rs.getLong(1) != facts.size()) {
                            throw new IllegalStateException("facts of " + campaign + " have a gap at " + facts.size());
                        }
                        String body = rs.getString(8);
                        facts.add(body != null ? new FactRecorder.Stored(HistoryJson.parse(body), null)
                                : new FactRecorder.Stored(null, new HistoryV1.Line(rs.getLong(2), rs.getString(3), rs.getString(4),
                                rs.getString(5), rs.getString(6), rs.getLong(7))));
                    }
                }
            }
            Set<String> keys = new HashSet<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT effect_key FROM effect_keys WHERE campaign = ?")) {
                ps.setString(1, campaign);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        keys.add(rs.getString(1));
                    }
                }
            }
            List<StoredInput> inputs = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT processed, t_ms, kind, instance, arg_ms, reason, actor, request_id"
                    + " FROM inputs WHERE campaign = ? ORDER BY seq")) {
                ps.setString(1, campaign);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        inputs.add(new StoredInput(rs.getLong(1), rs.getLong(2), command(rs)));
                    }
                }
            }
            List<AgentAnswers.Answer> answers = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT seq, t_ms, body FROM answers WHERE campaign = ? ORDER BY seq")) {
                ps.setString(1, campaign);
                ps.setFetchSize(10_000);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        if (rs.getLong(1) != answers.size()) {
                            throw new IllegalStateException("answers of " + campaign + " have a gap at " + answers.size());
                        }
                        answers.add(AgentAnswers.Answer.parse(rs.getLong(1), rs.getLong(2), rs.getString(3), fleet));
                    }
                }
            }
            return new Stored(facts, keys, inputs, answers);
        });
    }

    private static Command command(ResultSet rs) throws SQLException {
        String kind = rs.getString(3);
        String actor = rs.getString(7);
        String request = rs.getString(8);
        return switch (kind) {
            case "pause" -> new Command.Pause(actor, request);
            case "resume" -> new Command.Resume(actor, request);
            case "abort" -> new Command.Abort(rs.getString(6), actor, request);
            case "tenant-now" -> new Command.TenantNow(rs.getString(4), actor, request);
            case "tenant-reschedule" -> new Command.TenantReschedule(rs.getString(4), rs.getLong(5), actor, request);
            case "place-outside" -> {
                String[] f = rs.getString(6).split(" ", -1);
                yield new Command.PlaceOutside(rs.getString(4), f[0], Integer.parseInt(f[1]), Long.parseLong(f[2]),
                        f[3].isEmpty() ? null : f[3], actor, request);
            }
            case "release-outside" -> {
                String[] f = rs.getString(6).split(" ");
                yield new Command.ReleaseOutside(rs.getString(4), f[0], Integer.parseInt(f[1]), Long.parseLong(f[2]), actor,
                        request);
            }
            default -> throw new IllegalStateException("unknown stored input kind " + kind);
        };
    }

    /** Logs an outside input before it is applied (write-ahead), with its audit line, in one transaction. */
    public void logInput(String campaign, long seq, long processed, long timeMs, Command command, long atWallMs) {
        db.tx(c -> {
            String target = instanceOf(command) != null ? instanceOf(command) : campaign;
            AuditLog.write(c, atWallMs, command.actor(), command.requestId(), "campaign." + kind(command), target, true,
                    "campaign " + campaign + " at virtual ms " + timeMs);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO inputs (campaign, seq, processed, t_ms, kind, instance,"
                    + " arg_ms, reason, actor, request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, campaign);
                ps.setLong(2, seq);
                ps.setLong(3, processed);
                ps.setLong(4, timeMs);
                ps.setString(5, kind(command));
                ps.setString(6, instanceOf(command));
                if (command instanceof Command.TenantReschedule r) {
                    ps.setLong(7, r.notBeforeWallMs());
                } else {
                    ps.setNull(7, Types.BIGINT);
                }
                ps.setString(8, switch (command) {
                    case Command.Abort a -> a.reason();
                    case Command.PlaceOutside p -> p.tenant() + " " + p.cpus() + " " + p.memoryMiB() + " "
                            + (p.group() == null ? "" : p.group());
                    case Command.ReleaseOutside r -> r.host() + " " + r.cpus() + " " + r.memoryMiB();
                    default -> null;
                });
                ps.setString(9, command.actor());
                ps.setString(10, command.requestId());
                ps.executeUpdate();
            }
            return null;
        });
    }

    static String kind(Command c) {
        return switch (c) {
            case Command.Pause p -> "pause";
            case Command.Resume r -> "resume";
            case Command.Abort a -> "abort";
            case Command.TenantNow n -> "tenant-now";
            case Command.TenantReschedule r -> "tenant-reschedule";
            case Command.PlaceOutside p -> "place-outside";
            case Command.ReleaseOutside r -> "release-outside";
        };
    }

    private static String instanceOf(Command c) {
        return switch (c) {
            case Command.TenantNow n -> n.instance();
            case Command.TenantReschedule r -> r.instance();
            case Command.PlaceOutside p -> p.instance();
            case Command.ReleaseOutside r -> r.instance();
            default -> null;
        };
    }

    /**
     * One loop round: new facts from {@code firstSeq}, new effect keys, the answers heard (campaigns
     * on agents), event changes with their outbox rows, progress.
     */
    void commit(String campaign, long firstSeq, List<HistoryRecord> facts, List<String> keys, List<AgentAnswers.Answer> answers,
                List<EventChange> events, Progress progress, Database.Work<?> alsoInThisTransaction) {
        db.tx(c -> {
            if (alsoInThisTransaction != null) {
                alsoInThisTransaction.run(c);
            }
            if (!answers.isEmpty()) {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO answers (campaign, seq, t_ms, body) VALUES (?, ?, ?, ?)")) {
                    for (AgentAnswers.Answer a : answers) {
                        ps.setString(1, campaign);
                        ps.setLong(2, a.seq());
                        ps.setLong(3, a.timeMs());
                        ps.setString(4, a.body());
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
            }
            if (!keys.isEmpty()) {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO effect_keys (campaign, effect_key) VALUES (?, ?)")) {
                    for (String k : keys) {
                        ps.setString(1, campaign);
                        ps.setString(2, k);
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
            }
            if (!facts.isEmpty()) {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO facts (campaign, seq, t_ms, actor, op, target, outcome,"
                        + " epoch, body) VALUES (?, ?, ?, ?, ?, ?, '', 0, ?)")) {
                    long seq = firstSeq;
                    for (HistoryRecord r : facts) {
                        String subject = r.fact().subject();
                        ps.setString(1, campaign);
                        ps.setLong(2, seq++);
                        ps.setLong(3, r.timeMs());
                        ps.setString(4, r.actor().wireName());
                        ps.setString(5, HistoryJson.typeName(r.fact().getClass()));
                        ps.setString(6, subject == null ? "" : subject.length() > 200 ? subject.substring(0, 200) : subject);
                        ps.setString(7, HistoryJson.line(r));
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
            }
            for (EventChange e : events) {
                event(c, campaign, e);
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE campaigns SET state = ?, end_reason = ?, hosts_patched = ?,"
                    + " hosts_failed = ?, virtual_ms = ?, row_version = row_version + 1 WHERE id = ?"
                    + " AND state NOT IN ('completed', 'halted', 'aborted')")) {
                ps.setString(1, progress.state());
                ps.setString(2, progress.endReason());
                ps.setInt(3, progress.hostsPatched());
                ps.setInt(4, progress.hostsFailed());
                ps.setLong(5, progress.virtualMs());
                ps.setString(6, campaign);
                ps.executeUpdate();
            }
            return null;
        });
    }

    /** Marks a campaign whose loop could not go on (a replay that diverged, say) as halted with the reason. */
    public void halt(String campaign, String reason) {
        try {
            db.tx(c -> {
                try (PreparedStatement ps = c.prepareStatement(
                        "UPDATE campaigns SET state = 'halted', end_reason = ? WHERE id = ?")) {
                    ps.setString(1, reason.length() > 2000 ? reason.substring(0, 2000) : reason);
                    ps.setString(2, campaign);
                    ps.executeUpdate();
                }
                return null;
            });
        } catch (RuntimeException ignored) {
            // the database is gone too; the next start replays and finds the same reason
        }
    }

    private void event(Connection c, String campaign, EventChange e) throws SQLException {
        Long startedVt = null;
        Long downtime = null;
        try (PreparedStatement ps = c.prepareStatement("SELECT started_vt FROM events WHERE event_id = ?")) {
            ps.setString(1, e.eventId());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    long v = rs.getLong(1);
                    startedVt = rs.wasNull() ? null : v;
                }
            }
        }
        if (e.state() == EventState.STARTED) {
            startedVt = e.virtualMs();
        }
        if (e.state() == EventState.COMPLETED && startedVt != null) {
            downtime = e.virtualMs() - startedVt;
        }
        String newHost = e.state() == EventState.COMPLETED ? opaqueHost.apply(e.tenant(), e.host()) : null;
        int updated;
        try (PreparedStatement ps = c.prepareStatement("UPDATE events SET state = ?, not_before = ?, deadline = ?, detail = ?,"
                + " new_host = COALESCE(?, new_host), downtime_ms = COALESCE(?, downtime_ms), started_vt = ?, updated_at = ?"
                + " WHERE event_id = ?")) {
            ps.setString(1, state(e.state()));
            ps.setLong(2, e.notBeforeWallMs());
            ps.setLong(3, e.deadlineWallMs());
            ps.setString(4, e.detail());
            ps.setString(5, newHost);
            setLong(ps, 6, downtime);
            setLong(ps, 7, startedVt);
            ps.setLong(8, e.atWallMs());
            ps.setString(9, e.eventId());
            updated = ps.executeUpdate();
        }
        if (updated == 0) {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO events (event_id, campaign, tenant, instance, state,"
                    + " not_before, deadline, detail, new_host, downtime_ms, started_vt, updated_at)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, e.eventId());
                ps.setString(2, campaign);
                ps.setString(3, e.tenant());
                ps.setString(4, e.instance());
                ps.setString(5, state(e.state()));
                ps.setLong(6, e.notBeforeWallMs());
                ps.setLong(7, e.deadlineWallMs());
                ps.setString(8, e.detail());
                ps.setString(9, newHost);
                setLong(ps, 10, downtime);
                setLong(ps, 11, startedVt);
                ps.setLong(12, e.atWallMs());
                ps.executeUpdate();
            }
        }
        outbox(c, campaign, e, newHost, downtime);
    }

    /** One outbox row per webhook of the tenant; the delivery id is the same on every retry. */
    private static void outbox(Connection c, String campaign, EventChange e, String newHost, Long downtime) throws SQLException {
        List<String> hooks = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT id FROM webhooks WHERE tenant = ? ORDER BY id")) {
            ps.setString(1, e.tenant());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    hooks.add(rs.getString(1));
                }
            }
        }
        if (hooks.isEmpty()) {
            return;
        }
        String changeId = campaign + "/" + e.changeKey();
        ObjectNode body = JSON.createObjectNode();
        body.put("id", changeId);
        body.put("type", "maintenance-event." + state(e.state()));
        body.put("occurredAt", Instant.ofEpochMilli(e.atWallMs()).toString());
        ObjectNode ev = body.putObject("event");
        ev.put("id", e.eventId());
        ev.put("instance", e.instance());
        ev.put("state", state(e.state()));
        ev.put("notBefore", Instant.ofEpochMilli(e.notBeforeWallMs()).toString());
        ev.put("deadline", Instant.ofEpochMilli(e.deadlineWallMs()).toString());
        ev.put("detail", e.detail());
        if (newHost != null) {
            ev.put("newHost", newHost);
        }
        if (downtime != null) {
            ev.put("downtimeMs", downtime);
        }
        String text = body.toString();
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO outbox (webhook_id, delivery_id, body, attempts,"
                + " next_attempt_at) VALUES (?, ?, ?, 0, ?)")) {
            for (String hook : hooks) {
                ps.setString(1, hook);
                ps.setString(2, hook + "|" + changeId);
                ps.setString(3, text);
                ps.setLong(4, e.atWallMs());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    static String state(EventState s) {
        return s.name().toLowerCase(java.util.Locale.ROOT);
    }

    private static void setLong(PreparedStatement ps, int i, Long v) throws SQLException {
        if (v == null) {
            ps.setNull(i, Types.BIGINT);
        } else {
            ps.setLong(i, v);
        }
    }
}

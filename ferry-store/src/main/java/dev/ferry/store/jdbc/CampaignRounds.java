package dev.ferry.store.jdbc;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.ferry.core.history.HistoryRecord;
import dev.ferry.core.lifecycle.EventState;
import dev.ferry.formats.HistoryJson;
import dev.ferry.formats.HistoryV1;
import dev.ferry.store.Audit;
import dev.ferry.store.CampaignStore;
import dev.ferry.store.Database;
import dev.ferry.store.InventoryStore;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What a running campaign's loop stores: its facts (history/v2 lines), effect keys, outside inputs
 * and agents' answers (append-only), and the views derived from them in the round's transaction —
 * tenants' events with their webhook outbox rows, the campaign's progress, and at the end the
 * inventory.
 */
final class CampaignRounds {
    private static final JsonFactory JSON = new JsonFactory();

    private final Database db;
    /** The leader's term every write of a loop is fenced by; 0: unfenced (tests of the store). */
    private final long term;

    CampaignRounds(Database db, long term) {
        this.db = db;
        this.term = term;
    }

    /** The leader's term its writes are fenced by (0: not fenced). */
    long term() {
        return term;
    }

    private void fence(Connection c) throws SQLException {
        if (term > 0) {
            Sql.fence(c, term);
        }
    }

    CampaignStore.Stored load(String campaign) {
        return db.tx(c -> {
            List<CampaignStore.StoredFact> facts = new ArrayList<>();
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
                        facts.add(body != null ? new CampaignStore.StoredFact(HistoryJson.parse(body), null)
                                : new CampaignStore.StoredFact(null, new HistoryV1.Line(rs.getLong(2), rs.getString(3),
                                rs.getString(4), rs.getString(5), rs.getString(6), rs.getLong(7))));
                    }
                }
            }
            return new CampaignStore.Stored(facts, keys(c, campaign), inputs(c, campaign), answers(c, campaign));
        });
    }

    private static Set<String> keys(Connection c, String campaign) throws SQLException {
        return new HashSet<>(Sql.list(c, "SELECT effect_key FROM effect_keys WHERE campaign = ?", rs -> rs.getString(1), campaign));
    }

    private static List<CampaignStore.Input> inputs(Connection c, String campaign) throws SQLException {
        return Sql.list(c, "SELECT seq, processed, t_ms, kind, instance, arg_ms, reason, actor, request_id FROM inputs"
                + " WHERE campaign = ? ORDER BY seq", rs -> new CampaignStore.Input(rs.getLong(1), rs.getLong(2), rs.getLong(3),
                rs.getString(4), rs.getString(5), Sql.getLong(rs, 6), rs.getString(7), rs.getString(8), rs.getString(9)), campaign);
    }

    private static List<CampaignStore.Answer> answers(Connection c, String campaign) throws SQLException {
        List<CampaignStore.Answer> answers = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT seq, t_ms, body FROM answers WHERE campaign = ? ORDER BY seq")) {
            ps.setString(1, campaign);
            ps.setFetchSize(10_000);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (rs.getLong(1) != answers.size()) {
                        throw new IllegalStateException("answers of " + campaign + " have a gap at " + answers.size());
                    }
                    answers.add(new CampaignStore.Answer(rs.getLong(1), rs.getLong(2), rs.getString(3)));
                }
            }
        }
        return answers;
    }

    void logInput(String campaign, CampaignStore.Input in, Audit audit) {
        db.tx(c -> {
            fence(c);
            Sql.audit(c, audit, true);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO inputs (campaign, seq, processed, t_ms, kind, instance,"
                    + " arg_ms, reason, actor, request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, campaign);
                ps.setLong(2, in.seq());
                ps.setLong(3, in.processed());
                ps.setLong(4, in.timeMs());
                ps.setString(5, in.kind());
                ps.setString(6, in.instance());
                Sql.setLong(ps, 7, in.argMs());
                ps.setString(8, in.reason());
                ps.setString(9, in.actor());
                ps.setString(10, in.requestId());
                ps.executeUpdate();
            }
            return null;
        });
    }

    long commit(String campaign, CampaignStore.Round round) {
        return db.tx(c -> {
            fence(c);
            long inventoryVersion = round.ending() == null ? -1 : reconcile(c, campaign, round.ending());
            insertAnswers(c, campaign, round.answers());
            insertKeys(c, campaign, round.keys());
            insertFacts(c, campaign, round.firstSeq(), round.facts());
            for (CampaignStore.EventChange e : round.events()) {
                event(c, campaign, e);
            }
            CampaignStore.Progress p = round.progress();
            try (PreparedStatement ps = c.prepareStatement("UPDATE campaigns SET state = ?, end_reason = ?, hosts_patched = ?,"
                    + " hosts_failed = ?, virtual_ms = ?, row_version = row_version + 1 WHERE id = ?"
                    + " AND state NOT IN ('completed', 'halted', 'aborted')")) {
                ps.setString(1, p.state().wireName());
                ps.setString(2, p.endReason());
                ps.setInt(3, p.hostsPatched());
                ps.setInt(4, p.hostsFailed());
                ps.setLong(5, p.virtualMs());
                ps.setString(6, campaign);
                ps.executeUpdate();
            }
            return inventoryVersion;
        });
    }

    private static void insertAnswers(Connection c, String campaign, List<CampaignStore.Answer> answers) throws SQLException {
        if (answers.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO answers (campaign, seq, t_ms, body) VALUES (?, ?, ?, ?)")) {
            for (CampaignStore.Answer a : answers) {
                ps.setString(1, campaign);
                ps.setLong(2, a.seq());
                ps.setLong(3, a.timeMs());
                ps.setString(4, a.body());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private static void insertKeys(Connection c, String campaign, List<String> keys) throws SQLException {
        if (keys.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO effect_keys (campaign, effect_key) VALUES (?, ?)")) {
            for (String k : keys) {
                ps.setString(1, campaign);
                ps.setString(2, k);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** Facts as history/v2 lines; op and target are the fact's type and subject, for searching. */
    private static void insertFacts(Connection c, String campaign, long firstSeq, List<HistoryRecord> facts) throws SQLException {
        if (facts.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO facts (campaign, seq, t_ms, actor, op, target, outcome, epoch,"
                + " body) VALUES (?, ?, ?, ?, ?, ?, '', 0, ?)")) {
            long seq = firstSeq;
            for (HistoryRecord r : facts) {
                String subject = r.fact().subject();
                ps.setString(1, campaign);
                ps.setLong(2, seq++);
                ps.setLong(3, r.timeMs());
                ps.setString(4, r.actor().wireName());
                ps.setString(5, HistoryJson.typeName(r.fact().getClass()));
                ps.setString(6, subject == null ? "" : Sql.cut(subject, 200));
                ps.setString(7, HistoryJson.line(r));
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** A finished campaign's placements and patched hosts become the inventory (the next version). */
    /** Records what the campaign changed in the inventory; the inventory's version after it, or -1 when it changed nothing. */
    private static long reconcile(Connection c, String campaign, CampaignStore.Reconciliation r) throws SQLException {
        List<InventoryStore.Change> changes = new ArrayList<>();
        r.moves().forEach((i, h) -> changes.add(new InventoryStore.Change("move", i, h)));
        r.versions().forEach((h, v) -> changes.add(new InventoryStore.Change("hypervisor", h, v)));
        if (changes.isEmpty()) {
            return -1;
        }
        long version = InventoryRows.record(c, changes, r.audit());
        try (PreparedStatement ps = c.prepareStatement("UPDATE instances SET host = ? WHERE id = ?")) {
            for (Map.Entry<String, String> m : r.moves().entrySet()) {
                ps.setString(1, m.getValue());
                ps.setString(2, m.getKey());
                ps.addBatch();
            }
            ps.executeBatch();
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE hosts SET hypervisor = ? WHERE id = ?")) {
            for (Map.Entry<String, String> v : r.versions().entrySet()) {
                ps.setString(1, v.getValue());
                ps.setString(2, v.getKey());
                ps.addBatch();
            }
            ps.executeBatch();
        }
        InventoryRows.recomputeLedger(c);
        return version;
    }

    private static void event(Connection c, String campaign, CampaignStore.EventChange e) throws SQLException {
        Long startedVt = null;
        try (PreparedStatement ps = c.prepareStatement("SELECT started_vt FROM events WHERE event_id = ?")) {
            ps.setString(1, e.eventId());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    startedVt = Sql.getLong(rs, 1);
                }
            }
        }
        if (e.state() == EventState.STARTED) {
            startedVt = e.virtualMs();
        }
        boolean informational = e.informational();
        // a live migration's blackout is QEMU's measure; a disruption's runs from its start to its completion
        Long downtime = e.state() != EventState.COMPLETED ? null : informational ? e.blackoutMs()
                : startedVt != null ? e.virtualMs() - startedVt : null;
        Long expected = informational && e.state() == EventState.SCHEDULED ? e.blackoutMs() : null;
        int updated;
        try (PreparedStatement ps = c.prepareStatement("UPDATE events SET state = ?, not_before = ?, deadline = ?, detail = ?,"
                + " new_host = COALESCE(?, new_host), downtime_ms = COALESCE(?, downtime_ms), started_vt = ?, updated_at = ?,"
                + " not_after = ? WHERE event_id = ?")) {
            ps.setString(1, state(e.state()));
            ps.setLong(2, e.notBeforeWallMs());
            ps.setLong(3, e.deadlineWallMs());
            ps.setString(4, e.detail());
            ps.setString(5, e.newHost());
            Sql.setLong(ps, 6, downtime);
            Sql.setLong(ps, 7, startedVt);
            ps.setLong(8, e.atWallMs());
            ps.setLong(9, e.notAfterWallMs());
            ps.setString(10, e.eventId());
            updated = ps.executeUpdate();
        }
        if (updated == 0) {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO events (event_id, campaign, tenant, instance, state,"
                    + " not_before, deadline, detail, new_host, downtime_ms, started_vt, updated_at, kind, not_after, fallback_after,"
                    + " expected_downtime_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, e.eventId());
                ps.setString(2, campaign);
                ps.setString(3, e.tenant());
                ps.setString(4, e.instance());
                ps.setString(5, state(e.state()));
                ps.setLong(6, e.notBeforeWallMs());
                ps.setLong(7, e.deadlineWallMs());
                ps.setString(8, e.detail());
                ps.setString(9, e.newHost());
                Sql.setLong(ps, 10, downtime);
                Sql.setLong(ps, 11, startedVt);
                ps.setLong(12, e.atWallMs());
                ps.setString(13, e.kind());
                ps.setLong(14, e.notAfterWallMs());
                Sql.setLong(ps, 15, e.fallbackAfterWallMs());
                Sql.setLong(ps, 16, expected);
                ps.executeUpdate();
            }
        }
        outbox(c, campaign, e, downtime);
    }

    /** One outbox row per webhook of the tenant; the delivery id is the same on every retry. */
    private static void outbox(Connection c, String campaign, CampaignStore.EventChange e, Long downtime) throws SQLException {
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
        String text = body(changeId, e, downtime);
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

    /** The webhook's body: the change's id and type, when, and the event as its tenant sees it. */
    private static String body(String changeId, CampaignStore.EventChange e, Long downtime) {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(w)) {
            g.writeStartObject();
            g.writeStringField("id", changeId);
            g.writeStringField("type", "maintenance-event." + state(e.state()));
            g.writeStringField("occurredAt", Instant.ofEpochMilli(e.atWallMs()).toString());
            g.writeObjectFieldStart("event");
            g.writeStringField("id", e.eventId());
            g.writeStringField("instance", e.instance());
            g.writeStringField("state", state(e.state()));
            g.writeStringField("kind", e.kind());
            g.writeBooleanField("informational", e.informational());
            g.writeStringField("notBefore", Instant.ofEpochMilli(e.notBeforeWallMs()).toString());
            g.writeStringField("notBeforeDeadline", Instant.ofEpochMilli(e.deadlineWallMs()).toString());
            g.writeStringField("deadline", Instant.ofEpochMilli(e.deadlineWallMs()).toString());
            if (e.notAfterWallMs() != 0) {
                g.writeStringField("notAfter", Instant.ofEpochMilli(e.notAfterWallMs()).toString());
            }
            if (e.fallbackAfterWallMs() != null) {
                g.writeStringField("fallbackAfter", Instant.ofEpochMilli(e.fallbackAfterWallMs()).toString());
            }
            if (e.blackoutMs() != null && e.state() == EventState.SCHEDULED) {
                g.writeNumberField("expectedDowntimeMs", e.blackoutMs());
            }
            g.writeStringField("detail", e.detail());
            if (e.newHost() != null) {
                g.writeStringField("newHost", e.newHost());
            }
            if (downtime != null) {
                g.writeNumberField("downtimeMs", downtime);
            }
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
        return w.toString();
    }

    private static String state(EventState s) {
        return s.name().toLowerCase(Locale.ROOT);
    }
}

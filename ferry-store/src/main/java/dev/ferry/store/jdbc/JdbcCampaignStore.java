package dev.ferry.store.jdbc;

import dev.ferry.core.lifecycle.CampaignState;
import dev.ferry.store.Audit;
import dev.ferry.store.CampaignStore;
import dev.ferry.store.Database;
import dev.ferry.store.InventoryStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/** {@link CampaignStore} over the campaigns table; what a running campaign's loop stores is in {@link CampaignRounds}. */
final class JdbcCampaignStore implements CampaignStore {
    private static final String SELECT = "SELECT id, advisory, inventory_version, policy, strategy, seed, accel, state, created_at,"
            + " started_at, predicted_s, lower_bound_s, slack_s, steps, affected_hosts, hosts_patched, hosts_failed, virtual_ms,"
            + " end_reason, hypervisors, expected_s FROM campaigns";

    private final Database db;
    private final CampaignRounds rounds;

    JdbcCampaignStore(Database db) {
        this(db, 0);
    }

    private JdbcCampaignStore(Database db, long term) {
        this.db = db;
        this.rounds = new CampaignRounds(db, term);
    }

    @Override
    public CampaignStore fenced(long term) {
        return new JdbcCampaignStore(db, term);
    }

    @Override
    public boolean propose(Campaign r, Documents documents, Audit audit) {
        return db.tx(c -> {
            // under the inventory lock: a change committed while this plan was made would not supersede it
            InventoryRows.lock(c);
            if (InventoryRows.storedVersion(c) != r.inventoryVersion()) {
                return false;
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO campaigns (id, advisory, inventory_version, policy, strategy,"
                    + " seed, accel, state, created_at, predicted_s, lower_bound_s, slack_s, steps, affected_hosts, hosts_patched,"
                    + " hosts_failed, virtual_ms, row_version, fleet_document, hypervisors, plan_document, advisory_document, expected_s)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, 0, ?, ?, ?, ?, ?)")) {
                ps.setString(1, r.id());
                ps.setString(2, r.advisory());
                ps.setLong(3, r.inventoryVersion());
                ps.setString(4, r.policy());
                ps.setString(5, r.strategy());
                ps.setLong(6, r.seed());
                ps.setDouble(7, r.accel());
                ps.setString(8, r.state().wireName());
                ps.setLong(9, r.createdAt());
                ps.setLong(10, r.predictedSeconds());
                ps.setLong(11, r.lowerBoundSeconds());
                Sql.setLong(ps, 12, r.slackSeconds());
                ps.setInt(13, r.steps());
                ps.setInt(14, r.affectedHosts());
                ps.setString(15, documents.fleet());
                ps.setString(16, r.hypervisors());
                ps.setString(17, documents.plan());
                ps.setString(18, documents.advisory());
                Sql.setLong(ps, 19, r.expectedSeconds());
                ps.executeUpdate();
            }
            Sql.audit(c, audit, true);
            return true;
        });
    }

    /** Approval starts the campaign on the inventory as it is now: proposed → approved → running, in one update. */
    private static final String APPROVE = Sql.transition("started_at = ?, fleet_document = ?", CampaignState.PROPOSED,
            CampaignState.APPROVED, CampaignState.RUNNING) + " AND id = ?";

    @Override
    public Approval approve(String id, long now, Audit audit, Function<List<InventoryStore.Change>, String> overtaken, String fleet,
                            long fleetVersion) {
        return db.tx(c -> {
            Sql.lock(c, "campaign-lock");
            String running = InventoryRows.running(c);
            if (running != null) {
                return new Approval(false, running, null, null);
            }
            InventoryRows.lock(c); // no change slips in between the judgement and the approval
            if (InventoryRows.storedVersion(c) != fleetVersion) {
                return new Approval(false, null, null, null, true);
            }
            Optional<Long> proposedOn = Sql.first(c, "SELECT inventory_version FROM campaigns WHERE id = ? AND state = ?",
                    rs -> rs.getLong(1), id, CampaignState.PROPOSED.wireName());
            if (proposedOn.isEmpty()) {
                return new Approval(false, null, state(c, id), null);
            }
            String why = advisoryChanged(c, id);
            if (why == null) {
                why = overtaken.apply(InventoryRows.changesAfter(c, proposedOn.get()));
            }
            if (why != null) {
                Sql.update(c, SUPERSEDE, Sql.cut(why, 2000), id);
                Sql.audit(c, new Audit(now, audit.actor(), audit.requestId(), "campaign.supersede", id, why), true);
                return new Approval(false, null, CampaignState.SUPERSEDED, why);
            }
            try (PreparedStatement ps = c.prepareStatement(APPROVE)) {
                ps.setLong(1, now);
                ps.setString(2, fleet);
                ps.setString(3, id);
                if (ps.executeUpdate() == 1) {
                    Sql.audit(c, audit, true);
                    return new Approval(true, null, CampaignState.RUNNING, null);
                }
            }
            return new Approval(false, null, state(c, id), null);
        });
    }

    /** The advisory was withdrawn, or amended, since the proposal was made on it: why, or null. */
    private static String advisoryChanged(Connection c, String id) throws SQLException {
        return Sql.first(c, "SELECT c.advisory, c.advisory_document, a.document, a.withdrawn_at FROM campaigns c JOIN advisories a"
                + " ON a.id = c.advisory WHERE c.id = ?", rs -> {
                    String advisory = rs.getString(1);
                    String proposedOn = rs.getString(2);
                    if (Sql.getLong(rs, 4) != null) {
                        return "advisory " + advisory + " was withdrawn";
                    }
                    return proposedOn != null && !proposedOn.equals(rs.getString(3)) ? "advisory " + advisory
                            + " was amended since the proposal" : "";
                }, id).filter(why -> !why.isEmpty()).orElse(null);
    }

    private static CampaignState state(Connection c, String id) throws SQLException {
        return Sql.first(c, "SELECT state FROM campaigns WHERE id = ?", rs -> CampaignState.parse(rs.getString(1)), id).orElse(null);
    }

    @Override
    public Optional<Campaign> get(String id) {
        return db.tx(c -> Sql.first(c, SELECT + " WHERE id = ?", JdbcCampaignStore::row, id));
    }

    @Override
    public List<Campaign> list() {
        return db.tx(c -> Sql.list(c, SELECT + " ORDER BY created_at, id", JdbcCampaignStore::row));
    }

    @Override
    public Documents documents(String id) {
        return db.tx(c -> Sql.first(c, "SELECT fleet_document, plan_document, advisory_document FROM campaigns WHERE id = ?",
                rs -> new Documents(rs.getString(1), rs.getString(2), rs.getString(3)), id).orElse(null));
    }

    @Override
    public Optional<String> lastFinished() {
        return db.tx(c -> Sql.first(c, "SELECT id FROM campaigns WHERE state IN ('completed', 'halted', 'aborted')"
                + " ORDER BY started_at DESC, id DESC FETCH FIRST 1 ROWS ONLY", rs -> rs.getString(1)));
    }

    @Override
    public List<String> activeIds() {
        return db.tx(c -> Sql.list(c, "SELECT id FROM campaigns WHERE state IN ('running', 'paused')"
                + " ORDER BY created_at, id", rs -> rs.getString(1)));
    }

    @Override
    public Stored load(String campaign) {
        return rounds.load(campaign);
    }

    @Override
    public void logInput(String campaign, Input input, Audit audit) {
        rounds.logInput(campaign, input, audit);
    }

    @Override
    public long commit(String campaign, Round round) {
        return rounds.commit(campaign, round);
    }

    private static final String SUPERSEDE = Sql.transition("end_reason = ?", CampaignState.PROPOSED, CampaignState.SUPERSEDED)
            + " AND id = ?";

    /** A loop that cannot go on halts its campaign: running or paused → halted, nothing else. */
    private static final String HALT = Sql.transition("end_reason = ?", List.of(CampaignState.RUNNING, CampaignState.PAUSED),
            List.of(CampaignState.HALTED)) + " AND id = ?";

    @Override
    public void halt(String campaign, String reason) {
        try {
            db.tx(c -> {
                if (rounds.term() > 0) {
                    Sql.fence(c, rounds.term());
                }
                try (PreparedStatement ps = c.prepareStatement(HALT)) {
                    ps.setString(1, Sql.cut(reason, 2000));
                    ps.setString(2, campaign);
                    ps.executeUpdate();
                }
                return null;
            });
        } catch (RuntimeException ignored) {
            // the database is gone too; the next start replays and finds the same reason
        }
    }

    private static Campaign row(ResultSet rs) throws SQLException {
        Long slack = Sql.getLong(rs, 13);
        Long started = Sql.getLong(rs, 10);
        return new Campaign(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getString(4), rs.getString(5), rs.getLong(6),
                rs.getDouble(7), CampaignState.parse(rs.getString(8)), rs.getLong(9), started, rs.getLong(11), rs.getLong(12), slack,
                rs.getInt(14), rs.getInt(15), rs.getInt(16), rs.getInt(17), rs.getLong(18), rs.getString(19), rs.getString(20),
                Sql.getLong(rs, 21));
    }
}

package dev.ferry.server;

import dev.ferry.agent.AgentDriver;
import dev.ferry.core.model.Advisory;
import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.Policy;
import dev.ferry.core.planner.FerryStrategy;
import dev.ferry.core.planner.NaiveStrategy;
import dev.ferry.core.planner.Plan;
import dev.ferry.core.planner.PlanStrategy;
import dev.ferry.core.planner.PlanningProblem;
import dev.ferry.formats.PolicyReader;
import dev.ferry.server.engine.CampaignEngine;
import dev.ferry.server.engine.Command;
import dev.ferry.server.engine.EngineStore;
import dev.ferry.server.engine.Signal;
import dev.ferry.store.Database;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Campaigns: proposed from an advisory and a policy (a plan with predicted duration, lower bound
 * and slack), approved (one running at a time), paused, resumed, aborted; each approved campaign
 * runs in a {@link CampaignEngine}. At start, campaigns that were running are resumed by replay.
 * Thread-safe.
 */
public final class Campaigns implements AutoCloseable {
    /** A campaign row. */
    public record Row(String id, String advisory, long inventoryVersion, String policy, String strategy, long seed,
                      double accel, String state, long createdAt, Long startedAt, long predictedSeconds,
                      long lowerBoundSeconds, Long slackSeconds, int steps, int affectedHosts, int hostsPatched,
                      int hostsFailed, long virtualMs, String endReason, String hypervisors) {
        public boolean active() {
            return state.equals("running") || state.equals("paused");
        }
    }

    /** A loaded campaign: its problem and plan (recomputed: the planner is deterministic). */
    public record Loaded(Row row, PlanningProblem problem, Plan plan) {
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Database db;
    private final Inventory inventory;
    private final Advisories advisories;
    private final EngineStore engineStore;
    private final InstantSource clock;
    private final double defaultAccel;
    private final Map<String, CampaignEngine> engines = new ConcurrentHashMap<>();
    private final Map<String, Loaded> loaded = new ConcurrentHashMap<>();

    public Campaigns(Database db, Inventory inventory, Advisories advisories, EngineStore engineStore,
                     InstantSource clock, double defaultAccel) {
        this.db = db;
        this.inventory = inventory;
        this.advisories = advisories;
        this.engineStore = engineStore;
        this.clock = clock;
        this.defaultAccel = defaultAccel;
    }

    /** Resumes every campaign that was running or paused when the server stopped. */
    public void recover() {
        for (Row r : list()) {
            if (r.active()) {
                startEngine(load(r.id()));
            }
        }
    }

    /**
     * @param hypervisors "simulated" (default) or "agents": the fleet's host agents (every host needs
     *                    an {@code agent} address), in real time
     */
    public Row create(String advisoryId, String policyText, String strategyName, Double accel, Long seed, String hypervisors,
                      Principal who, String requestId) {
        String on = hypervisors == null ? "simulated" : hypervisors;
        if (!on.equals("simulated") && !on.equals("agents")) {
            throw ApiException.badRequest("hypervisors must be simulated or agents");
        }
        if (on.equals("agents") && accel != null && accel != 1) {
            throw ApiException.badRequest("a campaign on agents runs in real time: accel must be 1 (or left out)");
        }
        PlanStrategy strategy = switch (strategyName == null ? "ferry" : strategyName) {
            case "ferry" -> new FerryStrategy();
            case "naive" -> new NaiveStrategy();
            default -> throw ApiException.badRequest("strategy must be ferry or naive");
        };
        if (accel != null && !(accel >= 1 && accel <= 1_000_000)) {
            throw ApiException.badRequest("accel must be between 1 (real time) and 1000000");
        }
        Advisory advisory = advisories.get(advisoryId).advisory();
        Policy policy = policy(policyText);
        Inventory.Current inv = inventory.current();
        if (inv.fleet().hosts().isEmpty()) {
            throw ApiException.conflict("the inventory is empty: import a fleet first (PUT /v1/inventory)");
        }
        if (on.equals("agents")) {
            List<String> without = inv.fleet().hosts().stream().filter(h -> h.agent() == null).map(h -> h.id()).limit(5).toList();
            if (!without.isEmpty()) {
                throw ApiException.conflict("a campaign on agents needs every host's agent address (the fleet's agent field);"
                        + " none for " + String.join(", ", without) + (without.size() == 5 ? ", ..." : ""));
            }
        }
        long now = clock.millis();
        PlanningProblem problem = new PlanningProblem(inv.fleet(), advisory, policy, Instant.ofEpochMilli(now));
        Plan plan = strategy.plan(problem);
        String id = "c-" + HexFormat.of().formatHex(bytes(5));
        Row row = new Row(id, advisoryId, inv.version(), policyText == null ? "" : policyText, strategy.name(),
                seed != null ? seed : RANDOM.nextLong(), on.equals("agents") ? 1 : accel != null ? accel : defaultAccel, "proposed",
                now, null, plan.summary().makespanSeconds(), plan.summary().lowerBoundSeconds(), plan.summary().deadlineSlackSeconds(),
                plan.steps().size(), plan.affectedHosts().size(), 0, 0, 0, null, on);
        db.tx(c -> {
            // under the inventory lock: a change committed while this plan was made would not supersede it
            Inventory.lock(c);
            if (Inventory.storedVersion(c) != inv.version()) {
                throw ApiException.conflict("the inventory changed while the plan was made; propose again");
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO campaigns (id, advisory, inventory_version, policy, strategy,"
                    + " seed, accel, state, created_at, predicted_s, lower_bound_s, slack_s, steps, affected_hosts, hosts_patched,"
                    + " hosts_failed, virtual_ms, row_version, fleet_document, hypervisors)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, 'proposed', ?, ?, ?, ?, ?, ?, 0, 0, 0, 0, ?, ?)")) {
                ps.setString(1, row.id());
                ps.setString(2, row.advisory());
                ps.setLong(3, row.inventoryVersion());
                ps.setString(4, row.policy());
                ps.setString(5, row.strategy());
                ps.setLong(6, row.seed());
                ps.setDouble(7, row.accel());
                ps.setLong(8, now);
                ps.setLong(9, row.predictedSeconds());
                ps.setLong(10, row.lowerBoundSeconds());
                if (row.slackSeconds() == null) {
                    ps.setNull(11, java.sql.Types.BIGINT);
                } else {
                    ps.setLong(11, row.slackSeconds());
                }
                ps.setInt(12, row.steps());
                ps.setInt(13, row.affectedHosts());
                ps.setString(14, Uploads.json(inv.fleet()));
                ps.setString(15, on);
                ps.executeUpdate();
            }
            AuditLog.write(c, now, who.actor(), requestId, "campaign.propose", id, true, advisoryId + " on inventory version "
                    + inv.version() + (on.equals("agents") ? ", on the host agents" : "") + ": " + plan.steps().size()
                    + " steps, predicted " + row.predictedSeconds() + " s");
            return null;
        });
        loaded.put(id, new Loaded(row, problem, plan));
        return row;
    }

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    private Policy policy(String text) {
        if (text == null || text.isBlank()) {
            return Policy.DEFAULTS;
        }
        return Uploads.read(text.getBytes(StandardCharsets.UTF_8), "policy", new PolicyReader()::read);
    }

    /**
     * Approves a proposal. Compare-and-swap in one transaction: it must still be proposed (not
     * superseded by an inventory change) and no other campaign may be running; the campaign lock row
     * serializes approvals.
     */
    public Row approve(String id, Principal who, String requestId) {
        Loaded l = load(id);
        if (l.row().hypervisors().equals("agents") && l.row().state().equals("proposed")) {
            preflight(l.problem().fleet());
        }
        long now = clock.millis();
        String refusal = db.tx(c -> {
            Database.lock(c, "campaign-lock");
            try (ResultSet rs = c.prepareStatement("SELECT id FROM campaigns WHERE state IN ('running', 'paused')").executeQuery()) {
                if (rs.next()) {
                    return "campaign " + rs.getString(1) + " is running; one campaign runs at a time";
                }
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE campaigns SET state = 'running', started_at = ?,"
                    + " row_version = row_version + 1 WHERE id = ? AND state = 'proposed'")) {
                ps.setLong(1, now);
                ps.setString(2, id);
                if (ps.executeUpdate() == 1) {
                    AuditLog.write(c, now, who.actor(), requestId, "campaign.approve", id, true, "approved");
                    return null;
                }
            }
            return "only a proposed campaign can be approved; " + id + " is " + state(c, id)
                    + (state(c, id).equals("superseded") ? " (the inventory changed): propose it again" : "");
        });
        if (refusal != null) {
            throw ApiException.conflict(refusal);
        }
        loaded.remove(id);
        startEngine(load(id));
        return row(id);
    }

    /**
     * A campaign on agents starts only when every host's agent answers, as that host, on the version
     * the inventory says, running the instances the inventory places there: a campaign that would
     * find out half-way that its view of the fleet is wrong is refused before it starts.
     */
    private static void preflight(Fleet fleet) {
        List<String> problems;
        try {
            problems = AgentDriver.preflight(fleet, java.time.Duration.ofSeconds(10), 20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "Service Unavailable", "interrupted");
        }
        if (!problems.isEmpty()) {
            throw ApiException.conflict("the host agents do not match the inventory: " + String.join("; ", problems)
                    + (problems.size() == 20 ? " (the first 20)" : ""));
        }
    }

    private static String state(java.sql.Connection c, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT state FROM campaigns WHERE id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : "unknown";
            }
        }
    }

    /** Hands an operator's or a tenant's command to the running campaign and waits for its commit. */
    public Command.Outcome command(String id, Command command) {
        CampaignEngine e = engines.get(id);
        if (e == null) {
            Row r = row(id);
            throw ApiException.conflict("campaign " + id + " is " + r.state() + ", not running");
        }
        try {
            return e.submit(command).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "Service Unavailable", "interrupted");
        } catch (ExecutionException | TimeoutException ex) {
            throw new ApiException(503, "Service Unavailable", "the campaign loop did not answer: " + ex.getMessage(), 5L);
        }
    }

    /** The running campaign that holds an event of this tenant, or null. */
    public CampaignEngine engine(String id) {
        return engines.get(id);
    }

    public Map<String, CampaignEngine> engines() {
        return engines;
    }

    private void startEngine(Loaded l) {
        Row r = l.row();
        CampaignEngine e = new CampaignEngine(r.id(), l.problem(), l.plan(), r.seed(), r.startedAt(), r.accel(), engineStore, clock,
                new Reconciliation(), r.hypervisors().equals("agents") ? AgentDriver.clients(l.problem().fleet()) : null);
        engines.put(r.id(), e);
        e.start();
        synchronized (engines) {
            engines.notifyAll();
        }
    }

    /**
     * The loop of an approved campaign, waiting for it while it is being started (its plan is
     * rebuilt first); null when the campaign is not running in this server.
     */
    public CampaignEngine awaitEngine(String id, long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        synchronized (engines) {
            while (!engines.containsKey(id) && row(id).active()) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    break;
                }
                engines.wait(left);
            }
        }
        return engines.get(id);
    }

    public Loaded load(String id) {
        Loaded l = loaded.get(id);
        if (l != null && l.row().state().equals("proposed")) {
            return new Loaded(row(id), l.problem(), l.plan());
        }
        Row r = row(id);
        String document = db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT fleet_document FROM campaigns WHERE id = ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getString(1);
                }
            }
        });
        Fleet fleet = inventory.parseStored(document, "fleet of campaign " + id);
        Advisory a = advisories.get(r.advisory()).advisory();
        PlanningProblem problem = new PlanningProblem(fleet, a, policy(r.policy()), Instant.ofEpochMilli(r.createdAt()));
        Plan plan = (r.strategy().equals("naive") ? new NaiveStrategy() : new FerryStrategy()).plan(problem);
        Loaded fresh = new Loaded(r, problem, plan);
        loaded.put(id, fresh);
        return fresh;
    }

    public Row row(String id) {
        Row r = db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT + " WHERE id = ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? row(rs) : null;
                }
            }
        });
        if (r == null) {
            throw ApiException.notFound("campaign");
        }
        return r;
    }

    public List<Row> list() {
        return db.tx(c -> {
            List<Row> out = new ArrayList<>();
            try (ResultSet rs = c.prepareStatement(SELECT + " ORDER BY created_at, id").executeQuery()) {
                while (rs.next()) {
                    out.add(row(rs));
                }
            }
            return out;
        });
    }

    private static final String SELECT = "SELECT id, advisory, inventory_version, policy, strategy, seed, accel, state, created_at,"
            + " started_at, predicted_s, lower_bound_s, slack_s, steps, affected_hosts, hosts_patched, hosts_failed, virtual_ms,"
            + " end_reason, hypervisors FROM campaigns";

    private static Row row(ResultSet rs) throws SQLException {
        long started = rs.getLong(10);
        Long startedAt = rs.wasNull() ? null : started;
        long slack = rs.getLong(13);
        Long slackS = rs.wasNull() ? null : slack;
        return new Row(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getString(4), rs.getString(5), rs.getLong(6),
                rs.getDouble(7), rs.getString(8), rs.getLong(9), startedAt, rs.getLong(11), rs.getLong(12), slackS,
                rs.getInt(14), rs.getInt(15), rs.getInt(16), rs.getInt(17), rs.getLong(18), rs.getString(19), rs.getString(20));
    }

    /** A finished campaign's placements and patched hosts become the inventory (the next version). */
    private final class Reconciliation implements CampaignEngine.Ending {
        private List<Inventory.Change> changes(Map<String, String> moves, Map<String, String> versions) {
            List<Inventory.Change> out = new ArrayList<>();
            moves.forEach((i, h) -> out.add(new Inventory.Change("move", i, h)));
            versions.forEach((h, v) -> out.add(new Inventory.Change("hypervisor", h, v)));
            return out;
        }

        @Override
        public void write(java.sql.Connection c, String campaign, Map<String, String> moves, Map<String, String> versions)
                throws SQLException {
            List<Inventory.Change> changes = changes(moves, versions);
            if (changes.isEmpty()) {
                return;
            }
            Principal ferry = new Principal("ferry/" + campaign, Principal.Role.OPERATOR, null, "campaign");
            inventory.record(c, changes, ferry, null, "campaign.reconcile", campaign,
                    moves.size() + " instances on new hosts, " + versions.size() + " hosts on the fixed version");
            try (PreparedStatement ps = c.prepareStatement("UPDATE instances SET host = ? WHERE id = ?")) {
                for (var m : moves.entrySet()) {
                    ps.setString(1, m.getValue());
                    ps.setString(2, m.getKey());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE hosts SET hypervisor = ? WHERE id = ?")) {
                for (var v : versions.entrySet()) {
                    ps.setString(1, v.getValue());
                    ps.setString(2, v.getKey());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            Inventory.recomputeLedger(c);
        }

        @Override
        public void committed(String campaign, Map<String, String> moves, Map<String, String> versions) {
            inventory.applied(changes(moves, versions));
        }

        @Override
        public void published(String campaign) {
            changes.bump();
        }
    }

    private final Signal changes = new Signal();

    /** True once the server is stopping: watchers (event streams) end. */
    public boolean closing() {
        return changes.released();
    }

    /**
     * Waits until any campaign loop of this server publishes after {@code seen} (or the timeout
     * passes) and returns the latest change number; {@code -1} returns at once.
     */
    public long awaitChange(long seen, long timeoutMs) throws InterruptedException {
        return changes.await(seen, timeoutMs);
    }

    /** The server is stopping: every watcher (event stream) waiting on a campaign returns now. */
    public void releaseWatchers() {
        changes.release();
        engines.values().forEach(CampaignEngine::releaseWatchers);
    }

    @Override
    public void close() {
        releaseWatchers();
        for (CampaignEngine e : engines.values()) {
            e.close();
        }
    }
}

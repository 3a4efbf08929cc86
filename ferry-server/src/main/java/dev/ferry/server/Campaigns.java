package dev.ferry.server;

import dev.ferry.agent.driver.AgentDriver;
import dev.ferry.agent.driver.Preflight;
import dev.ferry.core.lifecycle.CampaignState;
import dev.ferry.core.model.Advisory;
import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.Policy;
import dev.ferry.core.planner.FerryStrategy;
import dev.ferry.core.planner.NaiveStrategy;
import dev.ferry.core.planner.Plan;
import dev.ferry.core.planner.PlanStrategy;
import dev.ferry.core.planner.PlanningProblem;
import dev.ferry.core.verify.PlanVerifier;
import dev.ferry.formats.PlanJsonReader;
import dev.ferry.formats.PlanJsonWriter;
import dev.ferry.formats.PolicyReader;
import dev.ferry.server.engine.CampaignEngine;
import dev.ferry.server.engine.Command;
import dev.ferry.server.engine.EngineStore;
import dev.ferry.sim.Expected;
import dev.ferry.sim.TenantModel;
import dev.ferry.store.Audit;
import dev.ferry.store.CampaignStore;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Campaigns: proposed from an advisory and a policy (a plan with predicted duration, lower bound
 * and slack, stored with the proposal), approved (one running at a time; approval runs exactly the
 * stored plan), paused, resumed, aborted; each approved campaign runs in a {@link CampaignEngine}.
 * States follow {@link CampaignState#TABLE}. At start, campaigns that were running are resumed by
 * replay. Thread-safe.
 */
public final class Campaigns implements AutoCloseable {
    /** A campaign row. */
    public record Row(String id, String advisory, long inventoryVersion, String policy, String strategy, long seed,
                      double accel, CampaignState state, long createdAt, Long startedAt, long predictedSeconds,
                      long lowerBoundSeconds, Long slackSeconds, int steps, int affectedHosts, int hostsPatched,
                      int hostsFailed, long virtualMs, String endReason, String hypervisors, Long expectedSeconds) {
        public boolean active() {
            return state.active();
        }

        static Row of(CampaignStore.Campaign c) {
            return new Row(c.id(), c.advisory(), c.inventoryVersion(), c.policy(), c.strategy(), c.seed(), c.accel(), c.state(),
                    c.createdAt(), c.startedAt(), c.predictedSeconds(), c.lowerBoundSeconds(), c.slackSeconds(), c.steps(),
                    c.affectedHosts(), c.hostsPatched(), c.hostsFailed(), c.virtualMs(), c.endReason(), c.hypervisors(),
                    c.expectedSeconds());
        }

        CampaignStore.Campaign stored() {
            return new CampaignStore.Campaign(id, advisory, inventoryVersion, policy, strategy, seed, accel, state, createdAt,
                    startedAt, predictedSeconds, lowerBoundSeconds, slackSeconds, steps, affectedHosts, hostsPatched, hostsFailed,
                    virtualMs, endReason, hypervisors, expectedSeconds);
        }
    }

    /** A loaded campaign: its problem and the plan it was proposed with. */
    public record Loaded(Row row, PlanningProblem problem, Plan plan) {
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final CampaignStore store;
    private final Inventory inventory;
    private final Advisories advisories;
    private final EngineStore engineStore;
    private final InstantSource clock;
    private final double defaultAccel;
    private final AgentDriver.Observer driverObserver;
    private final CampaignLoops loops;
    private final Map<String, Loaded> loaded = new ConcurrentHashMap<>();
    private final Cluster cluster;
    private final CommandQueue queue;
    /** Mutual TLS with the agents (null: plain HTTP). */
    private final dev.ferry.agent.tls.FleetTls tls;
    /** Campaigns on agents may run: over TLS, or over plain HTTP where that was allowed explicitly. */
    private final boolean agentsAllowed;

    public Campaigns(CampaignStore store, Inventory inventory, Advisories advisories, EngineStore engineStore,
                     InstantSource clock, double defaultAccel, AgentDriver.Observer driverObserver, Cluster cluster,
                     dev.ferry.store.ClusterStore clusterStore, dev.ferry.agent.tls.FleetTls tls, boolean agentsAllowed,
                     dev.ferry.store.AgentStore reports) {
        this.driverObserver = driverObserver;
        this.tls = tls;
        this.agentsAllowed = agentsAllowed;
        this.cluster = cluster;
        this.queue = new CommandQueue(clusterStore, clock);
        this.store = store;
        this.inventory = inventory;
        this.advisories = advisories;
        this.engineStore = engineStore;
        this.clock = clock;
        this.defaultAccel = defaultAccel;
        this.loops = new CampaignLoops(engineStore, inventory, clock, driverObserver, cluster, tls,
                id -> row(id).active(), this::load, this::list, reports);
    }

    /** {@code listener} is told of each campaign after its final commit on this controller (the inventory has followed it). */
    public void onEnded(java.util.function.Consumer<String> listener) {
        loops.onEnded(listener);
    }

    /** From now on each campaign loop round's time and each effect's dispatch latency (ns) go to these (the metrics). */
    public void timed(java.util.function.LongConsumer rounds, java.util.function.LongConsumer dispatches) {
        loops.timed(rounds, dispatches);
    }

    /** This controller leads from now on, at {@code term}: its running campaigns are resumed here ({@link CampaignLoops#lead}). */
    public void lead(long term) {
        loops.lead(term);
    }

    /** This controller no longer leads: its loops stop at once (nothing is halted; the new leader resumes them). */
    public void standBy() {
        loops.standBy();
    }

    /**
     * The leader's round of duties beside its loops: a campaign approved on another controller gets
     * its loop here, and the commands other controllers queued are handed to the loops. Returns how
     * many commands it took (0: nothing to do).
     */
    public int followUp() {
        long term = cluster.term();
        if (term == 0) {
            return 0;
        }
        for (String id : store.activeIds()) {
            if (loops.engine(id) == null) {
                loops.start(load(id), term);
            }
        }
        return queue.takeUp(term, loops::engine);
    }

    /** The loop of a campaign running in this controller, or null. */
    public CampaignEngine engine(String id) {
        return loops.engine(id);
    }

    public Map<String, CampaignEngine> engines() {
        return loops.engines();
    }

    /** The loop of an approved campaign, waited for while it is being started; null when it does not run here. */
    public CampaignEngine awaitEngine(String id, long timeoutMs) throws InterruptedException {
        return loops.await(id, timeoutMs);
    }

    /** This controller leads (runs the campaign loops) now. */
    public boolean leading() {
        return cluster.leading();
    }

    /** True once the server is stopping: watchers (event streams) end. */
    public boolean closing() {
        return loops.closing();
    }

    /** Waits until any campaign loop here publishes after {@code seen} (or the timeout passes); the latest change number. */
    public long awaitChange(long seen, long timeoutMs) throws InterruptedException {
        return loops.awaitChange(seen, timeoutMs);
    }

    /** The server is stopping: every watcher (event stream) waiting on a campaign returns now. */
    public void releaseWatchers() {
        loops.releaseWatchers();
    }

    /**
     * @param hypervisors "simulated" (default) or "agents": the fleet's host agents (every host needs
     *                    an {@code agent} address), in real time
     * @param tenants     how tenants are expected to answer notices: the plan's expected duration is timed with them
     */
    public Row create(String advisoryId, String policyText, String strategyName, Double accel, Long seed, String hypervisors,
                      TenantModel tenants, Principal who, String requestId) {
        String on = hypervisors == null ? "simulated" : hypervisors;
        if (!on.equals("simulated") && !on.equals("agents")) {
            throw Refused.invalid("hypervisors must be simulated or agents");
        }
        if (on.equals("agents") && !agentsAllowed) {
            throw Refused.conflict("this controller talks to host agents only over mutual TLS: start it with --tls DIR (see"
                    + " 'ferry ca'), or with --insecure-agents for a local lab");
        }
        if (on.equals("agents") && accel != null && accel != 1) {
            throw Refused.invalid("a campaign on agents runs in real time: accel must be 1 (or left out)");
        }
        PlanStrategy strategy = switch (strategyName == null ? "ferry" : strategyName) {
            case "ferry" -> new FerryStrategy();
            case "naive" -> new NaiveStrategy();
            default -> throw Refused.invalid("strategy must be ferry or naive");
        };
        if (accel != null && !(accel >= 1 && accel <= 1_000_000)) {
            throw Refused.invalid("accel must be between 1 (real time) and 1000000");
        }
        Advisories.Registered registered = advisories.get(advisoryId);
        if (registered.withdrawnAt() != null) {
            throw Refused.conflict("advisory " + advisoryId + " was withdrawn");
        }
        Advisory advisory = registered.advisory();
        Policy policy = policy(policyText);
        Inventory.Current inv = inventory.current();
        if (inv.fleet().hosts().isEmpty()) {
            throw Refused.conflict("the inventory is empty: import a fleet first (PUT /v1/inventory)");
        }
        if (on.equals("agents")) {
            List<String> without = inv.fleet().hosts().stream().filter(h -> h.agent() == null).map(h -> h.id()).limit(5).toList();
            if (!without.isEmpty()) {
                throw Refused.conflict("a campaign on agents needs every host's agent address (the fleet's agent field);"
                        + " none for " + String.join(", ", without) + (without.size() == 5 ? ", ..." : ""));
            }
        }
        long now = clock.millis();
        PlanningProblem problem = new PlanningProblem(inv.fleet(), advisory, policy, Instant.ofEpochMilli(now));
        Plan plan = strategy.plan(problem);
        String id = "c-" + HexFormat.of().formatHex(bytes(5));
        Row row = new Row(id, advisoryId, inv.version(), policyText == null ? "" : policyText, strategy.name(),
                seed != null ? seed : RANDOM.nextLong(), on.equals("agents") ? 1 : accel != null ? accel : defaultAccel,
                CampaignState.PROPOSED, now, null, plan.summary().makespanSeconds(), plan.summary().lowerBoundSeconds(),
                plan.summary().deadlineSlackSeconds(), plan.steps().size(), plan.affectedHosts().size(), 0, 0, 0, null, on,
                Expected.of(problem, plan, tenants).makespanSeconds());
        boolean stored = store.propose(row.stored(), new CampaignStore.Documents(Uploads.json(inv.fleet()), PlanJsonWriter.json(plan),
                registered.document()),
                new Audit(now, who.actor(), requestId, "campaign.propose", id, advisoryId + " on inventory version " + inv.version()
                        + (on.equals("agents") ? ", on the host agents" : "") + ": " + plan.steps().size() + " steps, predicted "
                        + row.predictedSeconds() + " s"));
        if (!stored) {
            throw Refused.conflict("the inventory changed while the plan was made; propose again");
        }
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
     * Approves a proposal: it must still be proposed (not superseded by an inventory change), no
     * other campaign may be running, and its stored plan must still pass the verifier on the fleet
     * it was made for. The campaign then runs exactly that plan.
     */
    public Row approve(String id, Principal who, String requestId) {
        Loaded l = load(id);
        if (l.row().state() == CampaignState.PROPOSED) {
            List<String> broken = PlanVerifier.verify(l.problem(), l.plan());
            if (!broken.isEmpty()) {
                throw Refused.conflict("the stored plan of " + id + " breaks the safety rules (" + broken.size() + "), first: "
                        + broken.get(0) + "; propose again");
            }
            if (l.row().hypervisors().equals("agents")) {
                preflight(inventory.current().fleet());
            }
        }
        long now = clock.millis();
        PlanFootprint footprint = new PlanFootprint(l.problem(), l.plan());
        CampaignStore.Approval a = approveOnCurrent(id, new Audit(now, who.actor(), requestId, "campaign.approve", id, "approved"),
                footprint);
        if (a.supersededBecause() != null) {
            loaded.remove(id);
            throw Refused.conflict(id + " is superseded: " + a.supersededBecause() + "; propose it again");
        }
        if (!a.approved()) {
            if (a.running() != null) {
                throw Refused.conflict("campaign " + a.running() + " is running; one campaign runs at a time");
            }
            String state = a.state() == null ? "unknown" : a.state().wireName();
            throw Refused.conflict("only a proposed campaign can be approved; " + id + " is " + state
                    + (a.state() == CampaignState.SUPERSEDED ? " (the inventory it was planned on was replaced): propose it again" : ""));
        }
        loaded.remove(id);
        long term = cluster.term();
        if (term > 0) {
            loops.start(load(id), term); // a standby's approval is started by the leader's follow-up
        }
        return row(id);
    }

    /**
     * The approval, on the inventory as it is now (what changed since the proposal without touching
     * its plan — tenants' launches, stops, starts elsewhere — is what the campaign runs on). The
     * in-memory inventory may trail a commit by a moment: then the store says "stale" and it is
     * asked again.
     */
    private CampaignStore.Approval approveOnCurrent(String id, Audit audit, PlanFootprint footprint) {
        for (int attempt = 0; ; attempt++) {
            Inventory.Current current = inventory.current();
            CampaignStore.Approval a = store.approve(id, audit.at(), audit, footprint::overtakenBecause, Uploads.json(current.fleet()),
                    current.version());
            if (!a.stale()) {
                return a;
            }
            if (attempt == 50) {
                throw Refused.unavailable("the inventory keeps changing under the approval; try again", 1L);
            }
            try {
                Thread.sleep(5); // a change committed a moment ago is being applied to the in-memory inventory
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw Refused.unavailable("interrupted", null);
            }
        }
    }

    /**
     * A campaign on agents starts only when every host's agent answers, as that host, on the version
     * the inventory says, running the instances the inventory places there: a campaign that would
     * find out half-way that its view of the fleet is wrong is refused before it starts.
     */
    private void preflight(Fleet fleet) {
        List<String> problems;
        try {
            // 10 s, and a second more for every 200 hosts (10,000 agents are asked in about 20 s on 2 cores)
            problems = Preflight.check(fleet, java.time.Duration.ofSeconds(10 + fleet.hosts().size() / 200), 20, tls);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Refused.unavailable("interrupted", null);
        }
        if (!problems.isEmpty()) {
            throw Refused.conflict("the host agents do not match the inventory: " + String.join("; ", problems)
                    + (problems.size() == 20 ? " (the first 20)" : ""));
        }
    }

    /**
     * Hands an operator's or a tenant's command to the running campaign and waits for its commit: to
     * its loop when it runs here, else through the database to the leader's ({@link CommandQueue}).
     */
    public Command.Outcome command(String id, Command command) {
        CampaignEngine e = loops.engine(id);
        if (e == null && cluster.leading()) {
            try {
                e = awaitEngine(id, 10_000); // approved a moment ago: its loop is being started
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw Refused.unavailable("interrupted", null);
            }
        }
        if (e == null) {
            Row r = row(id);
            if (!r.active()) {
                throw Refused.conflict("campaign " + id + " is " + r.state().wireName() + ", not running");
            }
            return queue.send(id, command, 30_000);
        }
        try {
            return e.submit(command).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw Refused.unavailable("interrupted", null);
        } catch (ExecutionException | TimeoutException ex) {
            throw Refused.unavailable("the campaign loop did not answer: " + ex.getMessage(), 5L);
        }
    }

    /**
     * The campaign whose loop owns the instance now (running or paused, the instance in its fleet),
     * or null; a loop of this controller that has stopped does not count, the stored state does.
     */
    public String owning(String instance) {
        for (CampaignEngine e : loops.engines().values()) {
            if (e.live() && e.fleet().instanceIndex(instance) >= 0) {
                return e.id();
            }
        }
        Row r = running();
        return r != null && load(r.id()).problem().fleet().instanceIndex(instance) >= 0 ? r.id() : null;
    }

    /** The campaign is still running or paused (its loop here says so, or else its stored state). */
    public boolean live(String id) {
        CampaignEngine e = loops.engine(id);
        return e != null && e.live() || row(id).active();
    }

    /**
     * A host went down (its agent is silent past the threshold): every running campaign whose fleet
     * has it is told, without waiting for its answer; the campaign fences the host and restarts its
     * instances elsewhere (a campaign that knows already ignores it).
     */
    public void hostDown(String host) {
        for (CampaignEngine e : loops.engines().values()) {
            if (e.fleet().hostIndex(host) >= 0) {
                e.submit(new Command.HostDown(host, "ferry", "host-health-" + host + "-" + clock.millis()));
            }
        }
    }

    /**
     * The advisory was amended: every running campaign on it takes the new document (a logged
     * input: hosts it affects now join, hosts it no longer affects leave before their step); waits
     * for each one's commit.
     */
    public void advisoryAmended(String advisory, String document, String actor, String requestId) {
        for (Row r : list()) {
            CampaignEngine e = loops.engine(r.id());
            if (r.active() && r.advisory().equals(advisory) && (e == null || e.snapshot() == null || !e.snapshot().done())) {
                command(r.id(), new Command.AdvisoryAmended(document, actor, requestId));
            }
        }
    }

    /**
     * An agent reports a version the inventory does not have while campaigns run (the inventory
     * follows once they end): each running campaign whose fleet has the host is told, without
     * waiting; a host fixed outside a campaign leaves it before its step.
     */
    public void hostVersion(String host, String version) {
        if (!cluster.leading()) {
            for (Row r : list()) {
                if (r.active() && load(r.id()).problem().fleet().hostIndex(host) >= 0) {
                    queue.send(r.id(), new Command.HostVersion(host, version, "ferry", "host-version-" + host + "-" + clock.millis()), 0);
                }
            }
            return;
        }
        for (CampaignEngine e : loops.engines().values()) {
            if (e.fleet().hostIndex(host) >= 0) {
                e.submit(new Command.HostVersion(host, version, "ferry", "host-version-" + host + "-" + clock.millis()));
            }
        }
    }

    /** The campaign that runs (or is paused) now, or null. */
    public Row running() {
        for (Row r : list()) {
            if (r.active()) {
                return r;
            }
        }
        return null;
    }

    /** The campaign that ended last (completed, halted or aborted), or null. */
    public String lastFinished() {
        return store.lastFinished().orElse(null);
    }

    /** The campaign with its fleet and the plan it was proposed with (planned again only for campaigns stored before plans were). */
    public Loaded load(String id) {
        Loaded l = loaded.get(id);
        if (l != null && l.row().state() == CampaignState.PROPOSED) {
            return new Loaded(row(id), l.problem(), l.plan());
        }
        Row r = row(id);
        CampaignStore.Documents documents = store.documents(id);
        Fleet fleet = inventory.parseStored(documents.fleet(), "fleet of campaign " + id);
        // the advisory as it was proposed on: an amendment since applies to the next campaign
        Advisory a = documents.advisory() != null ? Advisories.parse(r.advisory(), documents.advisory())
                : advisories.get(r.advisory()).advisory();
        PlanningProblem problem = new PlanningProblem(fleet, a, policy(r.policy()), Instant.ofEpochMilli(r.createdAt()));
        Plan plan = documents.plan() != null ? new PlanJsonReader().read(documents.plan())
                : (r.strategy().equals("naive") ? new NaiveStrategy() : new FerryStrategy()).plan(problem);
        Loaded fresh = new Loaded(r, problem, plan);
        loaded.put(id, fresh);
        return fresh;
    }

    public Row row(String id) {
        return store.get(id).map(Row::of).orElseThrow(() -> Refused.notFound("campaign"));
    }

    public List<Row> list() {
        return store.list().stream().map(Row::of).toList();
    }

    @Override
    public void close() {
        loops.close();
    }
}

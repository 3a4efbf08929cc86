package dev.ferry.agent.driver;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.agent.AgentClient;
import dev.ferry.agent.Poll;
import dev.ferry.core.campaign.Effect;
import dev.ferry.core.campaign.Input;
import dev.ferry.core.campaign.Ports;
import dev.ferry.core.history.Fact;
import dev.ferry.core.model.Advisory;
import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.Instance;
import dev.ferry.core.model.Policy;
import dev.ferry.core.planner.MoveKind;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The campaign runtime's {@link Ports.Driver} for real hypervisors: each effect becomes calls to
 * the host agents, made on virtual threads; each answer goes to {@link Answers} with the facts it
 * implies ({@code stop}, {@code run}, QEMU's figures for a migration), so the invariant checker
 * sees what the hosts did. The caller (the campaign loop) stamps the facts with its own clock.
 *
 * <p>A live migration: the destination is prepared first (an incoming QEMU started with the move's
 * new placement epoch, which the agent refuses if it is not newer than any it has seen), then the
 * source migrates with the policy's downtime limit and bandwidth and auto-converge; once QEMU reports
 * it completed, the destination is confirmed running before the source is stopped. A failed
 * migration stops the prepared destination and leaves the source running.
 *
 * <p>After a controller restart, {@link #adopt} reads where every instance runs from the agents, and
 * {@link #resume} finishes each effect that was sent before the restart but has no answer stored:
 * from what the agents report, never by doing a move again that already happened.
 */
public final class AgentDriver implements Ports.Driver {
    /** Where answers go; called on the driver's threads. The facts are the agents'; the receiver stamps them with its time. */
    public interface Answers {
        void answer(List<Fact> facts, Input input);
    }

    /** Told of what the driver sees happen, on the driver's threads; for metrics and for tests that inject faults. */
    public interface Observer {
        Observer NONE = new Observer() {
        };

        /** QEMU reported a live migration switched over, before the destination is confirmed or the source stopped. */
        default void switchedOver(Effect.StartMove move) {
        }

        /** The first request of an effect left for its agent {@code nanos} after the effect was dispatched (after its commit). */
        default void dispatched(Effect effect, long nanos) {
        }

        /** The work for an effect failed with {@code e}; it is finished again from what the agents report unless the agent refused. */
        default void failed(Effect effect, Exception e) {
        }
    }

    private final Fleet fleet;
    private final Policy policy;
    private final Advisory advisory;
    private final List<AgentClient> agents;
    private final Answers answers;
    private final Observer observer;
    /** Per instance: the host it runs on; −1 stopped; −2−h stopped by h's reboot (it starts again at h's verification). */
    private final int[] host;
    /** Per instance: the campaign's placement epoch (as in its facts). */
    private final long[] epoch;
    private final Launcher starts;
    private final HostFence fences;
    private final Map<Integer, String> installing = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile boolean closed;

    /**
     * @param epochBase the epochs agents see are {@code epochBase} + 8 × the sequence number of the
     *                  effect that asks for the start (an effect's key is "op/sequence") + the attempt
     *                  (a QEMU that failed to start is tried again, up to {@value Launcher#START_ATTEMPTS} times):
     *                  they rise with every start and every retry of a move, within a campaign and across
     *                  campaigns (the controller uses the approval time in ms × 1,000,000)
     */
    public AgentDriver(Fleet fleet, Policy policy, Advisory advisory, List<AgentClient> agentsByHost, long epochBase,
                       Answers answers, Observer observer) {
        this.observer = observer;
        this.fleet = fleet;
        this.policy = policy;
        this.advisory = advisory;
        this.agents = agentsByHost.stream().map(a -> a.beforeEachRequest(DispatchClock::leaving)).toList();
        this.answers = answers;
        this.starts = new Launcher(fleet, agents, epochBase);
        this.epoch = new long[fleet.instances().size()];
        this.host = new int[fleet.instances().size()];
        this.fences = new HostFence(fleet, agents, answers, (i, h) -> {
            synchronized (host) {
                return host[i] == h ? stop(i, h, false) : null; // the stop fact of an instance it has there
            }
        });
        for (int i = 0; i < host.length; i++) {
            epoch[i] = 1;
            host[i] = fleet.hostOf(i);
        }
    }

    @Override
    public void apply(Effect effect) {
        run(effect, work(effect, false));
    }

    /** What an effect asks of the agents; {@code resuming}: it may have been done in part already (see {@link #resume}). */
    private Work work(Effect effect, boolean resuming) {
        if (resuming) {
            switch (effect) {
                case Effect.StartMove m -> {
                    return () -> resumeWithin(m);
                }
                case Effect.RebootHost r -> {
                    return () -> resumeReboot(r.host());
                }
                // a reset is not repeated: whether it happened before the restart cannot be told (at most once)
                case Effect.RebootInstance r -> {
                    return () -> answers.answer(List.of(), new Input.InstanceReset(r.instance(), r.host()));
                }
                default -> {
                    // the others are done again: each finds what is done already (verify, start, stop) or is harmless twice
                }
            }
        }
        return switch (effect) {
            case Effect.Cordon c -> () -> {
                // placement is the controller's: the agent has nothing to do
            };
            case Effect.StartMove m -> () -> move(m);
            case Effect.PatchHost p -> () -> {
                installing.put(p.host(), p.version()); // what its reboot comes back on
                Thread.sleep(policy.durations().patch().toMillis()); // the fixed version is "installed"
                answers.answer(List.of(), new Input.HostPatched(p.host()));
            };
            case Effect.RebootHost r -> () -> reboot(r.host());
            case Effect.VerifyHost v -> () -> verify(v);
            case Effect.StartInstance s -> () -> start(s);
            case Effect.StopInstance s -> () -> tenantStop(s);
            case Effect.RebootInstance r -> () -> reset(r);
            case Effect.FenceHost f -> () -> fences.fence(f.host());
            case Effect.Notify n -> throw new IllegalArgumentException("notices go to the notifier");
            case Effect.Wakeup w -> throw new IllegalArgumentException("wake-ups go to the timer");
        };
    }

    /**
     * Learns where every instance runs from the agents ({@link Adoption#learn}: the reports they
     * sent after the restart, else by asking them). {@code runtimeHost} and {@code runtimeEpoch} are
     * the campaign's own view (rebuilt from what was stored): an instance no agent runs is taken as
     * stopped by its host's reboot, to be started again at verification. Call before {@link #resume}.
     * Returns how many agents were asked.
     */
    public int adopt(int[] runtimeHost, long[] runtimeEpoch, Adoption.Reports reported) throws InterruptedException {
        Adoption.Learnt learnt = Adoption.learn(fleet, agents, reported);
        synchronized (host) {
            for (int i = 0; i < host.length; i++) {
                host[i] = learnt.hostOf()[i] >= 0 ? learnt.hostOf()[i] : -2 - runtimeHost[i];
                epoch[i] = runtimeEpoch[i];
            }
        }
        return learnt.asked();
    }

    /**
     * Finishes an effect that was sent before the controller restarted and has no answer stored, from
     * what the agents report: a move that switched over is answered as completed (its source stopped
     * if it still waits, paused); a migration still under way is followed to its end; a move that
     * never started or failed is answered as failed (the campaign tries again with a new epoch); the
     * host steps are done again where they had not happened.
     */
    public void resume(Effect effect) {
        run(effect, work(effect, true));
    }

    /** Both hosts must answer: "not there" and "unreachable" are not the same truth. */
    private void resumeWithin(Effect.StartMove m) throws Exception {
        if (Poll.until(600_000, 1_000, () -> {
            try {
                resumeMove(m);
            } catch (AgentClient.Refused r) {
                throw new IllegalStateException("move " + m.moveId() + ": an agent refused: " + r.getMessage(), r);
            }
            return true;
        }) == null) {
            throw new IOException("the hosts of move " + m.moveId() + " did not answer for 10 minutes");
        }
    }

    private void resumeMove(Effect.StartMove m) throws Exception {
        String id = fleet.instance(m.instance()).id();
        AgentClient src = agents.get(m.from());
        AgentClient dst = agents.get(m.to());
        JsonNode atDst = starts.find(m.to(), id);
        JsonNode atSrc = starts.find(m.from(), id);
        boolean dstRuns = atDst != null && atDst.path("alive").asBoolean() && starts.startedFor(atDst, m)
                && (atDst.path("role").asText().equals("running") || m.kind() == MoveKind.LIVE_MIGRATE
                && atSrc != null && atSrc.path("role").asText().equals("migrated"));
        if (dstRuns) {
            // it switched over before the restart: the destination runs the guest; finish what the move had left
            AgentCalls.awaitRunning(dst, id, 30_000);
            List<Fact> facts = new ArrayList<>();
            Long downtime = null;
            if (m.kind() == MoveKind.LIVE_MIGRATE) {
                JsonNode r = AgentCalls.migrationOf(src, id);
                if (r != null && r.path("status").asText().equals("completed")) {
                    downtime = r.path("downtimeMs").asLong();
                    facts.add(qemuFact(m, r));
                }
            }
            if (atSrc != null) {
                AgentCalls.stopQuietly(src, id);
            }
            facts.add(stop(m.instance(), m.from(), false));
            facts.add(run(m.instance(), m.to(), m.epoch()));
            answers.answer(facts, new Input.MoveCompleted(m.moveId(), downtime == null ? 0 : downtime));
            return;
        }
        if (m.kind() == MoveKind.LIVE_MIGRATE && atSrc != null && atSrc.path("role").asText().equals("migrating-out")) {
            Convergence convergence = new Convergence(policy.liveMigrationFor(fleet.instance(m.instance())),
                    fleet.instance(m.instance()).memoryMiB());
            finishLive(m, src, dst, convergence, convergence.postcopyCapable(m.postCopy())); // still under way: follow it to its end
            return;
        }
        if (atDst != null) {
            AgentCalls.stopQuietly(dst, id); // prepared, never switched over
        }
        if (m.kind() != MoveKind.LIVE_MIGRATE && (atSrc == null || !atSrc.path("alive").asBoolean())) {
            // a relocation that had stopped the source: start it where it was going
            starts.launch(m.instance(), m.to(), m);
            answers.answer(List.of(stop(m.instance(), m.from(), false), run(m.instance(), m.to(), m.epoch())),
                    new Input.MoveCompleted(m.moveId(), 0));
            return;
        }
        answers.answer(List.of(), new Input.MoveFailed(m.moveId(), "the controller restarted before the move switched over", false));
    }

    private void resumeReboot(int h) throws Exception {
        AgentClient a = agents.get(h);
        String fixed = installing.getOrDefault(h, advisory.fixedVersionFor(fleet.host(h)));
        String version = Poll.until(120_000, 100, 1_000, () -> a.get("/v1/host").path("version").asText()); // it may be rebooting
        if (version == null) {
            throw new IOException("host " + fleet.host(h).id() + " does not answer");
        }
        if (!version.equals(fixed)) {
            reboot(h);
            return;
        }
        List<Fact> stopped = new ArrayList<>();
        for (int i = 0; i < host.length; i++) {
            if (host[i] == -2 - h) {
                stopped.add(new Fact.Stopped(fleet.instance(i).id(), fleet.host(h).id(), epoch[i]));
            }
        }
        answers.answer(stopped, new Input.HostRebooted(h, version));
    }

    // ------------------------------------------------------------------ the steps

    private interface Work {
        void run() throws Exception;
    }

    /** How often an effect whose calls failed is finished again from what the agents report; 1 s, 2 s, ... 64 s apart. */
    static final int RECOVERIES = 7;

    /**
     * Does an effect's work on a virtual thread. Work that fails on the way (an agent that did not
     * answer, a command the leader's lease guard held back) leaves the effect sent but unanswered,
     * and nothing else answers it: it is finished again as after a restart ({@link #resume}), from
     * what the agents report, up to {@value #RECOVERIES} times, backing off. An agent's refusal is final.
     */
    private void run(Effect effect, Work first) {
        long dispatched = System.nanoTime();
        Thread.ofVirtual().name("driver").start(() -> {
            DispatchClock.begin(effect, dispatched, observer);
            Work w = first;
            for (int attempt = 0; ; attempt++) {
                try {
                    w.run();
                    return;
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    observer.failed(effect, e);
                    boolean again = e instanceof IOException && !(e instanceof AgentClient.Refused) && attempt < RECOVERIES && !closed;
                    System.err.println("ferry: driver: " + effect.key() + ": " + e.getMessage()
                            + (again ? "; finished from what the agents report in " + (1 << attempt) + " s" : "; left unanswered"));
                    if (!again) {
                        return;
                    }
                }
                try {
                    Thread.sleep(1_000L << attempt);
                } catch (InterruptedException e) {
                    return;
                }
                w = work(effect, true);
            }
        });
    }

    private void move(Effect.StartMove m) throws Exception {
        int i = m.instance();
        Instance inst = fleet.instance(i);
        AgentClient src = agents.get(m.from());
        AgentClient dst = agents.get(m.to());
        if (m.kind() != MoveKind.LIVE_MIGRATE) {
            // relocation (or restart in place): stop, then start where the plan says, with the new epoch
            long started = System.nanoTime();
            if (!AgentCalls.stopped(src, inst.id())) {
                fail(m, "the source's agent does not answer"); // nothing happened
                return;
            }
            Fact stop = stop(i, m.from(), false);
            try {
                starts.launch(i, m.to(), m);
            } catch (IOException e) {
                // the destination did not start it (gone, or it refused): it starts again where it was, at the move's epoch
                AgentCalls.stopQuietly(dst, inst.id()); // a copy it may have started after all (a timeout) does not run on
                starts.launch(i, m.from(), starts.agentEpoch(m, Launcher.START_ATTEMPTS));
                answers.answer(List.of(stop, run(i, m.from(), m.epoch())), new Input.MoveFailed(m.moveId(), "the destination did not"
                        + " start it (" + e.getMessage() + "); started again on its source", false, m.epoch()));
                return;
            }
            long downtime = (System.nanoTime() - started) / 1_000_000;
            answers.answer(List.of(stop, run(i, m.to(), m.epoch())), new Input.MoveCompleted(m.moveId(), downtime));
            return;
        }
        Convergence convergence = new Convergence(policy.liveMigrationFor(inst), inst.memoryMiB());
        boolean postcopy = convergence.postcopyCapable(m.postCopy());
        JsonNode in;
        try {
            in = dst.post("/v1/instances/" + inst.id() + "/incoming", Map.of("id", inst.id(), "epoch", starts.agentEpoch(m),
                    "memoryMiB", inst.memoryMiB(), "dirtyMiBPerSecond", (int) Math.round(inst.dirtyRateMiBps()), "postcopy", postcopy));
        } catch (IOException e) {
            fail(m, "destination refused: " + e.getMessage());
            return;
        }
        Map<String, Object> settings = convergence.migrateBody(in, policy.liveMigrationFor(inst).bandwidthMiBps(), postcopy);
        try {
            src.post("/v1/instances/" + inst.id() + "/migrate", settings);
        } catch (IOException e) {
            AgentCalls.stopQuietly(dst, inst.id());
            fail(m, "source refused: " + e.getMessage());
            return;
        }
        finishLive(m, src, dst, convergence, postcopy);
    }

    /** From "migrating" to the answer: wait for QEMU's outcome; on success confirm the destination, then stop the source. */
    private void finishLive(Effect.StartMove m, AgentClient src, AgentClient dst, Convergence convergence, boolean postcopy)
            throws Exception {
        Instance inst = fleet.instance(m.instance());
        Convergence.Outcome outcome = convergence.await(src, inst.id(), postcopy);
        JsonNode result = outcome.result();
        if (result == null) {
            throw new IOException("the migration of " + inst.id() + " neither ended nor cancelled");
        }
        if (!result.path("status").asText().equals("completed")) {
            convergence.abandon(outcome, dst, inst.id());
            answers.answer(List.of(), new Input.MoveFailed(m.moveId(), convergence.failure(outcome), outcome.notConverging()));
            return;
        }
        observer.switchedOver(m);
        // the destination is confirmed running before the source is stopped
        try {
            AgentCalls.awaitRunning(dst, inst.id(), 30_000);
        } catch (IOException e) {
            if (AgentCalls.reachable(dst)) {
                throw e;
            }
            // it switched over to a host that is gone since (the source's paused copy is stopped as after any switch-over):
            // the controller's health watch calls the host down, and the campaign restarts the guest elsewhere once fenced
            AgentCalls.stopQuietly(src, inst.id());
            answers.answer(List.of(qemuFact(m, result), stop(m.instance(), m.from(), false), run(m.instance(), m.to(), m.epoch())),
                    new Input.MoveCompleted(m.moveId(), result.path("downtimeMs").asLong()));
            return;
        }
        src.post("/v1/instances/" + inst.id() + "/stop", Map.of());
        answers.answer(List.of(qemuFact(m, result), stop(m.instance(), m.from(), false), run(m.instance(), m.to(), m.epoch())),
                new Input.MoveCompleted(m.moveId(), result.path("downtimeMs").asLong()));
    }

    /** QEMU's own figures for a live migration, kept in the history (no rule reads them). */
    private Fact qemuFact(Effect.StartMove m, JsonNode r) {
        return new Fact.MigrationMeasured(fleet.instance(m.instance()).id(), fleet.host(m.from()).id(), fleet.host(m.to()).id(),
                r.path("downtimeMs").asLong(), r.path("totalTimeMs").asLong(), m.epoch());
    }

    private void fail(Effect.StartMove m, String reason) {
        answers.answer(List.of(), new Input.MoveFailed(m.moveId(), reason, false));
    }

    private void reboot(int h) throws Exception {
        List<Fact> stopped = new ArrayList<>();
        for (int i = 0; i < host.length; i++) {
            if (host[i] == h) {
                stopped.add(stop(i, h, true)); // still on the host's disk: restarted after the reboot
            }
        }
        AgentClient a = agents.get(h);
        String fixed = installing.getOrDefault(h, advisory.fixedVersionFor(fleet.host(h)));
        a.post("/v1/reboot", Map.of("version", fixed, "force", !stopped.isEmpty()));
        // down while it reboots; back with some version (the fixed one, unless the patch did not take)
        String version = Poll.until(120_000, 100, 1_000, () -> {
            String v = a.get("/v1/host").path("version").asText();
            return v.equals(fixed) ? v : null;
        });
        if (version == null) {
            version = a.get("/v1/host").path("version").asText();
        }
        answers.answer(stopped, new Input.HostRebooted(h, version));
    }

    private void verify(Effect.VerifyHost v) throws Exception {
        int h = v.host();
        List<Fact> facts = new ArrayList<>();
        for (int i = 0; i < host.length; i++) {
            if (host[i] == -2 - h) {
                long e = epoch[i] + 1;
                JsonNode there = starts.find(h, fleet.instance(i).id());
                if (there == null || !there.path("alive").asBoolean()) {
                    starts.launch(i, h, v); // the guests the reboot stopped start again
                }
                facts.add(run(i, h, e));
            }
        }
        String version = agents.get(h).get("/v1/host").path("version").asText();
        answers.answer(facts, new Input.HostVerified(h, version));
    }

    private void start(Effect.StartInstance s) throws Exception {
        JsonNode there = starts.find(s.host(), fleet.instance(s.instance()).id());
        if (there == null || !there.path("alive").asBoolean() || there.path("epoch").asLong() < starts.agentEpoch(s)) {
            starts.launch(s.instance(), s.host(), s);
        }
        answers.answer(List.of(run(s.instance(), s.host(), s.epoch())), new Input.InstanceStarted(s.instance(), s.host(), s.epoch()));
    }

    /** A tenant's stop (or terminate): the guest stops on its host; stopping what is gone already is done too (idempotent). */
    private void tenantStop(Effect.StopInstance s) throws Exception {
        JsonNode there = starts.find(s.host(), fleet.instance(s.instance()).id());
        if (there != null) {
            agents.get(s.host()).post("/v1/instances/" + fleet.instance(s.instance()).id() + "/stop", Map.of());
        }
        answers.answer(List.of(stop(s.instance(), s.host(), false)), new Input.InstanceStopped(s.instance(), s.host()));
    }

    /** Stops asking fenced hosts' agents and finishing failed effects again (the campaign's loop has ended). */
    public void close() {
        closed = true;
        fences.close();
    }

    /** A tenant's reboot: QMP system_reset through the host's agent; the guest stays where it is. */
    private void reset(Effect.RebootInstance r) throws Exception {
        agents.get(r.host()).post("/v1/instances/" + fleet.instance(r.instance()).id() + "/reset", Map.of());
        answers.answer(List.of(), new Input.InstanceReset(r.instance(), r.host()));
    }

    /** A stop fact; {@code byReboot}: the guest stays on the host's disk and starts again after the reboot. */
    private Fact stop(int i, int h, boolean byReboot) {
        synchronized (host) {
            Fact r = new Fact.Stopped(fleet.instance(i).id(), fleet.host(h).id(), epoch[i]);
            host[i] = byReboot ? -2 - h : -1;
            return r;
        }
    }

    private Fact run(int i, int h, long e) {
        synchronized (host) {
            host[i] = h;
            epoch[i] = e;
            return new Fact.Ran(fleet.instance(i).id(), fleet.host(h).id(), e);
        }
    }
}

package dev.ferry.server.engine;

import dev.ferry.agent.AgentClient;
import dev.ferry.agent.driver.AgentDriver;
import dev.ferry.core.campaign.CampaignRunner;
import dev.ferry.core.campaign.CampaignRuntime;
import dev.ferry.core.campaign.Effect;
import dev.ferry.core.campaign.Input;
import dev.ferry.core.campaign.Ports;
import dev.ferry.core.campaign.Result;
import dev.ferry.core.campaign.state.CampaignStats;
import dev.ferry.core.history.Actor;
import dev.ferry.core.history.Fact;
import dev.ferry.core.planner.MoveKind;
import dev.ferry.core.history.HistoryRecord;
import dev.ferry.core.planner.Plan;
import dev.ferry.core.planner.PlanningProblem;
import dev.ferry.core.verify.InvariantChecker;
import dev.ferry.sim.FaultSpec;
import dev.ferry.sim.SimKernel;
import dev.ferry.sim.SimulatedHypervisors;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Runs one approved campaign in real time: the real {@link CampaignRuntime} and
 * {@link CampaignRunner} against {@link SimulatedHypervisors}, paced by the wall clock (virtual
 * time = (now − approval) × acceleration), with every fact, effect key and outside input stored.
 *
 * <p><b>Crash safety by replay.</b> The loop is deterministic given its seed and its inputs. Facts,
 * effect keys, event changes and webhook outbox rows of one loop round are committed in one
 * transaction; an outside {@link Command} is logged (with the number of simulation events processed
 * before it and its virtual time) in its own transaction before it is applied. A restarted server
 * builds a new engine that replays: it runs the simulation again, injecting each logged command at
 * its logged position, and compares every regenerated fact with the stored one (a difference halts
 * the campaign: the loop was not deterministic). Effects whose keys are stored are applied only to
 * the in-process simulated world while replaying, never again after the stored frontier, so no
 * effect is recorded twice.
 *
 * <p><b>On real hypervisors</b> (host agents, through {@link AgentDriver}) time is the wall clock
 * (acceleration 1) and nothing can be replayed from a seed. Instead every answer the loop hears —
 * an agent's answer with the facts it implies, or a wake-up — is stored in the round's commit, and
 * the round's effects are sent to the agents only <em>after</em> that commit (commit, then
 * dispatch), so nothing is ever done that the store does not know was asked for. A restarted server
 * gives the stored answers and operator inputs to a fresh runtime in their order (the recorder
 * compares every fact again), then asks the agents where every instance runs ({@link
 * AgentDriver#adopt}) and what became of each effect that was sent but has no stored answer ({@link
 * AgentDriver#resume}): a migration that switched over before the crash is answered as completed
 * and is not done again.
 *
 * <p>Threading: one thread owns the loop, the runtime and the world; other threads talk to it
 * through {@link #submit} and read {@link #snapshot()}.
 */
public final class CampaignEngine implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CampaignEngine.class);

    /** A command, a barrier (command null), or an agent's answer for the loop to take (work). */
    private record Pending(Command command, CompletableFuture<Command.Outcome> result, Runnable work) {
        Pending(Command command, CompletableFuture<Command.Outcome> result) {
            this(command, result, null);
        }
    }

    private final String id;
    private final PlanningProblem problem;
    private final Plan plan;
    private final EngineStore store;
    private final InstantSource clock;
    private final long startedWallMs;
    private final double accel;
    /** The simulated world's events and the timers; for a campaign on agents, the timers only. */
    private final SimKernel kernel = new SimKernel();
    /** Null for a campaign on simulated hypervisors. */
    private final OnAgents onAgents;
    private final CampaignRuntime runtime;
    private final OutsideInputs outside;
    private final CampaignRunner runner;
    private final InvariantChecker checker;
    private final FactRecorder recorder;
    private final List<EngineStore.StoredInput> toReplay;
    private final BlockingQueue<Pending> commands = new LinkedBlockingQueue<>();
    private final List<String> violations = new ArrayList<>();
    private final List<Runnable> afterCommit = new ArrayList<>();
    private final EngineHooks hooks;
    private boolean endWritten;
    private final StoreRetry storeRetry;
    private volatile EngineSnapshot snapshot;
    private volatile boolean stopping;
    private Thread thread;
    private long inputSeq;
    private volatile long replayMillis = -1;

    /**
     * @param startedWallMs the approval time: virtual time 0
     * @param accel         virtual milliseconds per wall millisecond (1 = real time)
     */
    public CampaignEngine(String id, PlanningProblem problem, Plan plan, long seed, long startedWallMs, double accel,
                          EngineStore store, InstantSource clock, EngineHooks hooks) {
        this(id, problem, plan, seed, startedWallMs, accel, store, clock, hooks, null, AgentDriver.Observer.NONE);
    }

    /**
     * @param agents   the host agents by host index: the campaign runs on them, in real time (accel
     *                 must be 1); null: on simulated hypervisors
     * @param observer told what the driver sees happen on the agents
     */
    public CampaignEngine(String id, PlanningProblem problem, Plan plan, long seed, long startedWallMs, double accel,
                          EngineStore store, InstantSource clock, EngineHooks hooks, List<AgentClient> agents,
                          AgentDriver.Observer observer) {
        if (agents != null && accel != 1) {
            throw new IllegalArgumentException("a campaign on real hypervisors runs in real time (accel 1)");
        }
        this.id = id;
        this.storeRetry = new StoreRetry(id);
        this.hooks = hooks;
        this.problem = problem;
        this.plan = plan;
        this.store = store;
        this.clock = clock;
        this.startedWallMs = startedWallMs;
        this.accel = accel;
        this.checker = new InvariantChecker(problem, plan);
        EngineStore.Stored stored = store.load(id, problem.fleet());
        this.toReplay = new ArrayList<>(stored.inputs());
        this.inputSeq = stored.inputs().size();
        this.recorder = new FactRecorder(stored.facts(), stored.keys(), checker, violations);
        this.runtime = new CampaignRuntime(problem, plan, id);
        this.outside = new OutsideInputs(problem, runtime, startedWallMs, accel, this::record);
        Ports.Notifier notifier = this::noticed;
        if (agents == null) {
            this.onAgents = null;
            SplittableRandom random = new SplittableRandom(seed);
            SimulatedHypervisors world = new SimulatedHypervisors(problem.fleet(), problem.policy(), problem.advisory(), kernel,
                    random.split(), FaultSpec.NONE, recorder, this::deliver, false);
            Ports.Timer timer = (at, reason) -> kernel.at(at, () -> deliver(new Input.Wakeup(at, reason)));
            this.runner = new CampaignRunner(world, recorder, notifier, timer);
        } else {
            AgentDriver driver = new AgentDriver(problem.fleet(), problem.policy(), problem.advisory(), agents,
                    startedWallMs * 1_000_000, (facts, input) -> commands.add(new Pending(null, null, () -> heard(facts, input))),
                    observer);
            this.onAgents = new OnAgents(id, driver, agents, problem.fleet(), stored, kernel, this::heard, outside::apply,
                    ms -> hooks == null ? List.of() : hooks.reportedSince(ms), clock.millis());
            this.runner = new CampaignRunner(onAgents::outbox, recorder, notifier, onAgents::timer);
        }
    }

    /** Starts the loop thread: first the replay of what is stored, then real time. */
    public synchronized void start() {
        thread = new Thread(this::loop, "campaign-" + id);
        thread.setDaemon(true);
        thread.start();
    }

    public String id() {
        return id;
    }

    /** The campaign's fleet (as it was when it was proposed). */
    public dev.ferry.core.model.Fleet fleet() {
        return problem.fleet();
    }

    /** Its loop still runs: the campaign has not ended, or still has something in flight. */
    public boolean live() {
        EngineSnapshot s = snapshot;
        return !stopping && (s == null || !s.done());
    }

    public EngineSnapshot snapshot() {
        return snapshot;
    }

    private final Signal published = new Signal();

    /** Waits until a snapshot newer than {@code seenVersion} is published (or the timeout passes); the version published now. */
    public long awaitPublished(long seenVersion, long timeoutMs) throws InterruptedException {
        return published.await(seenVersion, timeoutMs);
    }

    /** Milliseconds the replay took when this engine started (−1 until it is done). */
    public long replayMillis() {
        return replayMillis;
    }

    /** Hands a command to the loop; the future completes after its effects are committed. */
    public CompletableFuture<Command.Outcome> submit(Command command) {
        CompletableFuture<Command.Outcome> f = new CompletableFuture<>();
        if (snapshot != null && snapshot.done()) {
            f.complete(new Command.Outcome(false, "the campaign has ended (" + snapshot.state().name().toLowerCase() + ")"));
            return f;
        }
        commands.add(new Pending(command, f));
        return f;
    }

    /** Wakes the loop (tests that move an injected clock call this). */
    public void wake() {
        commands.add(new Pending(null, null));
    }

    /**
     * Completes once the loop has processed everything due by the clock's current time and committed
     * it (a barrier: tests that move an injected clock, callers that want to read what is stored).
     */
    public CompletableFuture<Command.Outcome> sync() {
        CompletableFuture<Command.Outcome> f = new CompletableFuture<>();
        if (snapshot != null && snapshot.done()) {
            f.complete(new Command.Outcome(true, "ended"));
            return f;
        }
        commands.add(new Pending(null, f));
        return f;
    }

    /** Watchers waiting in {@link #awaitPublished} return now, and from now on at once (the server is stopping). */
    public void releaseWatchers() {
        published.release();
    }

    @Override
    public void close() {
        stopping = true;
        releaseWatchers();
        wake();
        Thread t = thread;
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (onAgents != null) {
            onAgents.close();
        }
    }

    /** Blocks until the campaign has ended (tests, the lab). */
    public void awaitDone(long timeoutMs) throws InterruptedException {
        Thread t = thread;
        if (t != null) {
            t.join(timeoutMs);
        }
    }

    // ------------------------------------------------------------------ the loop

    private void loop() {
        try {
            long began = System.nanoTime();
            record(runtime.approve(0), 0);
            replay();
            flushDurably();
            if (onAgents != null) {
                onAgents.afterReplay(runtime, problem.fleet().instances().size());
                onAgents.dispatch();
            }
            replayMillis = (System.nanoTime() - began) / 1_000_000;
            publish();
            answer();
            while (!stopping && !finished()) {
                long roundBegan = System.nanoTime();
                long vt = virtualNow();
                while (kernel.nextTime() <= vt && !runtime.settled()) {
                    kernel.step();
                }
                List<Pending> batch = new ArrayList<>();
                commands.drainTo(batch);
                for (Pending p : batch) {
                    if (p.work() != null) {
                        kernel.advanceTo(Math.max(vt, kernel.now()));
                        p.work().run();
                    } else if (p.command() != null) {
                        kernel.advanceTo(Math.max(vt, kernel.now()));
                        apply(p);
                    } else if (p.result() != null) {
                        afterCommit.add(() -> p.result().complete(new Command.Outcome(true, "caught up")));
                    }
                }
                commitRound();
                publish();
                answer();
                rounds(System.nanoTime() - roundBegan);
                if (finished()) {
                    break;
                }
                long next = kernel.nextTime();
                long waitMs = next == Long.MAX_VALUE ? 1_000 : (long) Math.ceil((next - virtualNow()) / accel);
                Pending p = commands.poll(Math.max(1, Math.min(1_000, waitMs)), TimeUnit.MILLISECONDS);
                if (p != null) {
                    commands.add(p);
                }
            }
            commitRound();
            publish();
            answer();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (dev.ferry.store.NotLeaderException e) { // another controller leads: it resumes the campaign; nothing is halted
            LOG.warn("campaign {}: {}; this loop stops", id, e.getMessage());
            stopping = true;
        } catch (RuntimeException e) {
            if (stopping) {
                // the server is stopping (the store may be away): the campaign is resumed at the next start
                LOG.warn("campaign {}: the loop stopped with the server: {}", id, e.toString());
                return;
            }
            LOG.error("campaign {}: the loop stopped", id, e);
            violations.add("engine stopped: " + e);
            publish();
            store.halt(id, "the campaign loop stopped: " + e.getMessage());
            throw e;
        } finally {
            for (Pending p; (p = commands.poll()) != null; ) {
                if (p.result() != null) {
                    p.result().complete(new Command.Outcome(false, "the campaign loop has stopped"));
                }
            }
        }
    }

    private boolean finished() {
        return runtime.settled() || !violations.isEmpty();
    }

    private long virtualNow() {
        long wall = clock.millis() - startedWallMs;
        return wall <= 0 ? 0 : (long) Math.min(Long.MAX_VALUE / 4, wall * accel);
    }

    /** Runs the stored inputs again at their logged positions; the recorder compares every fact. */
    private void replay() {
        if (onAgents != null) {
            onAgents.replay(toReplay);
            toReplay.clear();
            return;
        }
        for (EngineStore.StoredInput in : toReplay) {
            while (kernel.processed() < in.processed() && kernel.step()) {
                // events before the input, as in the original run
            }
            kernel.advanceTo(Math.max(in.timeMs(), kernel.now()));
            outside.apply(in.command(), in.timeMs());
        }
        toReplay.clear();
    }

    private void apply(Pending p) throws InterruptedException {
        Command c = p.command();
        String refusal = outside.refusal(c);
        if (refusal != null) {
            afterCommit.add(() -> p.result().complete(new Command.Outcome(false, refusal)));
            return;
        }
        if (onAgents != null) {
            commitRound(); // the answers heard so far are stored first: the input's position counts stored answers only
        }
        long t = kernel.now();
        try {
            store.logInput(id, inputSeq, onAgents != null ? onAgents.answersHeard() : kernel.processed(), t, c, clock.millis());
        } catch (dev.ferry.store.StoreException e) {
            afterCommit.add(() -> p.result().complete(new Command.Outcome(false, "the database is unavailable; try again")));
            return;
        }
        inputSeq++;
        Command.Outcome outcome = outside.apply(c, t);
        afterCommit.add(() -> p.result().complete(outcome));
    }

    /** A call's facts are recorded (and checked) first, then its effects are applied. */
    private void record(Result result, long t) {
        result.facts().forEach(recorder::append);
        runner.apply(result.effects(), t);
    }

    private void deliver(Input input) {
        record(runtime.on(input, kernel.now()), kernel.now());
    }

    private void noticed(Effect.Notify n) {
        int host = runtime.currentHost(problem.fleet().instanceIndex(n.instance()));
        Fact.EventChanged c = n.change();
        // the row keeps the kind it was scheduled with; a live migration's change carries its blackout (expected, then measured)
        EngineStore.EventChange change = new EngineStore.EventChange(n.key(), n.eventId(), n.tenant(), n.instance(), n.state(),
                toWall(n.notBeforeMs()), toWall(n.deadlineMs()), n.detail(), problem.fleet().host(host).id(), kernel.now(),
                toWall(kernel.now()), c.kind().wireName(), c.notAfterMs() == 0 ? 0 : toWall(c.notAfterMs()),
                c.fallbackAfterMs() == null ? null : toWall(c.fallbackAfterMs()), c.kind() == MoveKind.LIVE_MIGRATE ? (Long) c.downtimeMs() : null);
        recorder.event(change);
        if (onAgents != null) {
            onAgents.notice(new GuestNotices.Notice(host, change)); // the guest's agent is told too
        }
    }

    private long toWall(long virtualMs) {
        return startedWallMs + (long) (virtualMs / accel);
    }

    private void flush() {
        CampaignStats s = runtime.stats();
        EngineStore.Progress progress = new EngineStore.Progress(runtime.state(), runtime.endReason(), s.hostsPatched(),
                s.hostsFailed(), kernel.now(), runtime.settled() || !violations.isEmpty());
        if (progress.done() && !endWritten && hooks != null && runtime.settled()) {
            EngineStore.Ending end = EngineStore.Ending.of(problem, runtime, clock.millis());
            long inventoryVersion = store.commit(id, recorder.firstNewSeq(), recorder.pendingFacts(), recorder.pendingKeys(),
                    pendingAnswers(), recorder.pendingEvents(), progress, end);
            committed();
            endWritten = true;
            hooks.committed(id, end.moves(), end.versions(), inventoryVersion);
        } else if (recorder.hasNew() || !pendingAnswers().isEmpty() || progress.done()) {
            store.commit(id, recorder.firstNewSeq(), recorder.pendingFacts(), recorder.pendingKeys(), pendingAnswers(),
                    recorder.pendingEvents(), progress, null);
            committed();
        }
    }

    private List<AgentAnswers.Answer> pendingAnswers() {
        return onAgents == null ? List.of() : onAgents.pending();
    }

    private void committed() {
        recorder.committed();
        if (onAgents != null) {
            onAgents.committed();
        }
    }

    private void rounds(long nanos) {
        if (hooks != null) {
            hooks.round(id, nanos);
        }
    }

    /** Stores the round; then, on agents, sends the effects it asked for (commit, then dispatch). */
    private void commitRound() throws InterruptedException {
        flushDurably();
        if (onAgents != null) {
            onAgents.dispatch();
        }
    }

    /** An agent's answer or a wake-up, on the loop's thread: its facts take the loop's time, then the runtime hears it. */
    private void heard(List<Fact> facts, Input input) {
        long t = kernel.now();
        onAgents.heard(t, facts, input);
        for (Fact f : facts) {
            recorder.append(new HistoryRecord(t, Actor.AGENT, f));
        }
        record(runtime.on(input, t), t);
    }

    /** Commits this round, retrying while the database is unavailable ({@link StoreRetry}). */
    private void flushDurably() throws InterruptedException {
        storeRetry.commit(this::flush, () -> stopping, this::publish);
    }

    /** Completes when a commit of this loop first fails because the database is unavailable (tests). */
    public CompletableFuture<String> firstStoreFailure() {
        return storeRetry.firstFailure();
    }

    /** Answers the commands of this round: after their effects are committed and the snapshot shows them. */
    private void answer() {
        for (Runnable r : afterCommit) {
            r.run();
        }
        afterCommit.clear();
    }

    private void publish() {
        List<String> v = new ArrayList<>(violations);
        v.addAll(checker.violations());
        snapshot = EngineSnapshot.of(runtime, problem.fleet(), kernel.now(), v, finished(), storeRetry.waiting());
        published.bump();
        hooks.published(id);
    }
}

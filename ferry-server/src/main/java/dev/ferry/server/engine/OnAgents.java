package dev.ferry.server.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.agent.driver.AgentDriver;
import dev.ferry.core.campaign.CampaignRuntime;
import dev.ferry.core.campaign.Effect;
import dev.ferry.core.campaign.Input;
import dev.ferry.core.campaign.WakeupReason;
import dev.ferry.core.history.Fact;
import dev.ferry.sim.SimKernel;
import dev.ferry.store.AgentStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The side of a {@link CampaignEngine} on real hypervisors: the outbox (effects wait for the commit
 * of the round that asked for them), the effects sent but not answered yet, the answers to store,
 * the replay of stored answers after a restart (with the wake-ups asked for meanwhile), and the
 * hand-over to {@link AgentDriver} of what the agents must finish. Used on the loop's thread only.
 */
final class OnAgents {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(OnAgents.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String campaign;
    private final AgentDriver driver;
    private final SimKernel kernel;
    /** An answer or a wake-up reaches the runtime, its facts first (on the engine's loop). */
    private final java.util.function.BiConsumer<List<Fact>, Input> deliver;
    /** A stored operator input is applied again at its time. */
    private final java.util.function.ObjLongConsumer<Command> apply;
    /** Keys stored before this start: their effects were (or may have been) sent. */
    private final Set<String> sentBefore;
    private final List<AgentAnswers.Answer> stored;
    private final Map<String, Effect> unanswered = new LinkedHashMap<>();
    private final List<Effect> toSend = new ArrayList<>();
    private final List<AgentAnswers.Answer> pending = new ArrayList<>();
    private final GuestNotices guests;
    private final dev.ferry.agent.driver.Adoption.Reports reports;
    private final int hostCount;
    /** An instance's index in the campaign's fleet. */
    private final java.util.function.ToIntFunction<String> fleetIndex;
    /** The guests' notices of this round, sent before its effects. */
    private final List<GuestNotices.Notice> notices = new ArrayList<>();
    /**
     * Until the replay is over (the approval's round and the stored answers): each event's last
     * change, told to the agents after the replay, once, with where the instance runs by then.
     */
    private final Map<String, GuestNotices.Notice> replayNotices = new LinkedHashMap<>();
    private boolean replayed;
    /** Wake-ups asked for while replaying, less those whose answer the replay gave: still due. */
    private final Map<Input.Wakeup, Integer> replayTimers = new LinkedHashMap<>();
    private boolean replaying;
    /** Answers heard: stored and pending. */
    private long answersHeard;

    /**
     * @param kernel   the engine's timers (a campaign on agents has no simulated world in it)
     * @param reported the agents' reports stored after a time ({@link EngineHooks#reportedSince})
     * @param sinceMs  when this start began: the reports stored after it tell what agents run now
     */
    OnAgents(String campaign, AgentDriver driver, List<dev.ferry.agent.AgentClient> agents, dev.ferry.core.model.Fleet fleet,
             EngineStore.Stored stored, SimKernel kernel, java.util.function.BiConsumer<List<Fact>, Input> deliver,
             java.util.function.ObjLongConsumer<Command> apply, java.util.function.LongFunction<List<AgentStore.Report>> reported,
             long sinceMs) {
        this.campaign = campaign;
        this.fleetIndex = fleet::instanceIndex;
        this.reports = reports(fleet, reported, sinceMs);
        this.hostCount = agents.size();
        this.guests = new GuestNotices(campaign, agents);
        this.driver = driver;
        this.kernel = kernel;
        this.deliver = deliver;
        this.apply = apply;
        this.sentBefore = Set.copyOf(stored.keys());
        this.stored = stored.answers();
    }

    /**
     * The reports stored after {@code sinceMs}: each read starts a second before the latest seen (a report is
     * stamped before its group commit, so one stamped earlier may be stored after a later one was read).
     */
    private static dev.ferry.agent.driver.Adoption.Reports reports(dev.ferry.core.model.Fleet fleet,
                                               java.util.function.LongFunction<List<AgentStore.Report>> reported, long sinceMs) {
        java.util.concurrent.atomic.AtomicLong mark = new java.util.concurrent.atomic.AtomicLong(sinceMs);
        return () -> {
            Map<Integer, JsonNode> out = new java.util.HashMap<>();
            for (AgentStore.Report r : reported.apply(Math.max(sinceMs, mark.get() - 1_000))) {
                mark.accumulateAndGet(r.reportedAt(), Math::max);
                int h = fleet.hostIndex(r.host());
                try {
                    if (h >= 0) {
                        out.put(h, JSON.readTree(r.instances()));
                    }
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    // stored by the server as JSON: not reached; the agent is asked instead
                }
            }
            return out;
        };
    }

    /** The runner's driver port: the effect waits for the round's commit ({@link #dispatch}). */
    void outbox(Effect e) {
        String awaited = AgentAnswers.awaited(e);
        if (awaited != null) {
            unanswered.put(awaited, e);
        }
        if (!sentBefore.contains(e.key())) {
            toSend.add(e); // sent once the round that asked for it is stored
        }
    }

    /** The notifier told an event's change: the guest's agent is told too, before the round's effects go out. */
    void notice(GuestNotices.Notice n) {
        if (!replayed) {
            replayNotices.put(n.change().eventId(), n); // the last change of each event only
        } else {
            notices.add(n);
        }
    }

    /** The runner's timer port. */
    void timer(long at, WakeupReason reason) {
        if (replaying) {
            replayTimers.merge(new Input.Wakeup(at, reason), 1, Integer::sum);
        } else {
            kernel.at(at, () -> deliver.accept(List.of(), new Input.Wakeup(at, reason)));
        }
    }

    /** The loop took an answer at {@code t}: it settles its effect and, unless replayed, is stored with the round. */
    void heard(long t, List<Fact> facts, Input input) {
        String settles = AgentAnswers.settles(input);
        if (settles != null) {
            unanswered.remove(settles);
        }
        if (input instanceof Input.Wakeup w && replaying) {
            replayTimers.computeIfPresent(w, (k, n) -> n == 1 ? null : n - 1);
        }
        if (!replaying) {
            pending.add(new AgentAnswers.Answer(answersHeard, t, facts, input));
        }
        answersHeard++;
    }

    long answersHeard() {
        return answersHeard;
    }

    /** The answers of this round, for its commit. */
    List<AgentAnswers.Answer> pending() {
        return pending;
    }

    /** The round is stored. */
    void committed() {
        pending.clear();
    }

    /** The stored answers and operator inputs, in their order, at their times. */
    void replay(List<EngineStore.StoredInput> inputs) {
        replaying = true;
        int a = 0;
        for (EngineStore.StoredInput in : inputs) {
            while (a < stored.size() && a < in.processed()) {
                replayAnswer(stored.get(a++));
            }
            kernel.advanceTo(Math.max(in.timeMs(), kernel.now()));
            apply.accept(in.command(), in.timeMs());
        }
        while (a < stored.size()) {
            replayAnswer(stored.get(a++));
        }
        replaying = false;
    }

    private void replayAnswer(AgentAnswers.Answer a) {
        kernel.advanceTo(Math.max(a.timeMs(), kernel.now()));
        deliver.accept(a.facts(), a.input());
    }

    /**
     * After the replay: the agents say where every instance runs (the runtime's view was rebuilt by
     * the replay; {@code n} instances; not asked at a campaign's first start), every effect sent before the restart and
     * not answered is finished from what they report, and the wake-ups still due are set.
     */
    void afterReplay(CampaignRuntime runtime, int n) throws InterruptedException {
        // a campaign's first start asks no agent: its placements are the inventory's, which the approval's preflight has
        // just checked with every agent, and nothing has been sent (at 10,000 agents asking them all again took 45 s)
        if (!sentBefore.isEmpty() || !stored.isEmpty()) {
            int[] hostOf = new int[n];
            long[] epochOf = new long[n];
            for (int i = 0; i < n; i++) {
                hostOf[i] = runtime.currentHost(i);
                epochOf[i] = runtime.epoch(i);
            }
            long began = System.nanoTime();
            int asked = driver.adopt(hostOf, epochOf, reports);
            long adopted = System.nanoTime();
            int resumed = 0;
            for (Effect e : unanswered.values()) {
                if (sentBefore.contains(e.key())) {
                    LOG.debug("campaign {}: resuming {} from what the agents report", campaign, e.key());
                    driver.resume(e);
                    resumed++;
                }
            }
            LOG.info("campaign {}: what every agent runs learnt in {} ms ({} of {} asked, the others from the reports they sent"
                    + " since the restart); {} effects sent before the restart resumed from what they report", campaign,
                    (adopted - began) / 1_000_000, asked, hostCount, resumed);
        }
        replayTimers.forEach((w, count) -> {
            for (int k = 0; k < count; k++) {
                kernel.at(w.atMs(), () -> deliver.accept(List.of(), w));
            }
        });
        replayTimers.clear();
        // every event as it stands now (closed ones too: an agent may have missed the change that closed
        // it), at the host the instance runs on now
        guests.tell(replayNotices.values().stream().map(x -> new GuestNotices.Notice(
                runtime.currentHost(fleetIndex.applyAsInt(x.change().instance())), x.change())).toList());
        replayNotices.clear();
        replayed = true;
    }

    /** Sends what the round that was just stored asked for: the guests' notices first, then the effects. */
    void dispatch() throws InterruptedException {
        List<GuestNotices.Notice> tell = List.copyOf(notices);
        notices.clear();
        guests.tell(tell);
        List<Effect> send = List.copyOf(toSend);
        toSend.clear();
        send.forEach(driver::apply);
    }

    /** The loop has ended: the driver stops its background work. */
    void close() {
        guests.close();
        driver.close();
    }
}

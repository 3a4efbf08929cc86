package dev.ferry.core.campaign;

import dev.ferry.core.campaign.state.RuntimeState;
import dev.ferry.core.campaign.state.StepRun;
import dev.ferry.core.history.Actor;
import dev.ferry.core.history.Fact;
import dev.ferry.core.history.HistoryRecord;
import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.Policy;
import dev.ferry.core.planner.Plan;
import dev.ferry.core.planner.PlanningProblem;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What the runtime's deciding parts share: the problem and plan, the state they read, and the
 * round under way — the facts it recorded (each applied to the state as it is recorded, so the
 * next decision sees it) and the effects it asks for. Also the runtime's sequences (effect keys,
 * move ids) and its scheduling hints, which are not state: a runtime rebuilt from facts starts
 * them afresh. Single-threaded.
 */
final class Ctx {
    final PlanningProblem problem;
    final Fleet fleet;
    final Policy policy;
    final Plan plan;
    final String id;
    final RuntimeState state;
    final Destinations destinations;
    final EventTimes times;

    /** The next effect key's sequence number (keys are "op/sequence"). */
    long effectSeq;
    /** The next move id. Ids a step tried and did not use are not used again. */
    long nextMoveId = 1;
    private final Set<Wake> wakeups = new HashSet<>();

    // scheduling hints: which draining hosts to look at after this input, and whether a new step may start
    final List<StepRun> toPump = new ArrayList<>();
    final BitSet pumpQueued = new BitSet();
    /** Draining hosts with a move that found no destination: capacity freed anywhere may help them. */
    final Set<StepRun> starved = new LinkedHashSet<>();
    boolean pumpAll;
    /**
     * Something happened that can let a new step start: a slot or capacity was freed, a step became
     * ready, time passed a wake-up. Other answers (a move switching over) cannot, so rounds after
     * them skip the search for new steps.
     */
    boolean startsPossible = true;

    // the round under way
    long now;
    private List<HistoryRecord> facts;
    private List<Effect> effects;
    private boolean open;

    private record Wake(long at, WakeupReason reason) {
    }

    Ctx(PlanningProblem problem, Plan plan, String id, RuntimeState state) {
        this.problem = problem;
        this.fleet = problem.fleet();
        this.policy = problem.policy();
        this.plan = plan;
        this.id = id;
        this.state = state;
        this.destinations = new Destinations(fleet, state.live());
        this.times = new EventTimes(problem, plan, id);
    }

    void begin(long at) {
        now = at;
        open = true;
    }

    /** The round's result; its lists are handed over (most rounds record little: they are made when first needed). */
    Result end(dev.ferry.core.scheduler.Placement placement) {
        Result r = new Result(effects == null ? List.of() : effects, facts == null ? List.of() : facts, placement);
        facts = null;
        effects = null;
        open = false;
        return r;
    }

    /** Records a decision: applied to the state at once, and part of the round's result. */
    void fact(Fact f) {
        HistoryRecord r = new HistoryRecord(now, Actor.FERRY, f);
        state.apply(r);
        round(true).add(r);
    }

    void emit(Effect e) {
        if (!open) {
            throw new IllegalStateException("an effect outside a runtime call");
        }
        if (effects == null) {
            effects = new ArrayList<>(4);
        }
        effects.add(e);
    }

    private List<HistoryRecord> round(boolean check) {
        if (check && !open) {
            throw new IllegalStateException("a fact outside a runtime call");
        }
        if (facts == null) {
            facts = new ArrayList<>(8);
        }
        return facts;
    }

    /** Unique within the campaign and the same on a deterministic replay: the operation and a sequence number. */
    String key(String op) {
        return op + "/" + (effectSeq++);
    }

    /** Asks to be woken at {@code at}, once per time and reason. */
    /** Nothing is in flight but rescues that wait for room (not started): only tenants' stops could free some now. */
    boolean onlyRescuesWaiting() {
        var st = state;
        return !st.rescues().isEmpty() && !st.rescues().anyStarted() && st.steps().active().isEmpty() && st.steps().parked().isEmpty()
                && st.moves().isEmpty() && !st.live().anyStartingOrStopping();
    }

    void wake(long at, WakeupReason reason) {
        if (wakeups.add(new Wake(at, reason))) {
            emit(new Effect.Wakeup(key("wake"), at, reason));
        }
    }

    void pumpLater(StepRun r) {
        if (!pumpQueued.get(r.index())) {
            pumpQueued.set(r.index());
            toPump.add(r);
        }
    }

    /** A reservation on {@code host} is a bootstrap when the host is still vulnerable. */
    Fact.Reservation reservation(int host) {
        return state.live().vulnerable(host) ? Fact.Reservation.BOOTSTRAP : Fact.Reservation.SAFE;
    }

    String host(int h) {
        return fleet.host(h).id();
    }

    String instance(int i) {
        return fleet.instance(i).id();
    }
}

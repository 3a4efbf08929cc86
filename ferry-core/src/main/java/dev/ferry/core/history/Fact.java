package dev.ferry.core.history;

import dev.ferry.core.admission.Refusal;
import dev.ferry.core.lifecycle.CampaignState;
import dev.ferry.core.lifecycle.EventState;
import dev.ferry.core.lifecycle.HostPhase;
import dev.ferry.core.planner.MoveKind;
import java.util.List;

/**
 * Something that happened in a campaign, as data: what the runtime decided (a step started, a
 * reservation, a move asked for, an event changed, a refusal with its reason), what the runner
 * applied, and what the hypervisors did (an instance ran or stopped). The campaign runtime's state
 * is changed only by applying its own facts, so the same facts rebuild it; the invariant checker
 * reads nothing else. Each fact is one line of a history (history/v2, docs/formats.md): its type
 * and its fields, never free text to parse. Ids are those of the fleet; times are milliseconds
 * from the campaign's approval. Every fact names its {@link #subject()}: the instance, host or
 * campaign it is about (what the history is searched by).
 */
public sealed interface Fact {
    /** The instance, host or campaign this fact is about. */
    String subject();

    // ---------------------------------------------------------------- the campaign

    /** The campaign's state changed ({@link CampaignState#TABLE}); {@code reason} says why, for people. */
    record CampaignChanged(String campaign, CampaignState from, CampaignState to, String reason) implements Fact {
        @Override
        public String subject() {
            return campaign;
        }
    }

    /** The notices of the approval are out: every planned step waits in its queue from now (its notice permitting). */
    record StepsQueued(String campaign) implements Fact {
        @Override
        public String subject() {
            return campaign;
        }
    }

    /** The soak after the canaries is over. */
    record SoakEnded(String campaign) implements Fact {
        @Override
        public String subject() {
            return campaign;
        }
    }

    /** No canary is left that can run (they were skipped): the canary phase ends without them. */
    record CanariesGivenUp(String campaign) implements Fact {
        @Override
        public String subject() {
            return campaign;
        }
    }

    /** A halted or aborted campaign has nothing in flight any more. */
    record CampaignSettled(String campaign, CampaignState state, String reason) implements Fact {
        @Override
        public String subject() {
            return campaign;
        }
    }

    // ---------------------------------------------------------------- hosts and their steps

    /**
     * A host's step starts: it will be cordoned and drained. {@code moves} moves follow (each a
     * {@link MoveCreated} and a {@link Reserved}); {@code rebootInPlace} stay and reboot with the
     * host; {@code budget} is what it takes of its groups' {@code maxUnavailable}; {@code replanned}
     * counts instances whose destination or kind differs from the plan.
     */
    record StepStarted(String host, boolean canary, int moves, List<String> rebootInPlace, List<GroupShare> budget,
                       int replanned) implements Fact {
        public StepStarted {
            rebootInPlace = List.copyOf(rebootInPlace);
            budget = List.copyOf(budget);
        }

        @Override
        public String subject() {
            return host;
        }
    }

    /** Members of a group a step disrupts. */
    record GroupShare(String group, int members) {
    }

    record Cordoned(String host) implements Fact {
        @Override
        public String subject() {
            return host;
        }
    }

    /** The host takes a maintenance slot (counts against the caps). */
    record MaintenanceBegan(String host, String zone) implements Fact {
        @Override
        public String subject() {
            return host;
        }
    }

    /** The host gives its maintenance slot back, in {@code phase}. */
    record MaintenanceEnded(String host, HostPhase phase) implements Fact {
        @Override
        public String subject() {
            return host;
        }
    }

    /** A host's maintenance moved on: draining, patching, rebooting, verifying or returned (patched). */
    record PhaseChanged(String host, HostPhase phase) implements Fact {
        @Override
        public String subject() {
            return host;
        }
    }

    /** Everything left on a draining host waits for a notice until {@code untilMs}: it stays cordoned, its slot is given back. */
    record Parked(String host, long untilMs) implements Fact {
        @Override
        public String subject() {
            return host;
        }
    }

    /** The host failed; it stays cordoned. {@code version}: what it came back with (null when it did not come back). */
    record HostFailed(String host, HostFailure why, String version) implements Fact {
        @Override
        public String subject() {
            return host;
        }
    }

    enum HostFailure {
        /** No answer within three times patch + reboot, plus ten minutes. */
        DID_NOT_COME_BACK,
        /** It came back on a version the advisory still affects. */
        CAME_BACK_UNPATCHED,
        /** It went down before it was done (its agent fell silent): its instances are restarted elsewhere once it is fenced. */
        WENT_DOWN
    }

    /** The host is down (its agent is silent past the threshold, or it is gone): nothing is placed on it any more. */
    record HostDown(String host) implements Fact {
        @Override
        public String subject() {
            return host;
        }
    }

    /** The down host can run nothing of the campaign's any more ({@code how}): its instances may start elsewhere. */
    record HostFenced(String host, Fence how) implements Fact {
        @Override
        public String subject() {
            return host;
        }
    }

    enum Fence {
        /** Its agent answered and stopped every guest it had. */
        STOPPED_BY_AGENT,
        /** Its agent did not answer: every restart elsewhere carries a newer placement epoch, which that agent refuses to run. */
        EPOCHS_SUPERSEDED
    }

    /**
     * The advisory now affects the host (it was amended while the campaign runs): it joins the
     * campaign as a new step, to be patched to {@code fixedVersion}.
     */
    record StepAdded(String host, String fixedVersion) implements Fact {
        @Override
        public String subject() {
            return host;
        }
    }

    /**
     * The host needs the campaign no more, before its step started: it was fixed outside it (it runs
     * {@code version} now, as its agent reports) or the amended advisory leaves it alone (null).
     */
    record HostDropped(String host, String version) implements Fact {
        @Override
        public String subject() {
            return host;
        }
    }

    /** The host will not be done: with nothing else in flight its step could not start, for {@code why}. */
    record HostSkipped(String host, Refusal why) implements Fact {
        @Override
        public String subject() {
            return host;
        }
    }

    /** A fallback move of the host's step takes one member of its group's budget. */
    record BudgetTaken(String host, String group, long move) implements Fact {
        @Override
        public String subject() {
            return host;
        }
    }

    /** The step gives back all the group budget it still holds (its host verified, or lost). */
    record BudgetReleased(String host) implements Fact {
        @Override
        public String subject() {
            return host;
        }
    }

    // ---------------------------------------------------------------- moves

    /**
     * A move is set up for an instance: part of the step of host {@code step} (null: the tenant's own
     * move), attempt {@code attempt} (a retry after a failure counts up), its destination still to
     * be reserved. {@code holdsBudget}: it already holds its member of the group budget.
     */
    record MoveCreated(long move, String instance, String from, MoveKind kind, String step, boolean byTenant, int attempt,
                       boolean postCopy, boolean holdsBudget) implements Fact {
        @Override
        public String subject() {
            return instance;
        }
    }

    /** Room on {@code host} is held for the instance: for move {@code move}, or for its rescue (move −1). */
    record Reserved(String instance, String host, Reservation reservation, long move) implements Fact {
        @Override
        public String subject() {
            return instance;
        }
    }

    /** What kind of destination a reservation is on. */
    enum Reservation {
        /** Patched, or never affected. */
        SAFE,
        /** Still vulnerable: the instance will move again (allowed only when nothing safe can exist yet). */
        BOOTSTRAP,
        /** A failed host that is up: the last resort for an instance whose host was lost. */
        RESCUE
    }

    /** A reservation is given back (its move failed). */
    record Released(String instance, String host, long move) implements Fact {
        @Override
        public String subject() {
            return instance;
        }
    }

    /** A move was asked of the hypervisors, with the instance's next placement epoch. */
    record MoveStarted(long move, String instance, MoveKind kind, String from, String to, long epoch, boolean postCopy,
                       boolean byTenant) implements Fact {
        @Override
        public String subject() {
            return instance;
        }
    }

    /** The move completed: the instance runs on {@code to} only, at {@code epoch}. */
    record SwitchedOver(long move, String instance, String to, long epoch, long downtimeMs) implements Fact {
        @Override
        public String subject() {
            return instance;
        }
    }

    /** The move failed; the instance still runs where it was, at {@code epoch}. {@code reason} is the hypervisor's. */
    record RolledBack(long move, String instance, String reason, boolean notConverging, long epoch) implements Fact {
        @Override
        public String subject() {
            return instance;
        }
    }

    /** An answer about a move that is not in progress (late or duplicated) was ignored. */
    record AnswerIgnored(long move) implements Fact {
        @Override
        public String subject() {
            return "move-" + move;
        }
    }

    /** A waiting live migration with nowhere to go, while nothing else progresses, becomes a relocation (with notice). */
    record MoveRerouted(long move, String instance, MoveKind kind) implements Fact {
        @Override
        public String subject() {
            return instance;
        }
    }

    /**
     * No host in the zone can take the instance: it reboots in place with {@code host} (its move
     * {@code move} is dropped; −1 when it was decided as the step started).
     */
    record RebootsInPlace(String instance, String host, String zone, long move) implements Fact {
        @Override
        public String subject() {
            return instance;
        }
    }

    /** QEMU's own figures for a live migration (from a host agent). */
    record MigrationMeasured(String instance, String from, String to, long downtimeMs, long totalMs, long epoch)
            implements Fact {
        @Override
        public String subject() {
            return instance;
        }
    }

    /** The instance's disruption (not a live migration) begins, by Ferry or by its tenant. */
    record DisruptionBegan(String instance, boolean byTenant, MoveKind kind) implements Fact {
        @Override
        public String subject() {
            return instance;
        }
    }

    /** The disruption is over: the instance runs on {@code host} at {@code epoch}. */
    record DisruptionEnded(String instance, DisruptionEnd end, String host, long epoch) implements Fact {
        @Override
        public String subject() {
            return instance;
        }
    }

    enum DisruptionEnd {
        /** Relocated: it runs on its destination. */
        MOVED,
        /** It rebooted with its host and runs there again. */
        REBOOTED_IN_PLACE,
        /** The move failed; it runs where it was. */
        ROLLED_BACK,
        /** Its host was lost; it was started elsewhere. */
        RESCUED,
        /** Its tenant started it again (after a stop) and it runs on the host the campaign chose. */
        STARTED,
        /** Its tenant's stop is done: it runs nowhere, and its room is given back. */
        STOPPED
    }

    /**
     * The instance lost its host (it rebooted in place with a host that never came back, or it ran on
     * a host that went down and is fenced now): it is to be started elsewhere.
     */
    record RescueNeeded(String instance, String lostHost) implements Fact {
        @Override
        public String subject() {
            return instance;
        }
    }

    /** A hypervisor runs the instance at {@code epoch}. */
    record Ran(String instance, String host, long epoch) implements Fact {
        @Override
        public String subject() {
            return instance;
        }
    }

    /** A hypervisor stopped the instance (it ran at {@code epoch}). */
    record Stopped(String instance, String host, long epoch) implements Fact {
        @Override
        public String subject() {
            return instance;
        }
    }

    /** Room a tenant's instance outside the campaign's fleet took while the campaign ran. */
    record Held(String instance, String host, long milliCpu, long memoryMiB) implements Fact {
        @Override
        public String subject() {
            return instance;
        }
    }

    /** That room given back (the instance stopped or was terminated). */
    record Unheld(String instance, String host, long milliCpu, long memoryMiB) implements Fact {
        @Override
        public String subject() {
            return instance;
        }
    }

    // ---------------------------------------------------------------- tenants

    /**
     * A live migration planned at {@code plannedAtMs} was noted in the history only (histories of
     * versions before live migrations were tenants' events): its tenant was never told, so no rule
     * counts it as notice. Ferry writes a live-migrate {@link EventChanged} instead.
     */
    record Informed(String instance, long plannedAtMs) implements Fact {
        @Override
        public String subject() {
            return instance;
        }
    }

    /**
     * A tenant's maintenance event changed and its tenant is told: created (scheduled), moved later
     * (rescheduled), started, completed or cancelled. {@code step}: the host whose step holds the
     * planned disruption (null for a fallback). {@code kind}: the event's kind when scheduled, the
     * disruption's when started; a {@code live-migrate} event is informational (the instance keeps
     * running), scheduled then completed or cancelled. {@code deadlineMs}: the latest its tenant may
     * reschedule it to; {@code notAfterMs}: the latest it starts (0 in histories from before).
     * {@code downtimeMs}: of a completed move, or the expected blackout of a scheduled live
     * migration, else 0. {@code fallbackAfterMs}: a live migration's notice says that if it cannot
     * be live-migrated, the instance restarts after this time (null: it says no such thing).
     * {@code notice}: the key of the {@code Notify} effect that tells the tenant (null in histories
     * from before): the notice counts only once that effect is applied.
     */
    record EventChanged(String instance, String event, EventState state, MoveKind kind, long notBeforeMs, long deadlineMs,
                        long notAfterMs, EventCause cause, long downtimeMs, String step, Long fallbackAfterMs, String notice)
            implements Fact {
        @Override
        public String subject() {
            return instance;
        }
    }

    /** A tenant stopped (or {@code terminated}) an instance on {@code host}: moved no more, its pending event cancelled. */
    record TenantStopped(String instance, String host, boolean terminated) implements Fact {
        @Override
        public String subject() {
            return instance;
        }
    }

    /** A tenant started a stopped instance: the campaign placed it on safe {@code host} at placement epoch {@code epoch}. */
    record TenantStarted(String instance, String host, long epoch) implements Fact {
        @Override
        public String subject() {
            return instance;
        }
    }

    /** A tenant rebooted an instance: it stays on {@code host}, and its event stays as it was. */
    record TenantRebooted(String instance, String host) implements Fact {
        @Override
        public String subject() {
            return instance;
        }
    }

    /** A tenant's request was not done, for {@code reason}. */
    record Refused(String instance, TenantRequest request, RefusalReason reason) implements Fact {
        @Override
        public String subject() {
            return instance;
        }
    }

    enum TenantRequest {
        /** Move my instance now (my own stop/start, or "do it now"). */
        MOVE_NOW,
        /** Move my event later. */
        RESCHEDULE,
        /** Stop my instance. */
        STOP,
        /** Start my stopped instance. */
        START,
        /** Reboot my instance where it is. */
        REBOOT,
        /** Delete my instance. */
        TERMINATE
    }

    // ---------------------------------------------------------------- histories before v2

    /**
     * A line of a history/v1 history that names nothing Ferry knows (written by an older version):
     * kept as it was, read by no rule.
     */
    record Legacy(String op, String target, String outcome, long epoch) implements Fact {
        @Override
        public String subject() {
            return target;
        }
    }

    // ---------------------------------------------------------------- the runner

    /** The runner applied the effect with this key (it was recorded before), of type {@code effect} ({@code StartMove}). */
    record EffectApplied(String key, String effect) implements Fact {
        @Override
        public String subject() {
            return key;
        }
    }
}

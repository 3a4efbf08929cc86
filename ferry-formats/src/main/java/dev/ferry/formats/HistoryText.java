package dev.ferry.formats;

import dev.ferry.core.history.EventCause;
import dev.ferry.core.history.Fact;
import java.util.Locale;

/**
 * One sentence per fact, for people (the API's {@code summary}, the dashboard, logs). Written from
 * the fact's fields; nothing reads these sentences back. Stateless.
 */
public final class HistoryText {
    private HistoryText() {
    }

    public static String describe(Fact fact) {
        return switch (fact) {
            case Fact.CampaignChanged c -> "campaign " + c.from().wireName() + " → " + c.to().wireName()
                    + (c.reason() == null || c.reason().isBlank() ? "" : ": " + c.reason());
            case Fact.StepsQueued q -> "every planned step is queued";
            case Fact.SoakEnded s -> "the soak after the canaries is over";
            case Fact.CanariesGivenUp c -> "no canary can run: the canary phase ends without them";
            case Fact.CampaignSettled s -> "nothing in flight any more; the campaign " + s.state().wireName() + ": " + s.reason();
            case Fact.StepStarted s -> "step starts" + (s.canary() ? " (canary)" : "") + ": " + s.moves() + " moves, "
                    + s.rebootInPlace().size() + " reboot in place" + (s.replanned() > 0 ? ", " + s.replanned() + " replanned" : "");
            case Fact.Cordoned c -> "cordoned";
            case Fact.MaintenanceBegan b -> "takes a maintenance slot in " + b.zone();
            case Fact.MaintenanceEnded e -> "gives its maintenance slot back (" + phase(e.phase().name()) + ")";
            case Fact.PhaseChanged p -> phase(p.phase().name());
            case Fact.Parked p -> "parked until " + p.untilMs() + " ms (waiting for a fallback's notice)";
            case Fact.HostFailed f -> "failed: " + failure(f);
            case Fact.HostSkipped s -> "skipped: " + s.why().message();
            case Fact.StepAdded a -> "joins the campaign (the amended advisory affects it): a new step, patched to " + a.fixedVersion();
            case Fact.HostDropped d -> "leaves the campaign before its step: " + (d.version() == null ? "the amended advisory leaves it alone"
                    : "fixed outside it (runs " + d.version() + ")");
            case Fact.HostDown d -> "down: nothing is placed on it; its instances start elsewhere once it is fenced";
            case Fact.HostFenced f -> "fenced: " + (f.how() == Fact.Fence.STOPPED_BY_AGENT ? "its agent stopped every guest"
                    : "its agent does not answer; restarts elsewhere carry newer placement epochs");
            case Fact.BudgetTaken b -> "takes one member of group " + b.group() + "'s budget (move " + b.move() + ")";
            case Fact.BudgetReleased b -> "gives its group budget back";
            case Fact.MoveCreated m -> (m.byTenant() ? "tenant's " : "") + m.kind().wireName() + " " + m.move() + " from "
                    + m.from() + (m.attempt() > 0 ? ", attempt " + (m.attempt() + 1) : "");
            case Fact.Reserved r -> "room reserved on " + r.host() + switch (r.reservation()) {
                case SAFE -> "";
                case BOOTSTRAP -> " (bootstrap: still vulnerable)";
                case RESCUE -> " (rescue: a failed host that is up)";
            };
            case Fact.Released r -> "room on " + r.host() + " given back";
            case Fact.MoveStarted m -> m.kind().wireName() + " " + m.from() + " → " + m.to() + " at epoch " + m.epoch()
                    + (m.postCopy() ? " (post-copy)" : "");
            case Fact.SwitchedOver s -> "switched over to " + s.to() + " at epoch " + s.epoch() + ", down " + s.downtimeMs() + " ms";
            case Fact.RolledBack b -> "move rolled back: " + b.reason();
            case Fact.AnswerIgnored a -> "late or duplicated answer about move " + a.move() + " ignored";
            case Fact.MoveRerouted m -> "move " + m.move() + " becomes a " + m.kind().wireName() + " (nowhere to live-migrate to)";
            case Fact.RebootsInPlace r -> "no host in zone " + r.zone() + " can take it: reboots in place";
            case Fact.MigrationMeasured m -> "QEMU: downtime " + m.downtimeMs() + " ms, total " + m.totalMs() + " ms, " + m.from()
                    + " → " + m.to();
            case Fact.DisruptionBegan b -> "disruption begins (" + b.kind().wireName() + (b.byTenant() ? ", by its tenant)" : ")");
            case Fact.DisruptionEnded e -> "disruption ends: " + e.end().name().toLowerCase(Locale.ROOT).replace('_', ' ')
                    + (e.host() == null ? "" : ", runs on " + e.host());
            case Fact.RescueNeeded n -> "host " + n.lostHost() + " lost: to be restarted elsewhere";
            case Fact.Ran r -> "runs on " + r.host() + " at epoch " + r.epoch();
            case Fact.Stopped s -> "stopped on " + s.host();
            case Fact.Held h -> "holds " + h.milliCpu() / 1000.0 + " cpus, " + h.memoryMiB() + " MiB on " + h.host();
            case Fact.Unheld h -> "gives back " + h.milliCpu() / 1000.0 + " cpus, " + h.memoryMiB() + " MiB on " + h.host();
            case Fact.Informed i -> "told of its live migration, planned at " + i.plannedAtMs() + " ms";
            case Fact.EventChanged e -> "event " + e.state().name().toLowerCase(Locale.ROOT) + ": "
                    + EventCause.detail(e) + " (not before " + e.notBeforeMs() + " ms"
                    + (e.fallbackAfterMs() == null ? "" : ", fallbackAfter " + e.fallbackAfterMs() + " ms") + ")";
            case Fact.TenantStopped t -> (t.terminated() ? "terminated" : "stopped") + " by its tenant on " + t.host()
                    + ": moved no more, room given back";
            case Fact.TenantStarted t -> "started by its tenant on " + t.host() + " at epoch " + t.epoch();
            case Fact.TenantRebooted t -> "rebooted by its tenant on " + t.host();
            case Fact.Refused f -> "tenant's " + f.request().name().toLowerCase(Locale.ROOT).replace('_', ' ') + " refused: "
                    + f.reason().message();
            case Fact.EffectApplied a -> "applied " + a.effect() + " " + a.key();
            case Fact.Legacy l -> l.op() + ": " + l.outcome();
        };
    }

    private static String phase(String name) {
        return name.toLowerCase(Locale.ROOT);
    }

    /** Why a host failed, in words: "came back unpatched (xen-4.4.0)", "did not come back after reboot" or "went down". */
    public static String failure(Fact.HostFailed f) {
        return switch (f.why()) {
            case CAME_BACK_UNPATCHED -> "came back unpatched (" + f.version() + ")";
            case DID_NOT_COME_BACK -> "did not come back after reboot";
            case WENT_DOWN -> "went down";
        };
    }
}

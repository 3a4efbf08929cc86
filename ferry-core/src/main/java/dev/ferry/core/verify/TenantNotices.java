package dev.ferry.core.verify;

import dev.ferry.core.history.EventCause;
import dev.ferry.core.history.Fact;
import dev.ferry.core.history.HistoryRecord;
import dev.ferry.core.lifecycle.EventState;
import dev.ferry.core.model.Fleet;
import dev.ferry.core.planner.MoveKind;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The invariant checker's rules about what tenants are told (C7, C11): a notice counts from the
 * moment its {@code Notify} effect is applied (delivered to the notifier), not from the decision to
 * send it. A disruption by Ferry needs a delivered event a notice period before it, or a delivered
 * live-migration notice that announced this fallback for no later than now (and itself a notice
 * period earlier). An event starts by its latest start ({@code notAfterMs}) unless Ferry told its
 * tenant of a later one first. Histories from before notices named their effect count the
 * decision. Single-threaded, as the checker.
 */
final class TenantNotices {
    /** A scheduled event whose notice is not delivered yet. */
    private record Pending(int instance, boolean live, Long fallbackAfterMs) {
    }

    private final InvariantChecker checker;
    private final Fleet fleet;
    private final long noticeMs;
    /** Per instance, the earliest time Ferry may disrupt it by what its tenant was told (MAX_VALUE: never). */
    private final long[] allowedFrom;
    /** Notices decided, by the key of their effect, until it is applied. */
    private final Map<String, Pending> undelivered = new HashMap<>();
    /** The latest start of each event, by event id. */
    private final Map<String, Long> notAfter = new HashMap<>();
    /** Disruptions of the current millisecond, not judged yet. */
    private final java.util.List<Disruption> disruptions = new java.util.ArrayList<>();

    TenantNotices(Fleet fleet, long noticeMs, InvariantChecker checker) {
        this.fleet = fleet;
        this.noticeMs = noticeMs;
        this.checker = checker;
        this.allowedFrom = new long[fleet.instances().size()];
        Arrays.fill(allowedFrom, Long.MAX_VALUE);
    }

    void changed(HistoryRecord r, Fact.EventChanged e) {
        int i = fleet.instanceIndex(e.instance());
        if (i < 0) {
            return;
        }
        boolean live = e.kind() == MoveKind.LIVE_MIGRATE; // informational: it never starts for its tenant
        if ((e.state() == EventState.SCHEDULED || e.state() == EventState.RESCHEDULED) && !live && e.event() != null
                && e.notAfterMs() > 0) {
            Long before = notAfter.put(e.event(), e.notAfterMs());
            if (e.cause().delay() && before != null && r.timeMs() > before) {
                checker.violate(r, CampaignRule.LATE_START, "event " + e.event() + " of " + e.instance() + " is delayed after its notAfter "
                        + before + " ms had passed");
            }
        }
        if (e.state() == EventState.SCHEDULED) {
            Pending p = new Pending(i, live, e.fallbackAfterMs());
            if (e.notice() == null) {
                delivered(r.timeMs(), p); // a history from before notices named their effect
            } else {
                undelivered.put(e.notice(), p);
            }
        }
        if (e.state() == EventState.STARTED || e.state() == EventState.CANCELLED) {
            Long latest = e.event() == null ? null : notAfter.remove(e.event()); // kept only while the event is pending
            if (e.state() == EventState.STARTED && e.cause() != EventCause.STARTED_BY_TENANT && latest != null && r.timeMs() > latest) {
                checker.violate(r, CampaignRule.LATE_START, "event " + e.event() + " of " + e.instance() + " starts after its notAfter "
                        + latest + " ms, with no later one told");
            }
        }
    }

    /** An effect was applied: if it is a notice, its tenant has it from now. */
    void applied(HistoryRecord r, String key) {
        Pending p = undelivered.remove(key);
        if (p != null) {
            delivered(r.timeMs(), p);
        }
    }

    private void delivered(long t, Pending p) {
        long from;
        if (!p.live()) {
            from = t + noticeMs;
        } else if (p.fallbackAfterMs() != null) {
            from = Math.max(p.fallbackAfterMs(), t + noticeMs);
        } else {
            return; // a live migration's notice that announces no fallback allows no disruption
        }
        allowedFrom[p.instance()] = Math.min(allowedFrom[p.instance()], from);
    }

    /**
     * Ferry begins to disrupt instance {@code i}. Judged once the history has moved past this
     * millisecond: a round's facts come before the effects it applies, so a notice delivered in the
     * same round (a notice period of zero) is delivered before the disruption is applied.
     */
    void disrupted(HistoryRecord r, int i, String instance) {
        disruptions.add(new Disruption(r, i, instance));
    }

    /** The history reached {@code t}: disruptions of earlier milliseconds are judged. */
    void reached(long t) {
        if (!disruptions.isEmpty() && disruptions.get(0).at().timeMs() < t) {
            judge();
        }
    }

    /** Judges every disruption not judged yet (at the end of the history). */
    void judge() {
        for (Disruption d : disruptions) {
            long from = allowedFrom[d.instance()];
            if (d.at().timeMs() < from) {
                checker.violate(d.at(), CampaignRule.NOTICE, "Ferry disrupts " + d.id() + " before its notice period"
                        + (from == Long.MAX_VALUE ? " (no notice delivered)" : " (allowed from " + from + " ms)"));
            }
        }
        disruptions.clear();
    }

    private record Disruption(HistoryRecord at, int instance, String id) {
    }
}

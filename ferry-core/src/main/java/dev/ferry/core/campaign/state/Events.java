package dev.ferry.core.campaign.state;

import dev.ferry.core.history.EventCause;
import dev.ferry.core.history.Fact;
import dev.ferry.core.lifecycle.EventState;
import dev.ferry.core.planner.MoveKind;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;

/**
 * The tenants' side of a campaign as it stands: one maintenance event per instance that will be
 * disrupted, the step that holds each planned one, and the informational event of each live
 * migration. Changed by
 * {@link RuntimeState#apply} only; not thread-safe.
 */
public final class Events {
    final Map<Integer, MaintenanceEvent> byInstance = new HashMap<>();
    final Map<Integer, StepRun> owner = new HashMap<>();
    /** The informational events of live migrations, by instance (the disruptive ones are in {@link #byInstance}). */
    final Map<Integer, MaintenanceEvent> live = new HashMap<>();
    /** Disruptive events by their latest start ({notAfter, instance}); entries of events that started or changed are skipped. */
    private final PriorityQueue<long[]> byNotAfter =
            new PriorityQueue<>((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));

    /**
     * Steps holding an event that waited past its latest start (delayed, and told so), in plan
     * order: they go ahead of the others ({@link #urgentSteps}). Steps that have left the queue are
     * dropped as they are met.
     */
    private final java.util.TreeMap<Integer, StepRun> urgent = new java.util.TreeMap<>();

    /** The instance's disruptive event (relocation, reboot in place), or null. */
    public MaintenanceEvent get(int instance) {
        return byInstance.get(instance);
    }

    /** The step that holds the instance's planned disruption, or null. */
    public StepRun owner(int instance) {
        return owner.get(instance);
    }

    /** The pending informational event of the instance's live migration, or null (one that is over is forgotten). */
    public MaintenanceEvent live(int instance) {
        return live.get(instance);
    }

    /**
     * Disruptive events that have not started by their latest start ({@code now} or before), by
     * instance; they leave the index, to which the notice of their delay brings them back. Like
     * {@link StepQueue#promote}, a view that moves with the clock, not state.
     */
    public List<MaintenanceEvent> overdue(long now) {
        List<MaintenanceEvent> out = new ArrayList<>();
        while (!byNotAfter.isEmpty() && byNotAfter.peek()[0] <= now) {
            long[] x = byNotAfter.poll();
            MaintenanceEvent e = byInstance.get((int) x[1]);
            if (e != null && e.pending() && e.notAfter == x[0] && e.notAfter > 0) {
                out.add(e);
            }
        }
        out.sort(Comparator.comparingInt(e -> e.instance));
        return out;
    }

    /** The steps with a delayed event that are still queued, in plan order (those that left the queue are forgotten). */
    public List<StepRun> urgentSteps(StepQueue queue) {
        if (urgent.isEmpty()) {
            return List.of();
        }
        urgent.values().removeIf(r -> !queue.queued(r.index));
        return new ArrayList<>(urgent.values());
    }

    /** Events that have not started yet (scheduled or rescheduled), informational ones included, by instance. */
    public List<MaintenanceEvent> notStarted() {
        List<MaintenanceEvent> out = new ArrayList<>();
        for (MaintenanceEvent e : byInstance.values()) {
            if (e.pending()) {
                out.add(e);
            }
        }
        for (MaintenanceEvent e : live.values()) {
            if (e.pending()) {
                out.add(e);
            }
        }
        out.sort(Comparator.comparingInt((MaintenanceEvent e) -> e.instance).thenComparing(e -> e.kind != MoveKind.LIVE_MIGRATE));
        return out;
    }

    /** A change of an informational event: scheduled, then completed or cancelled (it never starts for its tenant). */
    private void applyLive(Fact.EventChanged c, int i, CampaignStats stats) {
        if (c.state() == EventState.SCHEDULED) {
            live.put(i, new MaintenanceEvent(c.event(), i, c.kind(), c.notBeforeMs(), c.deadlineMs(), c.notAfterMs(),
                    c.fallbackAfterMs()));
            stats.informational++;
            return;
        }
        MaintenanceEvent e = live.get(i);
        if (c.state() != EventState.COMPLETED && c.state() != EventState.CANCELLED || !e.pending()) {
            throw new IllegalStateException("informational event " + c.event() + " cannot go from " + e.state + " to " + c.state());
        }
        live.remove(i); // over: nothing reads it any more (at a million hosts, most instances have had one)
    }

    /** One of the campaign's event facts about instance {@code i}; {@code owner}: the step that holds a newly scheduled event. */
    void apply(Fact.EventChanged c, int i, StepRun owner, StepQueue queue, CampaignStats stats) {
        MaintenanceEvent l = live.get(i);
        if (c.state() == EventState.SCHEDULED ? c.kind() == MoveKind.LIVE_MIGRATE : l != null && l.id.equals(c.event())) {
            applyLive(c, i, stats);
            return;
        }
        MaintenanceEvent e = byInstance.get(i);
        switch (c.state()) {
            case SCHEDULED -> {
                e = new MaintenanceEvent(c.event(), i, c.kind(), c.notBeforeMs(), c.deadlineMs(), c.notAfterMs(), null);
                byInstance.put(i, e);
                byNotAfter.add(new long[] {e.notAfter, i});
                if (owner != null) {
                    this.owner.put(i, owner);
                    owner.readyAt = Math.max(owner.readyAt, c.notBeforeMs());
                }
                stats.noticed++;
            }
            case RESCHEDULED -> {
                e.state = EventState.TABLE.transition(e.state, EventState.RESCHEDULED);
                e.notBefore = c.notBeforeMs();
                if (c.notAfterMs() != e.notAfter) {
                    e.notAfter = c.notAfterMs();
                    byNotAfter.add(new long[] {e.notAfter, i});
                }
                StepRun holder = this.owner.get(i);
                if (holder != null && e.notBefore > holder.readyAt) {
                    holder.readyAt = e.notBefore;
                    queue.readyAt(holder.index, holder.readyAt);
                }
                if (c.cause().delay()) {
                    stats.delayed++;
                    if (holder != null) {
                        urgent.put(holder.index, holder);
                    }
                } else {
                    stats.rescheduled++;
                }
            }
            case STARTED -> {
                e.state = EventState.TABLE.transition(e.state, EventState.STARTED);
                if (c.cause() == EventCause.STARTED_BY_TENANT) {
                    stats.tenantInitiated++;
                } else {
                    stats.forced++;
                }
            }
            case COMPLETED -> {
                e.state = EventState.TABLE.transition(e.state, EventState.COMPLETED);
                stats.completedEvents++;
            }
            case CANCELLED -> e.state = EventState.TABLE.transition(e.state, EventState.CANCELLED);
        }
    }

    String describe() {
        StringBuilder sb = new StringBuilder("live");
        new TreeMap<>(live).forEach((i, e) -> sb.append(' ').append(e.describe()));
        sb.append(" disruptive");
        new TreeMap<>(byInstance).forEach((i, e) -> sb.append(' ').append(e.describe()).append(" owner ")
                .append(owner.containsKey(i) ? owner.get(i).step.host() : "-"));
        return sb.toString();
    }
}

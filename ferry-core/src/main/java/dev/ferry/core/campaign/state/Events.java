package dev.ferry.core.campaign.state;

import dev.ferry.core.history.EventCause;
import dev.ferry.core.history.Fact;
import dev.ferry.core.lifecycle.EventState;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The tenants' side of a campaign as it stands: one maintenance event per instance that will be
 * disrupted, the step that holds each planned one, which live-migrating instances had the
 * informational notice, and when the notice period given at approval ends. Changed by
 * {@link RuntimeState#apply} only; not thread-safe.
 */
public final class Events {
    final Map<Integer, MaintenanceEvent> byInstance = new HashMap<>();
    final Map<Integer, StepRun> owner = new HashMap<>();
    final BitSet informed = new BitSet();
    /** When instances told after the approval were told (a host that joined later): their notice runs from then. */
    final Map<Integer, Long> informedLate = new HashMap<>();
    long noticeEndMs;

    public MaintenanceEvent get(int instance) {
        return byInstance.get(instance);
    }

    /** The step that holds the instance's planned disruption, or null. */
    public StepRun owner(int instance) {
        return owner.get(instance);
    }

    /** The instance had the informational notice of its live migration. */
    public boolean informed(int instance) {
        return informed.get(instance);
    }

    /** When the notice period given at approval ends. */
    public long noticeEndMs() {
        return noticeEndMs;
    }

    /** When the notice of the instance's informational notice runs out: the campaign's, or later for one told later. */
    public long noticeEndMs(int instance, long noticeMs) {
        Long late = informedLate.get(instance);
        return late == null ? noticeEndMs : Math.max(noticeEndMs, late + noticeMs);
    }

    /** The instance was told of its live migration at {@code t}. */
    void inform(int instance, long t, CampaignStats stats) {
        informed.set(instance);
        if (t > 0) {
            informedLate.put(instance, t);
        }
        stats.informational++;
    }

    /** Events that have not started yet (scheduled or rescheduled), by instance. */
    public List<MaintenanceEvent> notStarted() {
        List<MaintenanceEvent> out = new ArrayList<>();
        for (MaintenanceEvent e : byInstance.values()) {
            if (e.pending()) {
                out.add(e);
            }
        }
        out.sort(Comparator.comparingInt(e -> e.instance));
        return out;
    }

    /** One of the campaign's event facts about instance {@code i}; {@code owner}: the step that holds a newly scheduled event. */
    void apply(Fact.EventChanged c, int i, StepRun owner, StepQueue queue, CampaignStats stats) {
        MaintenanceEvent e = byInstance.get(i);
        switch (c.state()) {
            case SCHEDULED -> {
                e = new MaintenanceEvent(c.event(), i, c.kind(), c.notBeforeMs(), c.deadlineMs());
                byInstance.put(i, e);
                if (owner != null) {
                    this.owner.put(i, owner);
                    owner.readyAt = Math.max(owner.readyAt, c.notBeforeMs());
                }
                stats.noticed++;
            }
            case RESCHEDULED -> {
                e.state = EventState.TABLE.transition(e.state, EventState.RESCHEDULED);
                e.notBefore = c.notBeforeMs();
                StepRun holder = this.owner.get(i);
                if (holder != null && e.notBefore > holder.readyAt) {
                    holder.readyAt = e.notBefore;
                    queue.readyAt(holder.index, holder.readyAt);
                }
                stats.rescheduled++;
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
        StringBuilder sb = new StringBuilder("informed ").append(informed).append(" late ").append(new java.util.TreeMap<>(informedLate))
                .append(" noticeEnd ").append(noticeEndMs);
        new TreeMap<>(byInstance).forEach((i, e) -> sb.append(' ').append(e.describe()).append(" owner ")
                .append(owner.containsKey(i) ? owner.get(i).step.host() : "-"));
        return sb.toString();
    }
}

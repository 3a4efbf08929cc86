package dev.ferry.server;

import dev.ferry.core.history.Fact;
import dev.ferry.core.history.HistoryRecord;
import dev.ferry.core.lifecycle.HostPhase;
import dev.ferry.core.planner.Step;
import dev.ferry.formats.HistoryJson;
import dev.ferry.formats.HistoryText;
import dev.ferry.store.HistoryStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A campaign's plan against its progress, for the dashboard: vulnerable hosts remaining over
 * (virtual) time as planned and as it happened, its failures with their reasons, and its latest
 * facts. Derived from the plan and the stored facts, so it reads the same after a restart.
 */
public final class CampaignTimeline {
    /** One point: seconds since the campaign started, affected hosts not yet patched. */
    public record Point(long seconds, int remaining) {
    }

    /** A failure: a host that failed ({@code host-failed}), or a move rolled back ({@code rolled-back}), with its reason. */
    public record Failure(long seconds, String target, String kind, String reason) {
    }

    /** One of the latest facts: its type, what it is about, and a sentence for people. */
    public record Recent(long seconds, String fact, String target, String summary) {
    }

    public record View(String campaign, int affectedHosts, long predictedSeconds, long lowerBoundSeconds, Long deadlineSeconds,
                       List<Point> planned, List<Point> actual, List<Failure> failures, List<Recent> recent) {
    }

    private static final int RECENT = 40;
    /** The facts the dashboard lists as "latest": the campaign's, hosts', moves' and events'. */
    private static final List<Class<? extends Fact>> LATEST = List.of(Fact.CampaignChanged.class, Fact.CampaignSettled.class,
            Fact.SoakEnded.class, Fact.PhaseChanged.class, Fact.HostFailed.class, Fact.HostSkipped.class, Fact.Parked.class,
            Fact.MoveStarted.class, Fact.SwitchedOver.class, Fact.RolledBack.class, Fact.EventChanged.class, Fact.Informed.class,
            Fact.Refused.class, Fact.RescueNeeded.class, Fact.RebootsInPlace.class);
    private static final int MAX_FAILURES = 200;

    private final HistoryStore history;
    private final Campaigns campaigns;

    public CampaignTimeline(HistoryStore history, Campaigns campaigns) {
        this.history = history;
        this.campaigns = campaigns;
    }

    public View of(String id) {
        Campaigns.Loaded l = campaigns.load(id);
        Campaigns.Row r = l.row();
        int affected = r.affectedHosts();
        long[] ends = l.plan().steps().stream().mapToLong(Step::end).sorted().toArray();
        List<Point> planned = curve(affected, ends);
        List<Long> returned = new ArrayList<>();
        List<Failure> failures = new ArrayList<>();
        for (HistoryRecord f : history.facts(id, List.of(Fact.PhaseChanged.class, Fact.HostFailed.class, Fact.RolledBack.class))) {
            long t = f.timeMs() / 1000;
            switch (f.fact()) {
                case Fact.PhaseChanged p when p.phase() == HostPhase.RETURNED -> returned.add(t);
                case Fact.HostFailed h -> failures.add(new Failure(t, h.host(), HistoryJson.typeName(Fact.HostFailed.class),
                        HistoryText.failure(h)));
                case Fact.RolledBack b -> failures.add(new Failure(t, b.instance(), HistoryJson.typeName(Fact.RolledBack.class),
                        b.reason()));
                default -> {
                }
            }
        }
        List<Recent> recent = new ArrayList<>();
        for (HistoryRecord f : history.latest(id, LATEST, RECENT)) {
            recent.add(new Recent(f.timeMs() / 1000, HistoryJson.typeName(f.fact().getClass()), f.fact().subject(),
                    HistoryText.describe(f.fact())));
        }
        long[] actualEnds = returned.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(actualEnds);
        List<Failure> lastFailures = failures.size() > MAX_FAILURES ? failures.subList(failures.size() - MAX_FAILURES, failures.size())
                : failures;
        Long deadline = r.slackSeconds() == null ? null : r.predictedSeconds() + r.slackSeconds();
        return new View(id, affected, r.predictedSeconds(), r.lowerBoundSeconds(), deadline, planned, curve(affected, actualEnds),
                List.copyOf(lastFailures), recent);
    }

    /** Remaining affected hosts as a step curve: the start, then one point per distinct time a host was patched. */
    private static List<Point> curve(int affected, long[] sortedEnds) {
        List<Point> out = new ArrayList<>();
        out.add(new Point(0, affected));
        int remaining = affected;
        for (int k = 0; k < sortedEnds.length; k++) {
            remaining--;
            if (k + 1 == sortedEnds.length || sortedEnds[k + 1] != sortedEnds[k]) {
                out.add(new Point(sortedEnds[k], Math.max(0, remaining)));
            }
        }
        return out;
    }
}

package dev.ferry.server;

import dev.ferry.core.campaign.HistoryRecord;
import dev.ferry.core.campaign.HostPhase;
import dev.ferry.core.planner.Step;
import dev.ferry.store.Database;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
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

    /** A failure: a host that failed, or a migration rolled back, with the reason the history gives. */
    public record Failure(long seconds, String target, String reason) {
    }

    public record Fact(long seconds, String op, String target, String outcome) {
    }

    public record View(String campaign, int affectedHosts, long predictedSeconds, long lowerBoundSeconds, Long deadlineSeconds,
                       List<Point> planned, List<Point> actual, List<Failure> failures, List<Fact> recent) {
    }

    private static final int RECENT = 40;
    private static final int MAX_FAILURES = 200;

    private final Database db;
    private final Campaigns campaigns;

    public CampaignTimeline(Database db, Campaigns campaigns) {
        this.db = db;
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
        List<Fact> recent = new ArrayList<>();
        db.tx(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT t_ms, op, target, outcome FROM facts WHERE campaign = ?"
                    + " AND (op = ? OR (op = ? AND outcome LIKE 'rolled back%')) ORDER BY seq")) {
                ps.setString(1, id);
                ps.setString(2, HistoryRecord.Op.HOST_PHASE);
                ps.setString(3, HistoryRecord.Op.MOVE);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        long t = rs.getLong(1) / 1000;
                        String outcome = rs.getString(4);
                        if (outcome.equals(HostPhase.RETURNED.name())) {
                            returned.add(t);
                        } else if (outcome.startsWith(HostPhase.FAILED.name())) {
                            failures.add(new Failure(t, rs.getString(3), reason(outcome)));
                        } else if (rs.getString(2).equals(HistoryRecord.Op.MOVE)) {
                            failures.add(new Failure(t, rs.getString(3), reason(outcome)));
                        }
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT t_ms, op, target, outcome FROM facts WHERE campaign = ?"
                    + " AND op IN ('campaign', 'host-phase', 'move', 'event') ORDER BY seq DESC FETCH FIRST " + RECENT + " ROWS ONLY")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        recent.add(new Fact(rs.getLong(1) / 1000, rs.getString(2), rs.getString(3), rs.getString(4)));
                    }
                }
            }
            return null;
        });
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

    private static String reason(String outcome) {
        int colon = outcome.indexOf(':');
        return colon < 0 ? outcome : outcome.substring(colon + 1).trim();
    }
}

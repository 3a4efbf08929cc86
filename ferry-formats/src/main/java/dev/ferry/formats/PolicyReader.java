package dev.ferry.formats;

import dev.ferry.core.model.FailedMoveHalt;
import dev.ferry.core.model.LiveMigrationPolicy;
import dev.ferry.core.model.MaintenanceDurations;
import dev.ferry.core.model.MigrationPolicy;
import dev.ferry.core.model.OnCanaryFailure;
import dev.ferry.core.model.OnTimeout;
import dev.ferry.core.model.Policy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads {@code policy.yaml} (policy/v1, docs/formats.md; JSON too). Every field is optional; the
 * defaults are {@link Policy#DEFAULTS}. Thread-safe (stateless).
 */
public final class PolicyReader {
    public Policy read(Path path) throws InvalidInputException {
        return read(Source.of(path));
    }

    /** Reads a file or bytes (a request body, a stored document); problems carry the source's name. */
    public Policy read(Source source) throws InvalidInputException {
        Problems problems = new Problems(source.name());
        Fields f = SingleMapping.read(source, AdvisoryReader.MAX_BYTES, problems, "policy/v1");
        if (f == null) {
            problems.throwIfAny();
        }
        Policy d = Policy.DEFAULTS;
        long fleetCap = f.integer("maxHostsInMaintenance", 1, 1_000_000, (long) d.maxHostsInMaintenance(), false);
        long zoneCap = f.integer("maxHostsPerZone", 1, 1_000_000, (long) d.maxHostsPerZone(), false);
        long zones = f.integer("zonesAtOnce", 1, 10_000, (long) d.zonesAtOnce(), false);
        long canaries = f.integer("canaryHosts", 0, 10_000, (long) d.canaryHosts(), false);
        long soak = f.integer("soakMinutes", 0, 7 * 24 * 60, d.soak().toMinutes(), false);
        double notice = f.decimal("noticeHours", 0, 24 * 90, d.notice().toMillis() / 3_600_000.0, false); // 0.5: 30 minutes
        long halt = f.integer("haltAfterFailures", 1, 1_000_000, (long) d.haltAfterFailures(), false);
        OnCanaryFailure onCanary = f.choice("onCanaryFailure", OnCanaryFailure.class, d.onCanaryFailure(), false);
        Boolean announceFallback = f.bool("announceFallback", d.announceFallback(), false);
        LiveMigrationPolicy lm = d.liveMigration();
        Node lmNode = f.node("liveMigration");
        if (lmNode != null) {
            Fields l = Fields.of(problems, lmNode, "liveMigration");
            if (l != null) {
                long downtime = l.integer("maxDowntimeMs", 1, 600_000, lm.maxDowntime().toMillis(), false);
                double bandwidth = l.decimal("bandwidthMiBps", 0.001, 1_000_000, lm.bandwidthMiBps(), false);
                long perHost = l.integer("perHost", 1, 1_000, (long) lm.perHost(), false);
                long timeout = l.integer("timeoutSecondsPerGiB", 1, 86_400, lm.timeoutPerGiB().toSeconds(), false);
                OnTimeout onTimeout = l.choice("onTimeout", OnTimeout.class, lm.onTimeout(), false);
                l.finish();
                lm = new LiveMigrationPolicy(Duration.ofMillis(downtime), bandwidth, (int) perHost,
                        Duration.ofSeconds(timeout), onTimeout);
            }
        }
        MaintenanceDurations md = d.durations();
        Node dNode = f.node("durations");
        if (dNode != null) {
            Fields m = Fields.of(problems, dNode, "durations");
            if (m != null) {
                long patch = m.integer("patchMinutes", 0, 7 * 24 * 60, md.patch().toMinutes(), false);
                long reboot = m.integer("rebootMinutes", 0, 7 * 24 * 60, md.reboot().toMinutes(), false);
                long restart = m.integer("restartMinutes", 0, 7 * 24 * 60, md.restart().toMinutes(), false);
                m.finish();
                md = new MaintenanceDurations(Duration.ofMinutes(patch), Duration.ofMinutes(reboot), Duration.ofMinutes(restart));
            }
        }
        FailedMoveHalt gate = gate(f, problems, d.haltOnFailedMoves());
        List<MigrationPolicy> migrationPolicies = migrationPolicies(f, problems);
        f.finish();
        problems.throwIfAny();
        return new Policy((int) fleetCap, (int) zoneCap, (int) zones, (int) canaries, Duration.ofMinutes(soak),
                Duration.ofSeconds((long) Math.ceil(notice * 3600 - 1e-9)), // whole seconds, as the planner counts
                lm, (int) halt, md, onCanary, announceFallback, gate, migrationPolicies);
    }

    /** {@code migrationPolicies}: a list of {group | tenant, maxDowntimeMs, bandwidthMiBps, timeoutSecondsPerGiB, postCopy}. */
    private static List<MigrationPolicy> migrationPolicies(Fields f, Problems problems) {
        List<MigrationPolicy> out = new ArrayList<>();
        for (Fields m : f.list("migrationPolicies", "migration policies")) {
            String group = m.id("group", false);
            String tenant = m.id("tenant", false);
            Long downtime = m.integer("maxDowntimeMs", 1, 600_000, null, false);
            Double bandwidth = m.decimal("bandwidthMiBps", 0.001, 1_000_000, null, false);
            Long timeout = m.integer("timeoutSecondsPerGiB", 1, 86_400, null, false);
            Boolean postCopy = m.bool("postCopy", null, false);
            m.finish();
            if ((group == null) == (tenant == null)) {
                problems.add(m.mapping(), m.at(), "names the instances it is for by group or by tenant (one of them)");
                continue;
            }
            out.add(new MigrationPolicy(group, tenant, downtime == null ? null : Duration.ofMillis(downtime), bandwidth,
                    timeout == null ? null : Duration.ofSeconds(timeout), postCopy));
        }
        return out;
    }

    /** {@code haltOnFailedMoves}: {@code off}, or a mapping of percent, minMoves and windowMinutes (each defaulted). */
    private static FailedMoveHalt gate(Fields f, Problems problems, FailedMoveHalt d) {
        Node node = f.node("haltOnFailedMoves");
        if (node == null) {
            return d;
        }
        if (node instanceof Node.Scalar s && "off".equals(s.value())) {
            return null;
        }
        if (node instanceof Node.Scalar) {
            problems.add(node, "haltOnFailedMoves", "expected off or a mapping of percent, minMoves and windowMinutes");
            return d;
        }
        Fields g = Fields.of(problems, node, "haltOnFailedMoves");
        if (g == null) {
            return d;
        }
        long percent = g.integer("percent", 1, 100, (long) d.percent(), false);
        long min = g.integer("minMoves", 1, 1_000_000, (long) d.minMoves(), false);
        long window = g.integer("windowMinutes", 1, 7 * 24 * 60, d.window().toMinutes(), false);
        g.finish();
        return new FailedMoveHalt((int) percent, (int) min, Duration.ofMinutes(window));
    }
}

package dev.ferry.sim;

import dev.ferry.core.history.EventCause;
import dev.ferry.core.history.Fact;
import dev.ferry.core.history.HistoryRecord;
import dev.ferry.core.lifecycle.EventState;
import dev.ferry.core.lifecycle.HostPhase;
import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.Host;
import dev.ferry.core.model.LiveMigrationPolicy;
import dev.ferry.core.model.MaintenanceDurations;
import dev.ferry.core.model.Policy;
import dev.ferry.core.planner.MoveKind;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What finished campaigns measured, kept as sums and counts so that each campaign adds to them: a
 * host's patch and reboot time per host model (its {@code cpuModel}), live-migration time per GiB
 * of guest memory, a guest's restart (a non-live move's disruption, stop to running again), and how
 * tenants answered notices of non-live moves (acted early, rescheduled). {@link #applyTo} puts the
 * measured means in a policy's durations and bandwidth, {@link #tenants} in the tenant model, for
 * the next forecast; what was never measured stays as the policy and the defaults say.
 *
 * @param campaigns the campaigns measured
 * @param notices   non-live events announced; {@code early}: acted on early by their tenant;
 *                  {@code rescheduled}: rescheduled by their tenant
 */
public record LearnedModel(int campaigns, Map<String, Stat> patchSecondsByHostModel, Map<String, Stat> rebootSecondsByHostModel,
                           Stat migrationSecondsPerGiB, Stat restartSeconds, int notices, int early, int rescheduled) {
    /** {@code n} measurements adding up to {@code sum}. */
    public record Stat(long n, double sum) {
        public static final Stat NONE = new Stat(0, 0);

        public Double mean() {
            return n == 0 ? null : sum / n;
        }

        Stat plus(Stat o) {
            return new Stat(n + o.n, sum + o.sum);
        }

        Stat plus(double x) {
            return new Stat(n + 1, sum + x);
        }
    }

    public static final LearnedModel EMPTY = new LearnedModel(0, Map.of(), Map.of(), Stat.NONE, Stat.NONE, 0, 0, 0);

    public LearnedModel {
        patchSecondsByHostModel = Map.copyOf(patchSecondsByHostModel);
        rebootSecondsByHostModel = Map.copyOf(rebootSecondsByHostModel);
    }

    /** This model with another's measurements added. */
    public LearnedModel plus(LearnedModel o) {
        return new LearnedModel(campaigns + o.campaigns, merge(patchSecondsByHostModel, o.patchSecondsByHostModel),
                merge(rebootSecondsByHostModel, o.rebootSecondsByHostModel), migrationSecondsPerGiB.plus(o.migrationSecondsPerGiB),
                restartSeconds.plus(o.restartSeconds), notices + o.notices, early + o.early, rescheduled + o.rescheduled);
    }

    private static Map<String, Stat> merge(Map<String, Stat> a, Map<String, Stat> b) {
        Map<String, Stat> out = new TreeMap<>(a);
        b.forEach((k, v) -> out.merge(k, v, Stat::plus));
        return out;
    }

    /** One campaign's measurements, from its history (times in ms from its start) on its fleet. */
    public static LearnedModel measure(List<HistoryRecord> history, Fleet fleet) {
        Map<String, Long> phaseAt = new HashMap<>();
        Map<String, Stat> patch = new TreeMap<>();
        Map<String, Stat> reboot = new TreeMap<>();
        Map<String, Long> disruptedAt = new HashMap<>();
        Stat migration = Stat.NONE;
        Stat restart = Stat.NONE;
        Set<String> noticed = new HashSet<>();
        Set<String> early = new HashSet<>();
        Set<String> rescheduled = new HashSet<>();
        for (HistoryRecord r : history) {
            switch (r.fact()) {
                case Fact.PhaseChanged p when p.phase() == HostPhase.PATCHING -> phaseAt.put(p.host(), r.timeMs());
                case Fact.PhaseChanged p when p.phase() == HostPhase.REBOOTING -> {
                    Long began = phaseAt.put(p.host(), r.timeMs());
                    if (began != null) {
                        patch.merge(hostModel(fleet, p.host()), new Stat(1, (r.timeMs() - began) / 1000.0), Stat::plus);
                    }
                }
                case Fact.PhaseChanged p when p.phase() == HostPhase.VERIFYING -> {
                    Long began = phaseAt.remove(p.host());
                    if (began != null) {
                        reboot.merge(hostModel(fleet, p.host()), new Stat(1, (r.timeMs() - began) / 1000.0), Stat::plus);
                    }
                }
                case Fact.MigrationMeasured m -> {
                    int i = fleet.instanceIndex(m.instance());
                    if (i >= 0 && m.totalMs() > 0) {
                        migration = migration.plus(m.totalMs() / 1000.0 / (fleet.instance(i).memoryMiB() / 1024.0));
                    }
                }
                case Fact.DisruptionBegan d when d.kind() != MoveKind.LIVE_MIGRATE -> disruptedAt.put(d.instance(), r.timeMs());
                case Fact.DisruptionEnded d -> {
                    Long began = disruptedAt.remove(d.instance());
                    if (began != null) {
                        restart = restart.plus((r.timeMs() - began) / 1000.0);
                    }
                }
                case Fact.EventChanged e when e.kind() != MoveKind.LIVE_MIGRATE -> {
                    noticed.add(e.event());
                    if (e.state() == EventState.RESCHEDULED && e.cause() == EventCause.RESCHEDULED) {
                        rescheduled.add(e.event());
                    }
                    if (e.cause() == EventCause.STARTED_BY_TENANT) {
                        early.add(e.event());
                    }
                }
                default -> {
                    // nothing measured
                }
            }
        }
        return new LearnedModel(1, patch, reboot, migration, restart, noticed.size(), early.size(), rescheduled.size());
    }

    private static String hostModel(Fleet fleet, String host) {
        int h = fleet.hostIndex(host);
        return h < 0 ? "*" : fleet.host(h).cpuModel();
    }

    /**
     * {@code p} with the measured means: patch and reboot averaged over the fleet's hosts by their
     * model's mean (a model never measured takes the mean over all), restart, and the bandwidth that
     * sends a GiB in the measured time; what was never measured is left as it is.
     */
    public Policy applyTo(Policy p, Fleet fleet) {
        MaintenanceDurations d = p.durations();
        Double patch = overFleet(patchSecondsByHostModel, fleet);
        Double reboot = overFleet(rebootSecondsByHostModel, fleet);
        Double restart = restartSeconds.mean();
        MaintenanceDurations measured = new MaintenanceDurations(patch == null ? d.patch() : seconds(patch),
                reboot == null ? d.reboot() : seconds(reboot), restart == null ? d.restart() : seconds(restart));
        LiveMigrationPolicy lm = p.liveMigration();
        Double perGiB = migrationSecondsPerGiB.mean();
        if (perGiB != null && perGiB > 0) {
            lm = new LiveMigrationPolicy(lm.maxDowntime(), 1024 / perGiB, lm.perHost(), lm.timeoutPerGiB(), lm.onTimeout());
        }
        return p.with(lm, measured);
    }

    /** The tenant model measured (shares of non-live notices), or {@code fallback} when no notice was measured. */
    public TenantModel tenants(TenantModel fallback) {
        return notices == 0 ? fallback : new TenantModel(early / (double) notices, rescheduled / (double) notices);
    }

    private static Double overFleet(Map<String, Stat> byModel, Fleet fleet) {
        Stat all = byModel.values().stream().reduce(Stat.NONE, Stat::plus);
        if (all.n() == 0) {
            return null;
        }
        double sum = 0;
        for (Host h : fleet.hosts()) {
            Stat s = byModel.get(h.cpuModel());
            sum += s != null && s.n() > 0 ? s.mean() : all.mean();
        }
        return fleet.hosts().isEmpty() ? all.mean() : sum / fleet.hosts().size();
    }

    private static Duration seconds(double s) {
        return Duration.ofMillis(Math.round(s * 1000));
    }
}

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
 * host's patch, reboot and verification time per host model (its {@code cpuModel}), a live
 * migration's transfer time per GiB of its source's bandwidth (the hypervisor's own total time,
 * divided by its GiB and by how many migrations out of that source shared it, on average from its
 * start to its measurement: an approximation — the simulator fixes a migration's share at its start,
 * real hypervisors share as they go) and its overhead (start to switch-over, less the transfer), a guest's restart (a
 * relocation's disruption, stop to running again), and how tenants answered notices of non-live
 * moves (acted early, rescheduled). A host whose verification restarts guests rebooted in place
 * gives no verification time (the simulator adds their restart to it). {@link #applyTo} puts the measured means in a policy's durations
 * and bandwidth, {@link #tenants} in the tenant model, for the next forecast; what was never
 * measured stays as the policy and the defaults say.
 *
 * @param campaigns      the campaigns measured
 * @param notices        non-live events announced; {@code early}: acted on early by their tenant;
 *                       {@code rescheduled}: rescheduled by their tenant
 * @param campaignSpread how each quantity's mean differs from one campaign to the next ({@link Spread}), by
 *                       quantity: {@code patch}, {@code reboot}, {@code verify}, {@code migrationPerGiB},
 *                       {@code migrationOverhead}, {@code restart}
 */
public record LearnedModel(int campaigns, Map<String, Stat> patchSecondsByHostModel, Map<String, Stat> rebootSecondsByHostModel,
                           Map<String, Stat> verifySecondsByHostModel, Stat migrationSecondsPerGiB, Stat migrationOverheadSeconds,
                           Stat restartSeconds, int notices, int early, int rescheduled, Map<String, Spread> campaignSpread) {
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

    /**
     * How a quantity's mean spreads from campaign to campaign (a machine or a fleet having a slower week): over
     * the {@code n} campaigns that measured it, the sum and the sum of squares of the natural log of each one's mean.
     */
    public record Spread(long n, double sum, double squares) {
        public static final Spread NONE = new Spread(0, 0, 0);

        static Spread of(Stat campaign) {
            Double mean = campaign.mean();
            if (mean == null || !(mean > 0)) {
                return NONE;
            }
            double x = Math.log(mean);
            return new Spread(1, x, x * x);
        }

        Spread plus(Spread o) {
            return new Spread(n + o.n, sum + o.sum, squares + o.squares);
        }

        /** The standard deviation of the log of a campaign's mean (the sample's, n − 1); 0 below two campaigns, and for rounding's residue. */
        public double sigma() {
            if (n < 2) {
                return 0;
            }
            double sigma = Math.sqrt(Math.max(0, (squares - sum * sum / n) / (n - 1)));
            return sigma < 1e-6 ? 0 : sigma;
        }
    }

    /** The largest spread a model may hold: one standard deviation 20 times the mean (an imported one above it is refused). */
    public static final double MAX_SIGMA = 3;

    /** The quantities whose spread from campaign to campaign is kept. */
    public static final List<String> QUANTITIES = List.of("patch", "reboot", "verify", "migrationPerGiB", "migrationOverhead", "restart");

    public static final LearnedModel EMPTY = new LearnedModel(0, Map.of(), Map.of(), Map.of(), Stat.NONE, Stat.NONE, Stat.NONE, 0, 0, 0,
            Map.of());

    /** A document written before a measurement existed reads as none of it. */
    public LearnedModel {
        patchSecondsByHostModel = patchSecondsByHostModel == null ? Map.of() : Map.copyOf(patchSecondsByHostModel);
        rebootSecondsByHostModel = rebootSecondsByHostModel == null ? Map.of() : Map.copyOf(rebootSecondsByHostModel);
        verifySecondsByHostModel = verifySecondsByHostModel == null ? Map.of() : Map.copyOf(verifySecondsByHostModel);
        migrationSecondsPerGiB = migrationSecondsPerGiB == null ? Stat.NONE : migrationSecondsPerGiB;
        migrationOverheadSeconds = migrationOverheadSeconds == null ? Stat.NONE : migrationOverheadSeconds;
        restartSeconds = restartSeconds == null ? Stat.NONE : restartSeconds;
        // (Map.copyOf refuses a null inside, as the other maps do; the order is kept for the JSON)
        campaignSpread = campaignSpread == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(Map.copyOf(campaignSpread)));
    }

    /** This model with another's measurements added. */
    public LearnedModel plus(LearnedModel o) {
        return new LearnedModel(campaigns + o.campaigns, merge(patchSecondsByHostModel, o.patchSecondsByHostModel, Stat::plus),
                merge(rebootSecondsByHostModel, o.rebootSecondsByHostModel, Stat::plus),
                merge(verifySecondsByHostModel, o.verifySecondsByHostModel, Stat::plus),
                migrationSecondsPerGiB.plus(o.migrationSecondsPerGiB), migrationOverheadSeconds.plus(o.migrationOverheadSeconds),
                restartSeconds.plus(o.restartSeconds), notices + o.notices, early + o.early, rescheduled + o.rescheduled,
                merge(campaignSpread, o.campaignSpread, Spread::plus));
    }

    /** The spread of {@code quantity} from campaign to campaign: the standard deviation of the log of a campaign's mean (0: none known). */
    public double sigma(String quantity) {
        Spread s = campaignSpread.get(quantity);
        return s == null ? 0 : s.sigma();
    }

    /** Whether any quantity's mean is known to differ from campaign to campaign. */
    public boolean spreads() {
        return campaignSpread.values().stream().anyMatch(s -> s.sigma() > 0);
    }

    private static <T> Map<String, T> merge(Map<String, T> a, Map<String, T> b, java.util.function.BinaryOperator<T> plus) {
        Map<String, T> out = new TreeMap<>(a);
        b.forEach((k, v) -> out.merge(k, v, plus));
        return out;
    }

    /** One campaign's measurements, from its history (times in ms from its start) on its fleet. */
    public static LearnedModel measure(List<HistoryRecord> history, Fleet fleet) {
        Measuring m = new Measuring(fleet);
        history.forEach(m::take);
        Map<String, Spread> spread = new TreeMap<>();
        List<Stat> stats = List.of(all(m.patch), all(m.reboot), all(m.verify), m.migration, m.overhead, m.restart);
        for (int q = 0; q < QUANTITIES.size(); q++) {
            Spread s = Spread.of(stats.get(q));
            if (s.n() > 0) {
                spread.put(QUANTITIES.get(q), s);
            }
        }
        return new LearnedModel(1, m.patch, m.reboot, m.verify, m.migration, m.overhead, m.restart, m.noticed.size(), m.early.size(),
                m.rescheduled.size(), spread);
    }

    private static Stat all(Map<String, Stat> byModel) {
        return byModel.values().stream().reduce(Stat.NONE, Stat::plus);
    }

    /** The measurement of one history, record by record. */
    private static final class Measuring {
        private final Fleet fleet;
        private final Map<String, Long> phaseAt = new HashMap<>();
        private final Map<String, Stat> patch = new TreeMap<>();
        private final Map<String, Stat> reboot = new TreeMap<>();
        private final Map<String, Stat> verify = new TreeMap<>();
        private final Map<String, Long> disruptedAt = new HashMap<>();
        /** Hosts whose step restarts guests in place at its verification. */
        private final Set<String> restartsInPlace = new HashSet<>();
        /**
         * Live migrations in flight by move: their start, GiB, their source's {@link #load} area at their start, and
         * the hypervisor's total time once measured (−1 until then).
         */
        private final Map<Long, double[]> migrating = new HashMap<>();
        private final Map<Long, String> migratingFrom = new HashMap<>();
        private final Map<String, Long> moveOf = new HashMap<>();
        /** By source host: live migrations out of it now, when that last changed, and the integral of that count over time (ms). */
        private final Map<String, double[]> load = new HashMap<>();
        private Stat migration = Stat.NONE;
        private Stat overhead = Stat.NONE;
        private Stat restart = Stat.NONE;
        private final Set<String> noticed = new HashSet<>();
        private final Set<String> early = new HashSet<>();
        private final Set<String> rescheduled = new HashSet<>();

        Measuring(Fleet fleet) {
            this.fleet = fleet;
        }

        void take(HistoryRecord r) {
            switch (r.fact()) {
                case Fact.PhaseChanged p when p.phase() == HostPhase.PATCHING -> phaseAt.put(p.host(), r.timeMs());
                case Fact.PhaseChanged p when p.phase() == HostPhase.REBOOTING -> phase(p.host(), r.timeMs(), patch, true);
                case Fact.PhaseChanged p when p.phase() == HostPhase.VERIFYING -> phase(p.host(), r.timeMs(), reboot, true);
                case Fact.PhaseChanged p when p.phase() == HostPhase.RETURNED -> {
                    if (!restartsInPlace.remove(p.host())) {
                        phase(p.host(), r.timeMs(), verify, false);
                    } else {
                        phaseAt.remove(p.host()); // its verification restarted guests: the simulator adds their restart itself
                    }
                }
                case Fact.StepStarted st when !st.rebootInPlace().isEmpty() -> restartsInPlace.add(st.host());
                case Fact.RebootsInPlace rip -> restartsInPlace.add(rip.host());
                case Fact.PhaseChanged p when p.phase() == HostPhase.FAILED -> phaseAt.remove(p.host());
                case Fact.MoveStarted s when s.kind() == MoveKind.LIVE_MIGRATE -> {
                    int i = fleet.instanceIndex(s.instance());
                    loadChanges(s.from(), r.timeMs(), 1);
                    migratingFrom.put(s.move(), s.from());
                    moveOf.put(s.instance(), s.move());
                    if (i >= 0) {
                        migrating.put(s.move(), new double[] {r.timeMs(), fleet.instance(i).memoryMiB() / 1024.0,
                            area(s.from(), r.timeMs()), -1});
                    }
                }
                case Fact.MigrationMeasured q -> {
                    Long move = moveOf.get(q.instance());
                    double[] m = move == null ? null : migrating.get(move);
                    if (m != null && m[1] > 0 && q.totalMs() > 0) {
                        m[3] = q.totalMs();
                        // shared with the migrations out of the same source meanwhile: as many, on average over its time
                        String from = migratingFrom.get(move);
                        double span = r.timeMs() - m[0];
                        double sharing = span > 0 ? (area(from, r.timeMs()) - m[2]) / span : load.get(from)[0];
                        migration = migration.plus(q.totalMs() / 1000.0 / (m[1] * Math.max(1, sharing)));
                    }
                }
                case Fact.SwitchedOver s -> {
                    double[] m = ended(s.move(), r.timeMs());
                    if (m != null && m[3] >= 0) {
                        overhead = overhead.plus(Math.max(0, r.timeMs() - m[0] - m[3]) / 1000.0);
                    }
                }
                case Fact.RolledBack b -> ended(b.move(), r.timeMs());
                // a relocation's stop to running again (a reboot in place waits for its host's reboot: no restart alone)
                case Fact.DisruptionBegan d when d.kind() == MoveKind.RELOCATE -> disruptedAt.put(d.instance(), r.timeMs());
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

        /** The phase that began at the host's last mark ended at {@code t}: one more sample; {@code next}: a phase follows. */
        private void phase(String host, long t, Map<String, Stat> into, boolean next) {
            Long began = next ? phaseAt.put(host, t) : phaseAt.remove(host);
            if (began != null) {
                into.merge(hostModel(fleet, host), new Stat(1, (t - began) / 1000.0), Stat::plus);
            }
        }

        /** A live migration ended (switched over or rolled back) at {@code t}: its source has one fewer out; its start, or null. */
        private double[] ended(long move, long t) {
            String from = migratingFrom.remove(move);
            if (from != null) {
                loadChanges(from, t, -1);
            }
            return migrating.remove(move);
        }

        /** {@code delta} more migrations out of {@code host} from {@code t} on. */
        private void loadChanges(String host, long t, int delta) {
            double[] l = load.computeIfAbsent(host, h -> new double[] {0, t, 0});
            l[2] += l[0] * (t - l[1]);
            l[1] = t;
            l[0] += delta;
        }

        /** The integral of the migrations out of {@code host} over time, up to {@code t}. */
        private double area(String host, long t) {
            double[] l = load.get(host);
            return l == null ? 0 : l[2] + l[0] * (t - l[1]);
        }
    }

    private static String hostModel(Fleet fleet, String host) {
        int h = fleet.hostIndex(host);
        return h < 0 ? "*" : fleet.host(h).cpuModel();
    }

    /**
     * {@code p} with the measured means: patch, reboot and verification averaged over the fleet's hosts by their
     * model's mean (a model never measured takes the mean over all), restart, a migration's overhead,
     * and the bandwidth that transfers a GiB in the measured time; what was never measured is left as it is.
     */
    public Policy applyTo(Policy p, Fleet fleet) {
        return applyTo(p, fleet, 0);
    }

    /**
     * As {@link #applyTo(Policy, Fleet)}, for a campaign {@code z} standard deviations away from the usual one: each
     * measured mean times {@code exp(z * sigma)} of its quantity (a migration slower by it, too).
     */
    public Policy applyTo(Policy p, Fleet fleet, double z) {
        MaintenanceDurations d = p.durations();
        Double patch = scaled(overFleet(patchSecondsByHostModel, fleet), "patch", z);
        Double reboot = scaled(overFleet(rebootSecondsByHostModel, fleet), "reboot", z);
        Double verify = scaled(overFleet(verifySecondsByHostModel, fleet), "verify", z);
        Double restart = scaled(restartSeconds.mean(), "restart", z);
        Double overhead = scaled(migrationOverheadSeconds.mean(), "migrationOverhead", z);
        MaintenanceDurations measured = new MaintenanceDurations(patch == null ? d.patch() : seconds(patch),
                reboot == null ? d.reboot() : seconds(reboot), restart == null ? d.restart() : seconds(restart),
                verify == null ? d.verify() : seconds(verify), overhead == null ? d.migrationOverhead() : seconds(overhead));
        LiveMigrationPolicy lm = p.liveMigration();
        Double perGiB = scaled(migrationSecondsPerGiB.mean(), "migrationPerGiB", z);
        if (perGiB != null && perGiB > 0) {
            lm = new LiveMigrationPolicy(lm.maxDowntime(), 1024 / perGiB, lm.perHost(), lm.timeoutPerGiB(), lm.onTimeout());
        }
        return p.with(lm, measured);
    }

    /** The tenant model measured (shares of non-live notices), or {@code fallback} when no notice was measured. */
    public TenantModel tenants(TenantModel fallback) {
        return notices == 0 ? fallback : new TenantModel(early / (double) notices, rescheduled / (double) notices);
    }

    private Double scaled(Double mean, String quantity, double z) {
        if (mean == null || z == 0) {
            return mean; // (not a conditional expression: it would unbox a null)
        }
        return mean * Math.exp(Math.max(-10, Math.min(10, z * sigma(quantity)))); // (bounded: a factor, never 0 or infinite)
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

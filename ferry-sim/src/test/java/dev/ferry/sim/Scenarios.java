package dev.ferry.sim;

import dev.ferry.core.model.LiveMigrationPolicy;
import dev.ferry.core.model.MaintenanceDurations;
import dev.ferry.core.model.OnTimeout;
import dev.ferry.core.model.Policy;
import dev.ferry.core.planner.PlanningProblem;
import dev.ferry.formats.FleetCollector;
import dev.ferry.formats.FleetGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.SplittableRandom;

/** One seed, one scenario: fleet shape, policy and fault mix all derive from it. */
final class Scenarios {
    static final Instant START = Instant.parse("2014-09-26T12:00:00Z");

    /**
     * {@code churn}: tenants' own lifecycle operations during the campaign (half the seeds have none).
     * {@code faults} are those of the histories kept from before history/v2; {@link #liveFaults} adds
     * hosts that go down (a quarter of the seeds) and hosts that join or leave the campaign as the
     * advisory changes (another quarter).
     */
    record Scenario(PlanningProblem problem, FaultSpec faults, TenantModel tenants, boolean naive, ChurnModel churn,
                    double hostDown, double advisoryChange) {
        FaultSpec liveFaults() {
            return faults.withHostDown(hostDown).withAdvisoryChange(advisoryChange);
        }
    }

    private Scenarios() {
    }

    static Scenario of(long seed) {
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + 17);
        int hosts = 12 + r.nextInt(140);
        double[] shares = {0.1, 0.3, 0.6, 1.0};
        FleetGenerator.Options d = FleetGenerator.Options.defaults(hosts, seed);
        FleetGenerator.Options o = new FleetGenerator.Options(hosts, seed, 1 + r.nextInt(3), 3 + r.nextInt(6),
                2 + r.nextInt(20), shares[r.nextInt(shares.length)], r.nextDouble() * 0.4, r.nextDouble() * 0.6,
                0.3 + 0.6 * r.nextDouble(), Math.max(1, hosts / (1 + r.nextInt(6))));
        Policy policy = new Policy(1 + r.nextInt(20), 1 + r.nextInt(5), 1 + r.nextInt(2), r.nextInt(3),
                Duration.ofMinutes(r.nextInt(20)), Duration.ofHours(r.nextInt(3) == 0 ? 0 : r.nextInt(25)),
                new LiveMigrationPolicy(Duration.ofMillis(100 + r.nextInt(400)), 256 + r.nextInt(2048), 1 + r.nextInt(3),
                        Duration.ofSeconds(30 + r.nextInt(200)), OnTimeout.values()[r.nextInt(3)]),
                1 + r.nextInt(5), new MaintenanceDurations(Duration.ofMinutes(1 + r.nextInt(10)),
                Duration.ofMinutes(1 + r.nextInt(6)), Duration.ofMinutes(1 + r.nextInt(3))));
        FaultSpec faults = switch (r.nextInt(4)) {
            case 0 -> FaultSpec.NONE;
            case 1 -> FaultSpec.parse("migration-fail=0.02,non-converge=0.01,delay=0.02,duplicate=0.02");
            case 2 -> FaultSpec.parse("migration-fail=0.1,non-converge=0.05,host-lost=0.03,host-unpatched=0.03,"
                    + "agent-crash=0.05,delay=0.1,duplicate=0.1");
            default -> FaultSpec.parse("host-lost=0.05,host-unpatched=0.05,duplicate=0.2");
        };
        var advisory = SimulationSmokeTest.XSA;
        PlanningProblem problem = new PlanningProblem(FleetCollector.generate(o), advisory, policy, START);
        TenantModel tenants = new TenantModel(r.nextDouble() * 0.3, r.nextDouble() * 0.3);
        boolean naive = r.nextInt(5) == 0;
        ChurnModel churn = r.nextBoolean() ? ChurnModel.NONE : new ChurnModel(0.2 + r.nextDouble() * 8);
        double hostDown = r.nextInt(4) == 0 ? 0.01 + r.nextDouble() * 0.06 : 0; // drawn last: the draws above stay as they were
        double advisoryChange = r.nextInt(4) == 0 ? 0.02 + r.nextDouble() * 0.1 : 0;
        return new Scenario(problem, faults, tenants, naive, churn, hostDown, advisoryChange);
    }
}

package dev.ferry.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.model.Advisory;
import dev.ferry.core.model.AffectRule;
import dev.ferry.core.model.Glob;
import dev.ferry.core.model.Policy;
import dev.ferry.core.planner.FerryStrategy;
import dev.ferry.core.planner.Plan;
import dev.ferry.core.planner.PlanningProblem;
import dev.ferry.formats.FleetCollector;
import dev.ferry.formats.FleetGenerator;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class SimulationSmokeTest {
    static final Advisory XSA = new Advisory("XSA-108", "t", List.of(new AffectRule(Glob.of("xen-4.[0-4].*"), Glob.of("*"))),
            "xen-4.4.1", true, Instant.parse("2014-10-01T12:00:00Z"));

    @Test
    void aCampaignCompletesWithoutBreakingAnyRule() {
        PlanningProblem p = new PlanningProblem(FleetCollector.generate(FleetGenerator.Options.defaults(200, 5)), XSA,
                Policy.DEFAULTS, Instant.parse("2014-09-26T12:00:00Z"));
        Plan plan = new FerryStrategy().plan(p);
        SimulationResult r = Simulation.run(p, plan, Simulation.Options.of(1, FaultSpec.NONE));
        System.out.println(r.result() + " " + r.reason() + " makespan=" + r.makespanSeconds() + " predicted="
                + r.predictedMakespanSeconds() + " patched=" + r.hostsPatched() + " live=" + r.liveMigrations() + " reloc="
                + r.relocations() + " rip=" + r.rebootsInPlace() + " events=" + r.events() + " viol=" + r.invariantViolations());
        assertThat(r.invariantViolations()).isEmpty();
        assertThat(r.result()).isEqualTo("completed");
        assertThat(r.hostsPatched()).isEqualTo(plan.steps().size());
    }

    /** Tenants using their instances during the campaign, with faults: every kind of operation happens, nothing is lost. */
    @Test
    void churnDuringACampaignLosesNothing() {
        PlanningProblem p = new PlanningProblem(FleetCollector.generate(FleetGenerator.Options.defaults(200, 5)), XSA,
                Policy.DEFAULTS, Instant.parse("2014-09-26T12:00:00Z"));
        Plan plan = new FerryStrategy().plan(p);
        SimulationResult r = Simulation.run(p, plan, Simulation.Options.of(3, FaultSpec.parse("migration-fail=0.03,host-lost=0.02,"
                + "delay=0.05,duplicate=0.05")).withChurn(new ChurnModel(2)));
        assertThat(r.invariantViolations()).isEmpty();
        var c = r.churn();
        assertThat(c.operations()).isGreaterThan(100);
        assertThat(List.of(c.stops(), c.starts(), c.reboots(), c.terminations(), c.launches())).allSatisfy(n -> assertThat(n).isPositive());
        assertThat(c.startsOnPatched()).as("starts land on patched hosts too").isPositive();
        assertThat(c.lost()).isZero();
        assertThat(r.result()).isIn("completed", "halted");
    }
}

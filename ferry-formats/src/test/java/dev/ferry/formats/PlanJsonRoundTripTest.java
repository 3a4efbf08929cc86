package dev.ferry.formats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.core.model.Advisory;
import dev.ferry.core.model.AffectRule;
import dev.ferry.core.model.Glob;
import dev.ferry.core.model.Policy;
import dev.ferry.core.planner.FerryStrategy;
import dev.ferry.core.planner.NaiveStrategy;
import dev.ferry.core.planner.Plan;
import dev.ferry.core.planner.PlanStrategy;
import dev.ferry.core.planner.PlanningProblem;
import java.io.StringWriter;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** A plan written as plan/v1 reads back into the same plan (a proposal's reviewed plan is stored that way). */
class PlanJsonRoundTripTest {
    private static final Advisory XSA = new Advisory("XSA-108", "t", List.of(new AffectRule(Glob.of("xen-4.[0-4].*"), Glob.of("*"))),
            "xen-4.4.1", true, Instant.parse("2014-10-01T12:00:00Z"));

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6})
    void aPlanReadsBackEqual(long seed) throws Exception {
        FleetGenerator.Options d = FleetGenerator.Options.defaults(60 + (int) seed * 20, seed);
        FleetGenerator.Options o = new FleetGenerator.Options(d.hosts(), seed, d.zones(), d.racksPerZone(), d.instancesPerHost(),
                seed % 2 == 0 ? 1.0 : 0.3, 0.3, d.groupShare(), 0.8, d.tenants());
        PlanningProblem p = new PlanningProblem(FleetCollector.generate(o), XSA, Policy.DEFAULTS, Instant.parse("2014-09-26T12:00:00Z"));
        for (PlanStrategy s : List.of(new FerryStrategy(), new NaiveStrategy())) {
            Plan plan = s.plan(p);
            StringWriter w = new StringWriter();
            new PlanJsonWriter().write(plan, w, seed % 2 == 0);
            assertThat(new PlanJsonReader().read(w.toString())).isEqualTo(plan);
        }
    }

    @Test
    void aDocumentThatIsNotAPlanIsRefusedNamingTheField() {
        PlanJsonReader r = new PlanJsonReader();
        assertThatThrownBy(() -> r.read("{\"ferry\":\"fleet/v1\"}")).hasMessageContaining("not plan/v1");
        assertThatThrownBy(() -> r.read("{\"ferry\":\"plan/v1\",\"advisory\":\"a\",\"strategy\":\"ferry\",\"feasible\":true,"
                + "\"reasons\":[],\"affectedHosts\":[],\"steps\":[{\"host\":\"h\",\"zone\":\"z\",\"start\":\"soon\"}]}"))
                .hasMessageContaining("start: must be a whole number");
        assertThatThrownBy(() -> r.read("[]")).hasMessageContaining("JSON object");
    }
}

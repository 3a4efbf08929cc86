package dev.ferry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.core.planner.NaiveStrategy;
import dev.ferry.core.planner.Plan;
import dev.ferry.formats.PlanJsonReader;
import dev.ferry.formats.PlanJsonWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A proposal is reviewed as a plan, and that plan is what runs: it is stored with the proposal
 * (plan/v1), read back after a restart byte for byte, and approval runs exactly it — not a plan made
 * again from the stored fleet by whatever planner the server has now. A stored plan that no longer
 * passes the verifier is refused at approval.
 */
class ReviewedPlanTest {
    @TempDir
    Path dir;

    @Test
    void theStoredPlanSurvivesARestartAndIsWhatApprovalRuns() throws Exception {
        String id;
        String reviewed;
        Plan naive;
        try (TestServer s = new TestServer(dir, "h2")) {
            s.seed(40, 1);
            id = s.propose(3);
            reviewed = s.get("/v1/campaigns/" + id + "/plan", s.operator).body();
            // as if another planner had made the reviewed plan: the naive one, for the same problem
            naive = new NaiveStrategy().plan(s.server.campaigns().load(id).problem());
            assertThat(order(naive)).isNotEqualTo(order(new PlanJsonReader().read(reviewed)));
            storePlan(s, id, json(naive));
        }
        try (TestServer s = TestServer.reopen(dir, null)) {
            assertThat(s.get("/v1/campaigns/" + id + "/plan", s.operator).body()).isEqualTo(json(naive));
            TestServer.Response approved = s.post("/v1/campaigns/" + id + "/approve", s.operator, null);
            assertThat(approved.status()).as(approved.body()).isEqualTo(200);
            List<String> steps = new ArrayList<>();
            for (JsonNode step : s.get("/v1/campaigns/" + id + "/steps?limit=1000", s.operator).json().get("items")) {
                steps.add(step.get("host").asText());
            }
            assertThat(steps).as("the campaign runs the stored plan's steps").isEqualTo(order(naive));
            assertThat(s.server.campaigns().load(id).plan()).isEqualTo(naive);
        }
    }

    @Test
    void aStoredPlanThatBreaksARuleIsRefusedAtApproval() throws Exception {
        try (TestServer s = new TestServer(dir, "h2")) {
            s.seed(40, 1);
            String id = s.propose(3);
            Plan plan = new PlanJsonReader().read(s.get("/v1/campaigns/" + id + "/plan", s.operator).body());
            Plan missingAStep = new Plan(plan.advisory(), plan.strategy(), plan.feasible(), plan.reasons(), plan.affectedHosts(),
                    plan.steps().subList(0, plan.steps().size() - 1), plan.skippedHosts(), plan.summary(), plan.lowerBound());
            storePlan(s, id, json(missingAStep));
        }
        try (TestServer s = TestServer.reopen(dir, null)) {
            String id = s.server.campaigns().list().get(0).id();
            TestServer.Response r = s.post("/v1/campaigns/" + id + "/approve", s.operator, null);
            assertThat(r.status()).isEqualTo(409);
            assertThat(r.json().get("detail").asText()).contains("breaks the safety rules").contains("neither planned nor skipped");
            assertThat(s.get("/v1/campaigns/" + id, s.operator).json().get("state").asText()).isEqualTo("proposed");
        }
    }

    private static List<String> order(Plan p) {
        return p.steps().stream().map(dev.ferry.core.planner.Step::host).toList();
    }

    private static String json(Plan p) throws Exception {
        StringWriter w = new StringWriter();
        new PlanJsonWriter().write(p, w, false);
        return w.toString();
    }

    /** Writes the campaign's stored plan directly (as an older or newer Ferry might have). */
    private static void storePlan(TestServer s, String id, String plan) {
        s.server.database().tx(c -> {
            try (var ps = c.prepareStatement("UPDATE campaigns SET plan_document = ? WHERE id = ?")) {
                ps.setString(1, plan);
                ps.setString(2, id);
                return ps.executeUpdate();
            }
        });
    }
}

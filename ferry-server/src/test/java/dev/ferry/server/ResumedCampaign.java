package dev.ferry.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.history.Fact;
import dev.ferry.core.history.HistoryRecord;
import dev.ferry.core.verify.InvariantChecker;
import dev.ferry.formats.HistoryJson;
import dev.ferry.server.engine.CampaignEngine;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What the tests that interrupt a campaign again and again (kills, failovers) check at the end: the
 * campaign finished by one controller holds every safety rule and every effect key once, and its
 * history is exactly that of the same campaign run without a single interruption.
 */
final class ResumedCampaign {
    private ResumedCampaign() {
    }

    /** Finishes the campaign on {@code s} far in the future; its facts, checked (rules kept, each effect key once). */
    static List<HistoryRecord> finish(TestServer s, CampaignEngine e, String campaign) throws InterruptedException {
        s.clock.set(Instant.now().plus(Duration.ofDays(30)));
        e.wake();
        e.awaitDone(120_000);
        assertThat(e.snapshot().violations()).isEmpty();
        assertThat(s.get("/v1/campaigns/" + campaign, s.operator).json().get("state").asText()).isEqualTo("completed");
        List<HistoryRecord> after = s.facts(campaign);
        InvariantChecker checker = new InvariantChecker(s.server.campaigns().load(campaign).problem());
        after.forEach(checker::accept);
        assertThat(checker.finish()).isEmpty();
        long applies = after.stream().filter(f -> f.fact() instanceof Fact.EffectApplied).count();
        assertThat(s.count("SELECT COUNT(*) FROM effect_keys WHERE campaign = ?", campaign)).isEqualTo(applies);
        return after;
    }

    /**
     * Runs the same campaign (same fleet, advisory, seed, policy and pace, proposed at {@code t0})
     * on a fresh controller without interruption and asserts {@code after} is its history, fact by
     * fact (but for the campaign's id).
     */
    static void assertSameAsUninterrupted(List<HistoryRecord> after, String campaign, Path reference, Instant t0, String policy,
                                          double accel) throws InterruptedException {
        List<String> straight;
        try (TestServer s = new TestServer(reference, "h2")) {
            s.clock.set(t0);
            s.seed(60, 1);
            String id = s.post("/v1/campaigns", s.operator, TestServer.json(ControllerTest.map("advisory", TestServer.ADVISORY_ID,
                    "seed", 11, "policy", policy, "accel", accel))).json().get("id").asText();
            s.post("/v1/campaigns/" + id + "/approve", s.operator, null);
            s.runToEnd(id);
            straight = s.facts(id).stream().map(f -> HistoryJson.line(f).replace(id, campaign)).toList();
        }
        assertThat(after).hasSize(straight.size());
        for (int i = 0; i < after.size(); i++) {
            assertThat(HistoryJson.line(after.get(i))).as("fact " + i).isEqualTo(straight.get(i));
        }
    }
}

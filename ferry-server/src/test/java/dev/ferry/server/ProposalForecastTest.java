package dev.ferry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.core.planner.FerryStrategy;
import dev.ferry.sim.ChurnModel;
import dev.ferry.sim.FaultSpec;
import dev.ferry.sim.Forecast;
import dev.ferry.sim.ForecastJson;
import dev.ferry.sim.TenantModel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A proposal is forecast in the background: the campaign's view shows the forecast running, then
 * its figures — those of {@code ferry plan --forecast N} on the same plan (seeds 1 to N, default
 * tenants, no faults); {@code forecast: 0} asks for none, and a count out of range is refused.
 */
class ProposalForecastTest {
    @TempDir
    Path dir;

    @Test
    void aProposalsForecastIsShownWithItsCampaignAndMatchesTheCommandLines() throws Exception {
        try (TestServer s = new TestServer(dir, "h2")) {
            s.seed(60, 0);
            JsonNode proposed = s.post("/v1/campaigns", s.operator, TestServer.json(Map.of("advisory", TestServer.ADVISORY_ID,
                    "forecast", 24))).json();
            String id = proposed.get("id").asText();
            assertThat(proposed.get("forecast").get("state").asText()).isIn("running", "done");
            JsonNode f = awaitForecast(s, id);
            assertThat(f.get("runs").asInt()).isEqualTo(24);
            assertThat(f.get("whatIf")).isNotEmpty();

            Campaigns.Loaded l = s.server.campaigns().load(id);
            Forecast.Result same = Forecast.run(l.problem(), l.plan(), new FerryStrategy(),
                    new Forecast.Settings(24, 1, FaultSpec.NONE, TenantModel.DEFAULT, ChurnModel.NONE, true, 2, dev.ferry.sim.LearnedModel.EMPTY), null);
            Map<String, Object> expected = new java.util.LinkedHashMap<>();
            expected.put("state", "done");
            expected.putAll(ForecastJson.map(same));
            expected.put("model", null); // no campaign on agents has ended here: nothing learnt
            assertThat(f).isEqualTo(TestServer.JSON.readTree(TestServer.JSON.writeValueAsString(expected)));

            TestServer.Response model = s.get("/v1/model", s.operator);
            assertThat(model.status()).as("nothing learnt before a campaign on agents ends").isEqualTo(404);
            assertThat(model.body()).contains("no such model");

            JsonNode none = s.post("/v1/campaigns", s.operator, TestServer.json(Map.of("advisory", TestServer.ADVISORY_ID,
                    "forecast", 0))).json();
            assertThat(none.get("forecast").isNull()).isTrue();
            for (int bad : new int[] {-1, Forecasts.MAX_RUNS + 1}) {
                TestServer.Response r = s.post("/v1/campaigns", s.operator, TestServer.json(Map.of("advisory", TestServer.ADVISORY_ID,
                        "forecast", bad)));
                assertThat(r.status()).isEqualTo(400);
                assertThat(r.body()).contains("forecast must be 0 (none) to 10000 runs");
            }
        }
    }

    /**
     * An operator imports a model (a lab's, or another controller's): it is the next version, audited,
     * and the next proposal's forecast is timed with it; a model that cannot be read, or with
     * negative counts, is refused with nothing stored, and only operators may import one.
     */
    @Test
    void anImportedModelTimesTheNextForecastAndABadOneIsRefusedWithNothingStored() throws Exception {
        try (TestServer s = new TestServer(dir, "h2")) {
            TestServer.Seeded seeded = s.seed(60, 1);
            String slow = "{\"campaigns\": 1, \"rebootSecondsByHostModel\": {\"any\": {\"n\": 1, \"sum\": 36000}}}"; // 10 h reboots
            TestServer.Response imported = s.send("PUT", "/v1/model", s.operator, slow);
            assertThat(imported.status()).as(imported.body()).isEqualTo(200);
            assertThat(imported.json().get("version").asInt()).isEqualTo(1);
            assertThat(imported.json().get("campaign").isNull()).as("imported, not learnt from a campaign").isTrue();
            assertThat(imported.json().get("rebootSecondsByHostModel").get("any").get("mean").asDouble()).isEqualTo(36000.0);
            assertThat(s.get("/v1/audit?action=model.import", s.operator).json().get("items")).singleElement()
                    .satisfies(a -> assertThat(a.get("detail").asText()).isEqualTo("version 1 imported"));

            String id = s.post("/v1/campaigns", s.operator, TestServer.json(Map.of("advisory", TestServer.ADVISORY_ID,
                    "forecast", 12))).json().get("id").asText();
            JsonNode f = awaitForecast(s, id);
            assertThat(f.get("model").asInt()).isEqualTo(1);
            Campaigns.Loaded l = s.server.campaigns().load(id);
            Forecast.Outcome plain = Forecast.run(l.problem(), l.plan(), new FerryStrategy(), new Forecast.Settings(12, 1, FaultSpec.NONE,
                    TenantModel.DEFAULT, ChurnModel.NONE, false, 2, dev.ferry.sim.LearnedModel.EMPTY), null).outcome();
            assertThat(f.get("p50Seconds").asLong()).as("every reboot 10 h instead of the policy's 5 minutes")
                    .isGreaterThan(plain.p50Seconds() + 35_000);

            // GET's whole answer is taken back as it is; two campaigns whose reboots took 5 and 20 minutes spread
            TestServer.Response again = s.send("PUT", "/v1/model", s.operator, s.get("/v1/model", s.operator).body());
            assertThat(again.status()).as(again.body()).isEqualTo(200);
            assertThat(again.json().get("version").asInt()).isEqualTo(2);
            double a = Math.log(300);
            double b = Math.log(1200);
            TestServer.Response spread = s.send("PUT", "/v1/model", s.operator, "{\"campaigns\": 2, \"campaignSpread\": {\"reboot\": {\"n\": 2,"
                    + " \"sum\": " + (a + b) + ", \"squares\": " + (a * a + b * b) + "}}}");
            assertThat(spread.status()).as(spread.body()).isEqualTo(200);
            assertThat(spread.json().get("campaignSpread").get("reboot").get("sigma").asDouble())
                    .isCloseTo(Math.log(4) / Math.sqrt(2), org.assertj.core.data.Offset.offset(1e-9));
            for (String bad : new String[] {"{\"campaigns\": 1, \"restartSeconds\": {\"n\": -1, \"sum\": 5}}",
                    "{\"campaigns\": 2, \"campaignSpread\": {\"patch\": {\"n\": 2, \"sum\": 1, \"squares\": -1}}}",
                    "{\"campaigns\": 2, \"campaignSpread\": {\"patch\": {\"n\": 2, \"sum\": 0, \"squares\": 1000000}}}",
                    "{\"campaigns\": 2, \"campaignSpread\": {\"migrationPerGib\": {\"n\": 2, \"sum\": 0, \"squares\": 1}}}",
                    "{\"campaigns\": 2, \"campaignSpread\": {\"patch\": null}}",
                    "{\"campaigns\": 1, \"notices\": 1, \"early\": 2}", "{\"campaigns\": 1, \"reboots\": 3}", "{\"campaigns\": ",
                    "[1, 2]"}) {
                TestServer.Response r = s.send("PUT", "/v1/model", s.operator, bad);
                assertThat(r.status()).as(bad + ": " + r.body()).isEqualTo(400);
                assertThat(r.body()).containsAnyOf("cannot be read", "must not be negative", "is a JSON object", "a campaignSpread names");
            }
            assertThat(s.get("/v1/model", s.operator).json().get("version").asInt()).as("nothing stored").isEqualTo(3);
            assertThat(s.send("PUT", "/v1/model", seeded.tenantTokens().get(0)[1], slow).status()).isEqualTo(403);
        }
    }

    private static JsonNode awaitForecast(TestServer s, String id) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode f = s.get("/v1/campaigns/" + id, s.operator).json().get("forecast");
            if (f.get("state").asText().equals("done")) {
                return f;
            }
            assertThat(f.get("state").asText()).as(f.toString()).isEqualTo("running");
            Thread.sleep(50); // the forecast runs on the controller's own background thread
        }
        throw new AssertionError("the forecast of " + id + " did not end");
    }
}

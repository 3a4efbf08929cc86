package dev.ferry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.core.history.HistoryRecord;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of the controller, as its own process, at random points of a running campaign
 * (including during start-up and replay), restarted on the same H2 database every time. Then the
 * campaign finishes, and its stored history must (1) keep every safety rule, (2) hold every effect
 * key once, and (3) be exactly the history of the same campaign run without a single crash.
 */
class CrashResumeTest {
    private static final int KILLS = Integer.getInteger("ferry.crash.kills", 24);
    private static final String POLICY = "ferry: policy/v1\nnoticeHours: 0\nmaxHostsInMaintenance: 3\nmaxHostsPerZone: 1\n";

    @TempDir
    Path crashed;

    @TempDir
    Path reference;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void aCampaignKilledAtRandomPointsResumesAndEndsWithTheHistoryOfAnUninterruptedRun() throws Exception {
        Instant t0 = Instant.now();
        String operator;
        String campaign;
        long predicted;
        // set up in-process: inventory, advisory, a proposal paced to last about a minute of wall time
        try (TestServer s = new TestServer(crashed, "h2")) {
            s.clock.set(t0);
            s.seed(60, 1);
            operator = s.operator;
            JsonNode p = s.post("/v1/campaigns", operator, TestServer.json(ControllerTest.map("advisory", TestServer.ADVISORY_ID,
                    "seed", 11, "policy", POLICY))).json();
            predicted = p.get("predictedSeconds").asLong();
            campaign = p.get("id").asText();
        }
        // The campaign's virtual time runs on while the controller is down, so it must outlast the kill loop on this
        // machine: one start of the controller is timed here, and the loop (a mean wait of 0.85 s, a start, and a second
        // start after a quarter of the kills) is given three times that, for the replays that grow as the campaign goes.
        long began = System.nanoTime();
        ControllerProcess.start(crashed).kill();
        double startMs = (System.nanoTime() - began) / 1e6;
        double loopMs = KILLS * (850 + 1.25 * startMs + 0.25 * 300) * 3;
        double accel = Math.max(1, predicted * 1000.0 / loopMs);
        setAccel(campaign, accel);

        SplittableRandom random = new SplittableRandom(KILLS);
        ControllerProcess child = ControllerProcess.start(crashed);
        assertThat(post(child.port(), "/v1/campaigns/" + campaign + "/approve", operator)).isEqualTo(200);
        List<Long> startups = new ArrayList<>();
        int duringStartup = 0;
        for (int k = 0; k < KILLS; k++) {
            // a random kill point: this wait chooses the moment; nothing is waited for
            Thread.sleep(100 + random.nextInt(1500));
            child.kill();
            boolean early = random.nextInt(4) == 0;
            child = early ? ControllerProcess.spawn(crashed) : ControllerProcess.start(crashed);
            if (early) {
                Thread.sleep(random.nextInt(600));
                duringStartup++;
                child.kill();
                child = ControllerProcess.start(crashed);
            }
            startups.add(child.startupMillis());
            String state = get(child.port(), "/v1/campaigns/" + campaign, operator).get("state").asText();
            assertThat(state).as("after kill " + (k + 1) + " the campaign is still approved").isIn("running", "completed");
        }
        child.kill();
        System.out.printf("crash test: %d kills (%d during start-up), start-up with replay: max %d ms, median %d ms%n",
                KILLS + duringStartup, duringStartup, startups.stream().mapToLong(x -> x).max().orElse(0),
                startups.stream().sorted().toList().get(startups.size() / 2));

        // where the kills left it: read straight from the database, before anything resumes it
        try (dev.ferry.store.Database db = dev.ferry.store.Database.open(dev.ferry.store.Database.h2Url(crashed), null, null, 2)) {
            String[] state = db.tx(c -> {
                try (var ps = c.prepareStatement("SELECT state, (SELECT MAX(t_ms) FROM facts WHERE campaign = ?) FROM campaigns"
                        + " WHERE id = ?")) {
                    ps.setString(1, campaign);
                    ps.setString(2, campaign);
                    try (var rs = ps.executeQuery()) {
                        rs.next();
                        return new String[] {rs.getString(1), Long.toString(rs.getLong(2) / 1000)};
                    }
                }
            });
            assertThat(state[0]).as("every kill hit a running campaign").isEqualTo("running");
            System.out.printf("crash test: the kills fell in the first %s of %d planned virtual seconds%n", state[1], predicted);
        }

        // finish the campaign in-process on the same database, far in the future; then the same campaign without a crash
        List<HistoryRecord> after;
        try (TestServer s = new TestServer(crashed, "h2")) {
            after = ResumedCampaign.finish(s, s.server.campaigns().engine(campaign), campaign);
        }
        ResumedCampaign.assertSameAsUninterrupted(after, campaign, reference, t0, POLICY, accel);
    }

    private void setAccel(String campaign, double accel) {
        try (TestServer s = new TestServer(crashed, "h2")) {
            s.server.database().tx(c -> {
                try (var ps = c.prepareStatement("UPDATE campaigns SET accel = ? WHERE id = ?")) {
                    ps.setDouble(1, accel);
                    ps.setString(2, campaign);
                    return ps.executeUpdate();
                }
            });
        }
    }

    private JsonNode get(int port, String path, String token) throws IOException, InterruptedException {
        HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + token).GET().build();
        return TestServer.JSON.readTree(http.send(r, HttpResponse.BodyHandlers.ofString()).body());
    }

    private int post(int port, String path, String token) throws IOException, InterruptedException {
        HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.noBody()).build();
        return http.send(r, HttpResponse.BodyHandlers.ofString()).statusCode();
    }
}

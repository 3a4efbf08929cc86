package dev.ferry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.core.history.HistoryRecord;
import dev.ferry.core.verify.InvariantChecker;
import dev.ferry.server.engine.CampaignEngine;
import dev.ferry.store.TestPostgres;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two controllers in this JVM on one PostgreSQL: the first leads, the second stands by and serves
 * the API — it shows the cluster, takes a proposal and an approval (the leader starts the loop),
 * and hands commands to the leader's loop through the database; when the leader stops, the standby
 * takes over at once (the lease is given up), resumes the campaign by replay and finishes it.
 */
class ClusterTest {
    @TempDir
    Path a;

    @TempDir
    Path b;

    @Test
    void aStandbyServesTheApiHandsCommandsToTheLeaderAndTakesOverWhenItStops() throws Exception {
        String url = TestPostgres.newDatabaseUrl();
        TestServer leader = TestServer.reopen(a, url);
        String campaign;
        try (TestServer standby = TestServer.reopen(b, url)) {
            try {
                assertThat(leader.server.cluster().leading()).isTrue();
                assertThat(standby.server.cluster().leading()).isFalse();
                JsonNode cluster = standby.get("/v1/cluster", standby.operator).json();
                assertThat(cluster.path("leader").path("node").asText()).isEqualTo(leader.server.cluster().node());
                assertThat(cluster.path("node").asText()).isEqualTo(standby.server.cluster().node());
                assertThat(cluster.path("members")).extracting(m -> m.path("node").asText())
                        .contains(leader.server.cluster().node(), standby.server.cluster().node());
                assertThat(standby.get("/health", null).json().path("role").asText()).isEqualTo("standby");
                assertThat(standby.get("/v1/cluster", null).status()).as("operators only").isEqualTo(401);

                // written through the standby, read through the leader: the inventory is the database's
                standby.seed(12, 1);
                assertThat(leader.get("/v1/inventory", leader.operator).json().path("hosts").asInt()).isEqualTo(12);
                campaign = standby.propose(5);
                assertThat(standby.post("/v1/campaigns/" + campaign + "/approve", standby.operator, null).status()).isEqualTo(200);
                CampaignEngine loop = leader.server.campaigns().awaitEngine(campaign, 30_000);
                assertThat(loop).as("the leader runs the loop of a campaign approved on the standby").isNotNull();
                assertThat(standby.server.campaigns().engine(campaign)).isNull();

                // a command through the standby reaches the leader's loop, and its outcome comes back
                TestServer.Response paused = standby.post("/v1/campaigns/" + campaign + "/pause", standby.operator, null);
                assertThat(paused.status()).as(paused.body()).isEqualTo(200);
                assertThat(leader.server.campaigns().row(campaign).state().wireName()).isEqualTo("paused");
                long pauses = standby.server.database().tx(c -> {
                    try (var ps = c.prepareStatement("SELECT COUNT(*) FROM inputs WHERE campaign = ? AND kind = 'pause'")) {
                        ps.setString(1, campaign);
                        try (var rs = ps.executeQuery()) {
                            rs.next();
                            return rs.getLong(1);
                        }
                    }
                });
                assertThat(pauses).as("logged once, as the leader's input").isEqualTo(1);
            } finally {
                leader.close();
            }

            // the leader stopped and gave up its lease: the standby leads and resumes the campaign
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!standby.server.cluster().leading()) {
                assertThat(System.nanoTime()).as("the standby takes over").isLessThan(deadline);
                Thread.sleep(20); // polling the standby's lease
            }
            CampaignEngine loop = standby.server.campaigns().awaitEngine(campaign, 30_000);
            assertThat(loop).isNotNull();
            assertThat(standby.post("/v1/campaigns/" + campaign + "/resume", standby.operator, null).status()).isEqualTo(200);
            standby.runToEnd(campaign);
            assertThat(standby.get("/v1/campaigns/" + campaign, standby.operator).json().path("state").asText()).isEqualTo("completed");
            List<HistoryRecord> facts = standby.facts(campaign);
            InvariantChecker checker = new InvariantChecker(standby.server.campaigns().load(campaign).problem());
            facts.forEach(checker::accept);
            assertThat(checker.finish()).isEmpty();
            assertThat(standby.get("/v1/cluster", standby.operator).json().path("term").asLong()).isEqualTo(2);
        }
    }
}

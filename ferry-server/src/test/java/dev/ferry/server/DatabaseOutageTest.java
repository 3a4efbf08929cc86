package dev.ferry.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.history.HistoryRecord;
import dev.ferry.formats.HistoryJson;
import dev.ferry.server.engine.CampaignEngine;
import dev.ferry.store.TestPostgres;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The database goes away for a while in the middle of a campaign (PostgreSQL refuses connections
 * and drops the open ones): requests get 503, the campaign loop keeps what it has not stored and
 * retries, nothing moves meanwhile, and when the database is back the campaign finishes with the
 * history of a campaign that never saw the outage.
 */
class DatabaseOutageTest {
    @TempDir
    Path dir;

    @TempDir
    Path reference;

    @Test
    void aCampaignRidesOutADatabaseOutageAndEndsWithTheSameHistory() throws Exception {
        String url = TestPostgres.newDatabaseUrl();
        List<HistoryRecord> survived;
        String id;
        try (TestServer s = TestServer.reopen(dir, url)) {
            s.seed(40, 1);
            id = s.propose(21);
            s.post("/v1/campaigns/" + id + "/approve", s.operator, null);
            s.advance(id, Duration.ofMinutes(30));
            CampaignEngine e = s.server.campaigns().engine(id);

            TestPostgres.available(url, false);
            TestServer.Response down = s.get("/v1/campaigns/" + id, s.operator);
            assertThat(down.status()).isEqualTo(503);
            assertThat(down.header("Retry-After")).isNotNull();
            s.clock.advanceMillis(Duration.ofDays(3).toMillis()); // past the notice: the campaign has facts to store
            e.wake();
            // the loop met the outage (the bound only keeps a broken build from hanging)
            assertThat(e.firstStoreFailure().get(5, java.util.concurrent.TimeUnit.MINUTES)).isNotEmpty();
            assertThat(e.snapshot().waitingForStore()).isTrue();

            TestPostgres.available(url, true);
            s.runToEnd(id);
            assertThat(e.snapshot().waitingForStore()).isFalse();
            assertThat(s.get("/v1/campaigns/" + id, s.operator).json().get("state").asText()).isEqualTo("completed");
            survived = s.facts(id);
        }
        List<String> straight;
        try (TestServer s = new TestServer(reference, "h2")) {
            s.seed(40, 1);
            String other = s.propose(21);
            s.post("/v1/campaigns/" + other + "/approve", s.operator, null);
            s.runToEnd(other);
            // the same facts, but for the other campaign's id (in campaign facts and event ids)
            straight = s.facts(other).stream().map(f -> HistoryJson.line(f).replace(other, id)).toList();
        }
        assertThat(survived).hasSize(straight.size());
        for (int i = 0; i < survived.size(); i++) {
            assertThat(HistoryJson.line(survived.get(i))).as("fact " + i).isEqualTo(straight.get(i));
        }
    }
}

package dev.ferry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Advisories stay current: fixes per branch, amended and withdrawn, proposals superseded, running campaigns untouched. */
class AdvisoryChangesTest {
    @TempDir
    Path dir;

    /** The seeded advisory with a fix for the 4.3 branch too: hosts on xen-4.3.2 already run it. */
    static final String AMENDED = """
            ferry: advisory/v1
            id: XSA-108
            title: amended
            affects:
              - { hypervisor: "xen-4.[0-4].*", cpuModel: "*" }
            fixedVersion:
              - { branch: "xen-4.3.*", version: xen-4.3.2 }
              - { branch: "xen-4.4.*", version: xen-4.4.1 }
            requiresReboot: true
            """;

    private static List<String> affected(TestServer s, String campaign) {
        List<String> out = new ArrayList<>();
        s.get("/v1/campaigns/" + campaign + "/plan", s.operator).json().get("affectedHosts").forEach(h -> out.add(h.asText()));
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void anAmendmentSupersedesProposalsAndWaitsForTheRunningCampaignAndAWithdrawalWaitsForItsEnd(String db) throws Exception {
        try (TestServer s = new TestServer(dir, db)) {
            s.seed(200, 1); // 15 affected hosts: 7 on xen-4.3.2, the others on 4.4.0 and 4.2.5
            String first = s.propose(1);
            List<String> before = affected(s, first);
            long onBranch43 = s.server.inventory().current().fleet().hosts().stream()
                    .filter(h -> h.hypervisor().equals("xen-4.3.2") && before.contains(h.id())).count();
            assertThat(onBranch43).as("the generated fleet has hosts on xen-4.3.2, and others").isPositive().isLessThan(before.size());

            TestServer.Response amended = s.send("PUT", "/v1/advisories/XSA-108", s.operator, AMENDED);
            assertThat(amended.status()).as(amended.body()).isEqualTo(200);
            assertThat(amended.json().get("state").asText()).isEqualTo("amended");
            assertThat(amended.json().get("fixedIn")).hasSize(2);
            assertThat(amended.json().get("affectedHosts").asInt()).isEqualTo(before.size() - onBranch43);
            TestServer.Response stale = s.post("/v1/campaigns/" + first + "/approve", s.operator, null);
            assertThat(stale.status()).isEqualTo(409);
            assertThat(s.get("/v1/campaigns/" + first, s.operator).json().get("state").asText()).isEqualTo("superseded");

            String second = s.propose(1);
            assertThat(affected(s, second)).hasSize((int) (before.size() - onBranch43));
            assertThat(s.post("/v1/campaigns/" + second + "/approve", s.operator, null).status()).isEqualTo(200);
            // an amendment while it runs is for the next campaign: this one keeps what it was proposed on
            TestServer.Response again = s.send("PUT", "/v1/advisories/XSA-108", s.operator, AMENDED.replace("title: amended",
                    "title: amended twice"));
            assertThat(again.status()).isEqualTo(200);
            assertThat(s.server.campaigns().load(second).problem().advisory().title()).isEqualTo("amended");
            assertThat(s.get("/v1/campaigns/" + second, s.operator).json().get("state").asText()).isEqualTo("running");
            TestServer.Response withdrawing = s.send("DELETE", "/v1/advisories/XSA-108", s.operator, null);
            assertThat(withdrawing.status()).isEqualTo(409);
            assertThat(withdrawing.json().get("detail").asText()).contains(second);

            s.runToEnd(second);
            TestServer.Response withdrawn = s.send("DELETE", "/v1/advisories/XSA-108", s.operator, null);
            assertThat(withdrawn.status()).as(withdrawn.body()).isEqualTo(200);
            assertThat(withdrawn.json().get("state").asText()).isEqualTo("withdrawn");
            assertThat(withdrawn.json().get("affectedHosts").asInt()).isZero();
            TestServer.Response propose = s.post("/v1/campaigns", s.operator, "{\"advisory\":\"XSA-108\"}");
            assertThat(propose.status()).isEqualTo(409);
            assertThat(propose.json().get("detail").asText()).contains("withdrawn");
            assertThat(s.send("PUT", "/v1/advisories/XSA-108", s.operator, AMENDED).status()).isEqualTo(409);
            assertThat(s.count("SELECT COUNT(*) FROM audit WHERE action IN ('advisory.amend', 'advisory.withdraw')")).isEqualTo(3);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2"})
    void anAmendmentKeepsTheIdAndNeedsAnAdvisory(String db) {
        try (TestServer s = new TestServer(dir, db)) {
            s.seed(10, 1);
            TestServer.Response other = s.send("PUT", "/v1/advisories/XSA-108", s.operator, AMENDED.replace("id: XSA-108", "id: XSA-109"));
            assertThat(other.status()).isEqualTo(400);
            assertThat(s.send("PUT", "/v1/advisories/XSA-109", s.operator, AMENDED.replace("id: XSA-108", "id: XSA-109")).status())
                    .isEqualTo(404);
            assertThat(s.send("DELETE", "/v1/advisories/XSA-109", s.operator, null).status()).isEqualTo(404);
            JsonNode bad = s.send("PUT", "/v1/advisories/XSA-108", s.operator, AMENDED.replace("version: xen-4.3.2", "versoin: x"))
                    .json();
            assertThat(bad.get("status").asInt()).isEqualTo(400);
        }
    }
}

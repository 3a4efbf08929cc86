package dev.ferry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /v1/advisories} takes CSAF 2.0, OSV and CVE JSON 5 documents as it takes advisory/v1
 * (told apart by content): the same hosts are affected; a broken one is refused with its problem.
 */
class AdvisoryFormatsApiTest {
    private static final Path EXAMPLE = Path.of("../examples/xsa-108-small");

    @TempDir
    Path dir;

    private static List<String> affected(JsonNode advisory) {
        List<String> out = new ArrayList<>();
        advisory.get("affected").forEach(h -> out.add(h.asText()));
        return out;
    }

    @Test
    void standardAdvisoriesAreRegisteredAndAffectTheSameHostsAsAdvisoryV1() throws Exception {
        try (TestServer s = new TestServer(dir, "h2")) {
            s.seed(40, 0); // advisory/v1 XSA-108: every xen-4.0 to 4.4 host
            List<String> v1 = affected(s.get("/v1/advisories/" + TestServer.ADVISORY_ID, s.operator).json());
            assertThat(v1).isNotEmpty();
            // the same advisory in OSV (Xen 4.1.0 up to 4.4.1) and as a CVE record, under ids of their own
            String osv = Files.readString(EXAMPLE.resolve("advisory.osv.json")).replace("\"XSA-108\"", "\"OSV-XSA-108\"");
            TestServer.Response r = s.post("/v1/advisories", s.operator, osv);
            assertThat(r.status()).as(r.body()).isEqualTo(201);
            assertThat(r.json().get("id").asText()).isEqualTo("OSV-XSA-108");
            assertThat(affected(r.json())).isEqualTo(v1);
            r = s.post("/v1/advisories", s.operator, Files.readString(EXAMPLE.resolve("advisory.cve.json")));
            assertThat(r.status()).as(r.body()).isEqualTo(201);
            assertThat(affected(s.get("/v1/advisories/CVE-2014-7188", s.operator).json())).as("read back from the store").isEqualTo(v1);
            assertThat(r.json().get("disclosure").asText()).isEqualTo("2014-10-01T12:00:00Z");
            // a campaign on the CVE record plans the same hosts as on the advisory/v1
            String campaign = s.post("/v1/campaigns", s.operator, "{\"advisory\":\"CVE-2014-7188\",\"seed\":1}").json().get("id").asText();
            assertThat(s.get("/v1/campaigns/" + campaign, s.operator).json().path("affectedHosts").asInt())
                    .isEqualTo(v1.size());

            // CSAF names two versions, 4.3.2 and 4.4.0: the hosts running them
            String csaf = Files.readString(EXAMPLE.resolve("advisory.csaf.json")).replace("\"XSA-108\"", "\"CSAF-XSA-108\"");
            r = s.post("/v1/advisories", s.operator, csaf);
            assertThat(r.status()).as(r.body()).isEqualTo(201);
            assertThat(r.json().get("fixedVersion").asText()).isEqualTo("xen-4.4.1");
            var fleet = s.server.inventory().current().fleet();
            assertThat(affected(r.json())).isNotEmpty().allSatisfy(h -> assertThat(fleet.host(fleet.hostIndex(h)).hypervisor())
                    .isIn("xen-4.3.2", "xen-4.4.0"));

            TestServer.Response bad = s.post("/v1/advisories", s.operator, csaf.replace("\"product_status\"", "\"status\""));
            assertThat(bad.status()).isEqualTo(400);
            assertThat(bad.body()).contains("vulnerabilities[0].product_status", "required field is missing");
        }
    }
}

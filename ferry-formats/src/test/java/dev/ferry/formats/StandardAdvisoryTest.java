package dev.ferry.formats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ferry.core.model.Advisory;
import dev.ferry.core.model.Host;
import dev.ferry.core.model.HostState;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Advisories in CSAF 2.0, OSV and CVE JSON 5, told apart by content: each affects the same hosts,
 * fixed by the same versions, as the equivalent advisory/v1; broken documents are refused with the
 * line and field of what is wrong.
 */
class StandardAdvisoryTest {
    /** Two branches: 4.3.0 to 4.3.2 fixed by 4.3.3, and 4.4.0 fixed by 4.4.1. */
    private static final String V1 = """
            ferry: advisory/v1
            id: XSA-108
            title: Improper MSR range used for x2APIC emulation
            affects:
              - { hypervisor: "xen-4.3.[0-2]" }
              - { hypervisor: "xen-4.4.0" }
            fixedVersion:
              - { branch: "xen-4.3.*", version: xen-4.3.3 }
              - { branch: "xen-4.4.*", version: xen-4.4.1 }
            requiresReboot: true
            disclosure: 2014-10-01T12:00:00Z
            """;

    private static final String OSV = """
            {"schema_version": "1.6.0", "id": "XSA-108", "modified": "2014-10-02T00:00:00Z", "published": "2014-10-01T12:00:00Z",
             "summary": "Improper MSR range used for x2APIC emulation", "aliases": ["CVE-2014-7188"],
             "affected": [{"package": {"ecosystem": "Xen", "name": "xen"},
                           "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "4.3.0"}, {"fixed": "4.3.3"},
                                                                       {"introduced": "4.4.0"}, {"fixed": "4.4.1"}]}],
                           "database_specific": {"anything": ["the document's own fields are left alone"]}}]}
            """;

    private static final String CVE = """
            {"dataType": "CVE_RECORD", "dataVersion": "5.1",
             "cveMetadata": {"cveId": "CVE-2014-7188", "state": "PUBLISHED", "datePublished": "2014-10-01T12:00:00"},
             "containers": {"cna": {"descriptions": [{"lang": "en", "value": "Improper MSR range used for x2APIC emulation"}],
               "affected": [{"vendor": "Xen", "product": "Xen", "defaultStatus": "unaffected",
                             "versions": [{"version": "4.3.0", "status": "affected", "lessThan": "4.3.3", "versionType": "custom"},
                                          {"version": "4.4.0", "status": "affected", "lessThan": "4.4.1", "versionType": "custom"},
                                          {"version": "4.5.0", "status": "unaffected"}]}]}}}
            """;

    private static final String CSAF = """
            {"document": {"category": "csaf_security_advisory", "csaf_version": "2.0", "title": "Improper MSR range used for x2APIC emulation",
                          "tracking": {"id": "RHSA-2014:1234", "initial_release_date": "2014-10-01T12:00:00Z"}},
             "product_tree": {
               "branches": [{"category": "vendor", "name": "Xen Project", "branches": [{"category": "product_name", "name": "Xen",
                 "branches": [
                   {"category": "product_version", "name": "4.3.0", "product": {"product_id": "P430", "name": "Xen 4.3.0",
                      "product_identification_helper": {"cpe": "cpe:2.3:o:xen:xen:4.3.0:*:*:*:*:*:*:*"}}},
                   {"category": "product_version", "name": "4.3.1", "product": {"product_id": "P431", "name": "Xen 4.3.1",
                      "product_identification_helper": {"cpe": "cpe:/o:xen:xen:4.3.1"}}},
                   {"category": "product_version", "name": "4.3.2", "product": {"product_id": "P432", "name": "Xen 4.3.2"}},
                   {"category": "product_version", "name": "4.3.3", "product": {"product_id": "P433", "name": "Xen 4.3.3"}}]}]}],
               "full_product_names": [
                 {"product_id": "P440", "name": "Xen 4.4.0", "product_identification_helper": {"cpe": "cpe:2.3:o:xen:xen:4.4.0:*:*:*:*:*:*:*"}},
                 {"product_id": "P441", "name": "Xen 4.4.1", "product_identification_helper": {"cpe": "cpe:2.3:o:xen:xen:4.4.1:*:*:*:*:*:*:*"}}]},
             "vulnerabilities": [{"cve": "CVE-2014-7188",
               "product_status": {"known_affected": ["P430", "P431", "P432", "P440"], "fixed": ["P441"], "first_fixed": ["P433"]},
               "remediations": [{"category": "vendor_fix", "details": "update and reboot", "restart_required": {"category": "machine"}}]}]}
            """;

    private static final List<String> VERSIONS = List.of("xen-4.2.9", "xen-4.3.0", "xen-4.3.1", "xen-4.3.2", "xen-4.3.3", "xen-4.4.0",
            "xen-4.4.1", "xen-4.5.0", "kvm-4.4.0");

    private static Advisory read(String text) throws InvalidInputException {
        return new AdvisoryReader().read(Source.of(text.getBytes(StandardCharsets.UTF_8), "advisory"));
    }

    /** Affected hosts (by hypervisor) with the version that fixes each. */
    private static Map<String, String> affected(Advisory a, List<String> versions) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String v : versions) {
            Host h = new Host("h-" + v, "z", null, 8, 8192, 1.0, v, "skylake", true, HostState.ACTIVE, null);
            if (a.affects(h)) {
                out.put(v, a.fixedVersionFor(h));
            }
        }
        return out;
    }

    @Test
    void eachFormatAffectsTheSameHostsWithTheSameFixesAsItsAdvisoryV1() throws Exception {
        Map<String, String> expected = affected(read(V1), VERSIONS);
        assertThat(expected).containsExactly(Map.entry("xen-4.3.0", "xen-4.3.3"), Map.entry("xen-4.3.1", "xen-4.3.3"),
                Map.entry("xen-4.3.2", "xen-4.3.3"), Map.entry("xen-4.4.0", "xen-4.4.1"));
        for (String doc : List.of(OSV, CVE, CSAF)) {
            Advisory a = read(doc);
            assertThat(affected(a, VERSIONS)).as(doc).isEqualTo(expected);
            assertThat(a.disclosure()).isEqualTo(Instant.parse("2014-10-01T12:00:00Z"));
            assertThat(a.requiresReboot()).isTrue();
            assertThat(a.title()).isEqualTo("Improper MSR range used for x2APIC emulation");
            assertThat(a.fixedVersion()).as("the newest fix, for hosts on no listed branch").isEqualTo("xen-4.4.1");
        }
        assertThat(read(OSV).id()).isEqualTo("XSA-108");
        assertThat(read(CVE).id()).isEqualTo("CVE-2014-7188");
        assertThat(read(CSAF).id()).as("made a Ferry id").isEqualTo("RHSA-2014-1234");
        // names compare in lower case
        assertThat(affected(read(OSV), List.of("XEN-4.4.0", "Xen-4.3.3"))).containsOnlyKeys("XEN-4.4.0");
    }

    /** CSAF with a product_version_range branch (vers) and package URL helpers: the same hosts as the advisory/v1. */
    @Test
    void csafVersionRangesAndPackageUrlsAffectTheSameHosts() throws Exception {
        String csaf = """
                {"document": {"csaf_version": "2.0", "title": "Improper MSR range used for x2APIC emulation",
                              "tracking": {"id": "XSA-108", "initial_release_date": "2014-10-01T12:00:00Z"}},
                 "product_tree": {"branches": [{"category": "product_name", "name": "Xen", "branches": [
                     {"category": "product_version_range", "name": "vers:generic/>=4.3.0|<4.3.3",
                      "product": {"product_id": "XEN-4.3-VULN", "name": "Xen 4.3.0 to 4.3.2"}}]}],
                   "full_product_names": [
                     {"product_id": "XEN-4.4.0", "name": "Xen 4.4.0", "product_identification_helper": {"purl": "pkg:generic/xen@4.4.0"}},
                     {"product_id": "XEN-4.4.1", "name": "Xen 4.4.1", "product_identification_helper": {"purl": "pkg:generic/xen@4.4.1?arch=x86_64"}},
                     {"product_id": "XEN-4.3.3", "name": "Xen 4.3.3", "product_identification_helper": {"purl": "pkg:rpm/xen-project/xen@4.3.3"}}]},
                 "vulnerabilities": [{"product_status": {"known_affected": ["XEN-4.3-VULN", "XEN-4.4.0"], "fixed": ["XEN-4.4.1", "XEN-4.3.3"]}}]}
                """;
        assertThat(affected(read(csaf), VERSIONS)).isEqualTo(affected(read(V1), VERSIONS));
        assertThat(read(csaf).requiresReboot()).as("no remediation says anything of restarts: a reboot").isTrue();
        assertThat(problems(csaf.replace(">=4.3.0|<4.3.3", ">4.3.0"))).singleElement()
                .satisfies(x -> assertThat(x.message()).contains("product_version_range Ferry cannot read", "'>4.3.0'"));
        assertThat(problems(csaf.replace("pkg:generic/xen@4.4.0", "pkg:generic/xen"))).singleElement()
                .satisfies(x -> assertThat(x.message()).contains("package URL with no name and version"));
    }

    @Test
    void openRangesLastAffectedAndExactVersionsAreAffectedAsWritten() throws Exception {
        Advisory osv = read("""
                {"id": "OSV-1", "modified": "2014-10-01T00:00:00Z", "affected": [
                  {"package": {"name": "qemu"}, "versions": ["2.0.0"]},
                  {"package": {"name": "xen"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"last_affected": "4.1.6"},
                                                                                      {"introduced": "4.5.0"}]}]}]}
                """);
        assertThat(affected(osv, List.of("qemu-2.0.0", "qemu-2.0.1", "xen-3.4.0", "xen-4.1.6", "xen-4.1.7", "xen-4.4.9", "xen-4.5.0",
                "xen-9.0"))).containsOnlyKeys("qemu-2.0.0", "xen-3.4.0", "xen-4.1.6", "xen-4.5.0", "xen-9.0");
        assertThat(osv.disclosure()).as("no published time: no deadline").isNull();
        Advisory cve = read("""
                {"dataType": "CVE_RECORD", "cveMetadata": {"cveId": "CVE-2099-1"},
                 "containers": {"cna": {"affected": [{"product": "kvm", "versions": [{"version": "*", "status": "affected",
                                                                                     "lessThanOrEqual": "6.1"}]}]}}}
                """);
        assertThat(affected(cve, List.of("kvm-5.0", "kvm-6.1", "kvm-6.1.1"))).containsOnlyKeys("kvm-5.0", "kvm-6.1");
        Advisory csaf = read(CSAF.replace("\"machine\"", "\"none\""));
        assertThat(csaf.requiresReboot()).as("the remediation says no restart").isFalse();
    }

    /**
     * A listed version with no fix of its own stays affected (no other branch's fix makes it look
     * patched, nor is it patched down to one); a host two vulnerabilities hit is fixed by the later
     * fix; fixes that tie on their numbers do not break the reader.
     */
    @Test
    void listedVersionsStayAffectedAndTheLaterFixWins() throws Exception {
        String csaf = """
                {"document": {"csaf_version": "2.0", "title": "t", "tracking": {"id": "A-1", "initial_release_date": "2014-10-01T12:00:00Z"}},
                 "product_tree": {"full_product_names": [
                   {"product_id": "P440", "name": "x", "product_identification_helper": {"cpe": "cpe:2.3:o:xen:xen:4.4.0:*:*:*:*:*:*:*"}},
                   {"product_id": "P441", "name": "x", "product_identification_helper": {"cpe": "cpe:2.3:o:xen:xen:4.4.1:*:*:*:*:*:*:*"}},
                   {"product_id": "P442", "name": "x", "product_identification_helper": {"cpe": "cpe:2.3:o:xen:xen:4.4.2:*:*:*:*:*:*:*"}},
                   {"product_id": "P450", "name": "x", "product_identification_helper": {"cpe": "cpe:2.3:o:xen:xen:4.5.0:*:*:*:*:*:*:*"}},
                   {"product_id": "D1", "name": "x", "product_identification_helper": {"purl": "pkg:deb/debian/xen@4.4.3-9%2Bdeb8u1"}},
                   {"product_id": "D2", "name": "x", "product_identification_helper": {"purl": "pkg:deb/debian/xen@4.4.3-9%2Bdeb8u2"}}]},
                 "vulnerabilities": [
                   {"product_status": {"known_affected": ["P440", "P450"], "fixed": ["P441", "D1", "D2"]}},
                   {"product_status": {"known_affected": ["P440", "P441"], "fixed": ["P442"]}}]}
                """;
        Advisory a = read(csaf);
        Map<String, String> hit = affected(a, List.of("xen-4.4.0", "xen-4.4.1", "xen-4.4.2", "xen-4.5.0", "xen-4.5.1"));
        assertThat(hit).containsOnlyKeys("xen-4.4.0", "xen-4.4.1", "xen-4.5.0");
        assertThat(hit.get("xen-4.4.0")).as("hit by both: the later fix").isEqualTo("xen-4.4.2");
        assertThat(hit.get("xen-4.4.1")).isEqualTo("xen-4.4.2");
        Host h450 = new Host("h", "z", null, 8, 8192, 1.0, "xen-4.5.0", "skylake", true, HostState.ACTIVE, null);
        assertThat(a.affects(h450)).as("listed, and no fix of its own: still affected").isTrue();
        assertThat(a.fixedVersionFor(h450)).as("not patched down to another branch's fix").isNull();
    }

    @Test
    void versionsThatAreNoNumbersAreRefusedAndGitRangesLeftOut() throws Exception {
        assertThat(problems(CVE.replace("\"version\": \"4.4.0\"", "\"version\": \"unspecified\""))).singleElement()
                .satisfies(x -> {
                    assertThat(x.field()).isEqualTo("containers.cna.affected[0].versions[1].version");
                    assertThat(x.message()).contains("'unspecified' is not a version");
                });
        assertThat(problems(CVE.replace("\"lessThan\": \"4.3.3\", \"versionType\": \"custom\"",
                "\"lessThan\": \"4.3.3\", \"versionType\": \"git\""))).singleElement()
                .satisfies(x -> assertThat(x.message()).contains("git versions name commits"));
        // a GIT range beside an ECOSYSTEM one is left out; exact versions compare as versions (4.4 is 4.4.0)
        Advisory osv = read("""
                {"id": "X", "affected": [{"package": {"name": "xen"}, "versions": ["4.4"],
                  "ranges": [{"type": "GIT", "repo": "https://xenbits.xen.org/git-http/xen.git", "events": [{"introduced": "0"},
                             {"fixed": "abc123"}]},
                             {"type": "ECOSYSTEM", "events": [{"introduced": "4.3.0"}, {"fixed": "4.3.3"}]}]}]}
                """);
        assertThat(affected(osv, VERSIONS)).containsOnlyKeys("xen-4.3.0", "xen-4.3.1", "xen-4.3.2", "xen-4.4.0");
        assertThat(problems("""
                {"id": "X", "affected": [{"package": {"name": "xen"}, "ranges": [{"type": "GIT", "events": [{"introduced": "0"}]}]}]}
                """)).singleElement().satisfies(x -> assertThat(x.message()).contains("only GIT ranges"));
        assertThat(problems("{\"id\": \"X\", \"affected\": [{\"package\": {\"name\": \"xen\"}, \"versions\": []}]}"))
                .singleElement().satisfies(x -> assertThat(x.message()).contains("names no affected versions"));
    }

    /** A relationship's product (a component on a platform) is its component's version. */
    @Test
    void aCsafRelationshipIsItsComponent() throws Exception {
        String csaf = CSAF.replace("\"P432\", \"P440\"]", "\"P432\", \"P440-ON-EL7\"]").replace("\"full_product_names\": [",
                "\"relationships\": [{\"category\": \"default_component_of\", \"product_reference\": \"P440\","
                        + " \"relates_to_product_reference\": \"EL7\", \"full_product_name\": {\"product_id\": \"P440-ON-EL7\","
                        + " \"name\": \"Xen 4.4.0 on EL7\"}}],\n \"full_product_names\": [");
        assertThat(affected(read(csaf), VERSIONS)).isEqualTo(affected(read(V1), VERSIONS));
    }

    private static List<Problem> problems(String text) {
        return catchThrowableOfType(InvalidInputException.class, () -> read(text)).problems();
    }

    @Test
    void brokenDocumentsAreRefusedWithWhereAndWhat() {
        // missing product status
        List<Problem> p = problems(CSAF.replace("\"product_status\"", "\"status\""));
        assertThat(p).anySatisfy(x -> {
            assertThat(x.field()).isEqualTo("vulnerabilities[0].product_status");
            assertThat(x.line()).as("the vulnerability's line").isEqualTo(15);
            assertThat(x.message()).contains("missing");
        });
        // an unknown CPE form: the product and its line are named
        p = problems(CSAF.replace("cpe:2.3:o:xen:xen:4.4.0:*:*:*:*:*:*:*", "xen:4.4.0"));
        assertThat(p).singleElement().satisfies(x -> {
            assertThat(x.field()).isEqualTo("vulnerabilities[0].product_status.known_affected");
            assertThat(x.message()).contains("'P440'", "unknown form", "'xen:4.4.0'", "line 13");
        });
        // a product that is not in the tree
        assertThat(problems(CSAF.replace("\"P432\", \"P440\"", "\"P432\", \"P999\""))).singleElement()
                .satisfies(x -> assertThat(x.message()).contains("'P999' is not in the product_tree"));
        // truncated JSON
        String cut = OSV.substring(0, OSV.indexOf("\"ranges\""));
        assertThat(problems(cut)).singleElement().satisfies(x -> {
            assertThat(x.message()).startsWith("malformed JSON");
            assertThat(x.line()).isGreaterThan(0);
        });
        // an entry with only a GIT range (commits), and an OSV entry with no versions at all
        assertThat(problems(OSV.replace("ECOSYSTEM", "GIT"))).singleElement().satisfies(x -> {
            assertThat(x.field()).isEqualTo("affected[0]");
            assertThat(x.message()).contains("only GIT ranges", "commits");
        });
        assertThat(problems("{\"id\": \"X\", \"affected\": [{\"package\": {\"name\": \"xen\"}}]}")).singleElement()
                .satisfies(x -> assertThat(x.message()).contains("neither versions nor ranges"));
        // a CVE record without affected products, a rejected one
        assertThat(problems("{\"dataType\": \"CVE_RECORD\", \"cveMetadata\": {\"cveId\": \"CVE-1\"}, \"containers\": {\"cna\": {}}}"))
                .singleElement().satisfies(x -> assertThat(x.field()).isEqualTo("containers.cna.affected"));
        assertThat(problems(CVE.replace("PUBLISHED", "REJECTED"))).singleElement()
                .satisfies(x -> assertThat(x.message()).contains("rejected"));
        // neither advisory/v1 nor a standard format
        assertThat(problems("{\"title\": \"x\"}")).first()
                .satisfies(x -> assertThat(x.message()).contains("missing header", "CSAF 2.0, OSV or CVE JSON 5"));
    }
}

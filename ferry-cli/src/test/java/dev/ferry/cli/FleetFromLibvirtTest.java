package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.agent.AgentClient;
import dev.ferry.agent.libvirt.LibvirtDaemons;
import dev.ferry.agent.libvirt.LibvirtTests;
import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.OnHostMaintenance;
import dev.ferry.formats.FleetReader;
import dev.ferry.formats.LibvirtMap;
import dev.ferry.formats.LibvirtMapReader;
import dev.ferry.server.FerryServer;
import dev.ferry.server.LibvirtFleet;
import dev.ferry.server.Principal;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry fleet from-libvirt} against two real libvirt daemons (session mode, TCG guests):
 * hosts and running domains come out as fleet/v1 that the fleet reader takes; tenants come from
 * the domains' Ferry metadata or the map; a domain with no tenant anywhere stops it, with nothing written.
 */
class FleetFromLibvirtTest {
    @TempDir
    Path dir;

    @Test
    void theFleetIsReadFromTheDaemonsAndTheMapAndNothingIsWrittenWhileADomainHasNoTenant() throws Exception {
        try (LibvirtDaemons d = LibvirtTests.daemons(2)) {
            d.startGuest(0, "web-1", 16, "tenant='acme' group='web'");
            d.startGuest(0, "db-1", 32, "tenant='acme' onHostMaintenance='restart'");
            d.startGuest(1, "batch-1", 16, null);
            Path out = dir.resolve("fleet.yaml");

            Cli refused = Cli.run("fleet", "from-libvirt", "h1=" + d.uri(0), "h2=" + d.uri(1), "-o", out.toString());
            assertThat(refused.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
            assertThat(refused.err()).contains("domain batch-1 has no tenant").contains("1 problem; nothing was written");
            assertThat(out).doesNotExist();

            Path map = dir.resolve("map.yaml");
            Files.writeString(map, "ferry: libvirt-map/v1\nhosts:\n  - { uri: \"" + d.uri(1) + "\", zone: z2, rack: r9,"
                    + " agent: \"127.0.0.1:9102\", cpuAllocationRatio: 2 }\ninstances:\n  - { domain: batch-1, tenant: lab, onHostMaintenance: reboot-in-place }\n");
            Cli ok = Cli.run("fleet", "from-libvirt", "h1=" + d.uri(0), "h2=" + d.uri(1), "--map", map.toString(), "--zone", "z1",
                    "-o", out.toString());
            assertThat(ok.exitCode()).as(ok.err()).isZero();
            Fleet fleet = new FleetReader().read(out);
            assertThat(fleet.hosts()).extracting(h -> h.id() + " " + h.zone() + " " + h.agent())
                    .containsExactly("h1 z1 null", "h2 z2 127.0.0.1:9102");
            assertThat(fleet.host(0).hypervisor()).startsWith("qemu-").matches("qemu-\\d+\\.\\d+\\.\\d+");
            assertThat(fleet.host(0).cpus()).isPositive();
            assertThat(fleet.host(1).cpuAllocationRatio()).as("from the map").isEqualTo(2.0);
            assertThat(fleet.instances()).extracting(i -> i.id() + " " + i.tenant() + " " + i.host() + " " + i.memoryMiB())
                    .containsExactlyInAnyOrder("web-1 acme h1 16", "db-1 acme h1 32", "batch-1 lab h2 16");
            assertThat(fleet.instances()).filteredOn(i -> i.id().equals("db-1")).singleElement()
                    .satisfies(i -> assertThat(i.onHostMaintenance()).isEqualTo(OnHostMaintenance.RESTART));
            assertThat(fleet.instances()).filteredOn(i -> i.id().equals("web-1")).singleElement()
                    .satisfies(i -> assertThat(i.group()).isEqualTo("web"));

            // the fleet plans: an advisory on the daemons' own hypervisor version
            Path advisory = dir.resolve("advisory.yaml");
            Files.writeString(advisory, "ferry: advisory/v1\nid: LAB-1\naffects:\n  - { hypervisor: \"" + fleet.host(0).hypervisor()
                    + "\", cpuModel: \"*\" }\nfixedVersion: qemu-99.0.0\nrequiresReboot: true\ndisclosure: 2099-01-01T00:00:00Z\n");
            Cli plan = Cli.run("plan", "--fleet", out.toString(), "--advisory", advisory.toString(), "--format", "json");
            assertThat(plan.exitCode()).as(plan.err()).isZero();
            assertThat(plan.out()).contains("\"affectedHosts\"").contains("web-1").contains("batch-1");

            // the server's inventory from the same daemons: refused with the problem while a domain has no tenant,
            // then imported with the map
            try (FerryServer server = FerryServer.start(FerryServer.Config.defaults(dir.resolve("server")).withPort(0)
                    .withWebhookPoll(null))) {
                AgentClient api = new AgentClient("http://127.0.0.1:" + server.port(),
                        server.tokens().create(Principal.Role.OPERATOR, null, "test"));
                AgentClient.Refused none = org.junit.jupiter.api.Assertions.assertThrows(AgentClient.Refused.class,
                        () -> api.post("/v1/inventory/libvirt", java.util.Map.of()));
                assertThat(none.status()).as("no daemons configured").isEqualTo(409);
                server.inventory().libvirtSource(new LibvirtFleet(java.util.List.of("h1=" + d.uri(0), "h2=" + d.uri(1)),
                        LibvirtMap.EMPTY, "z1", 1.0));
                AgentClient.Refused noTenant = org.junit.jupiter.api.Assertions.assertThrows(AgentClient.Refused.class,
                        () -> api.post("/v1/inventory/libvirt", java.util.Map.of()));
                assertThat(noTenant.status()).isEqualTo(400);
                assertThat(noTenant.getMessage()).contains("domain batch-1 has no tenant");
                assertThat(api.get("/v1/inventory").path("version").asLong()).as("unchanged").isZero();
                server.inventory().libvirtSource(new LibvirtFleet(java.util.List.of("h1=" + d.uri(0), "h2=" + d.uri(1)),
                        new LibvirtMapReader().read(map), "z1", 1.0));
                var imported = api.post("/v1/inventory/libvirt", java.util.Map.of());
                assertThat(imported.path("hosts").asInt()).isEqualTo(2);
                assertThat(imported.path("instances").asInt()).isEqualTo(3);
                assertThat(api.get("/v1/audit?action=inventory.import").toString()).contains("2 hosts, 3 instances");
            }

            Cli unreachable = Cli.run("fleet", "from-libvirt", "qemu+tcp://127.0.0.1:1/session");
            assertThat(unreachable.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
            assertThat(unreachable.err()).contains("qemu+tcp://127.0.0.1:1/session:").contains("nothing was written");
        }
    }
}

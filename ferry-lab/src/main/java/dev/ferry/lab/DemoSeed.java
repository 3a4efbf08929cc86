package dev.ferry.lab;

import dev.ferry.core.model.Fleet;
import dev.ferry.formats.FleetCollector;
import dev.ferry.formats.FleetGenerator;
import dev.ferry.server.FerryServer;
import dev.ferry.server.Principal;
import dev.ferry.server.Uploads;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Fills an empty controller with something to watch: a generated XSA-108-like fleet, the advisory
 * with its disclosure five days from now, and one token per tenant for the first tenants.
 */
public final class DemoSeed {
    /** What was created; the tokens are shown once. */
    public record Seeded(String advisory, int hosts, int instances, List<String[]> tenantTokens) {
    }

    public static final String ADVISORY_ID = "XSA-108";

    private DemoSeed() {
    }

    public static Seeded seed(FerryServer server, int hosts, long seed, int tenants, Instant now) {
        Principal boot = new Principal("bootstrap", Principal.Role.OPERATOR, null, "bootstrap");
        Fleet fleet = FleetCollector.generate(FleetGenerator.Options.defaults(hosts, seed));
        server.inventory().importFleet(Uploads.json(fleet).getBytes(StandardCharsets.UTF_8), boot, "demo-seed");
        String advisory = """
                ferry: advisory/v1
                id: %s
                title: Improper MSR range used for x2APIC emulation (demo)
                affects:
                  - { hypervisor: "xen-4.[0-4].*", cpuModel: "*" }
                fixedVersion: xen-4.4.1
                requiresReboot: true
                disclosure: %s
                """.formatted(ADVISORY_ID, now.plus(Duration.ofDays(5)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        server.advisories().register(advisory.getBytes(StandardCharsets.UTF_8), boot, "demo-seed");
        List<String[]> tokens = new ArrayList<>();
        for (int t = 0; t < Math.min(tenants, fleet.tenants().size()); t++) {
            String id = fleet.tenants().get(t).id();
            tokens.add(new String[] {id, server.tokens().create(Principal.Role.TENANT, id, "demo " + id)});
        }
        return new Seeded(ADVISORY_ID, fleet.hosts().size(), fleet.instances().size(), tokens);
    }
}

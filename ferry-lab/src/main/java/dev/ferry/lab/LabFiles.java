package dev.ferry.lab;

import java.time.Instant;
import java.util.List;
import java.util.Locale;

/** The documents a lab run writes into its directory and imports: its fleet, its advisory and its policy. */
final class LabFiles {
    private LabFiles() {
    }

    /**
     * One canary, then the other affected hosts together; a notice of 4 s (0.001 h, rounded up to whole seconds: time for each guest
     * to read its notice before it is stopped), no soak (with {@code --kill-host},
     * a minute's soak: time for the host killed during the canary to be called down and its guests
     * restarted while the campaign runs); live migrations with a 1 ms downtime limit.
     */
    static String policyYaml(Lab.Options o) {
        return "ferry: policy/v1\nmaxHostsInMaintenance: " + o.affected() + "\nmaxHostsPerZone: " + o.affected()
                + "\nzonesAtOnce: 1\ncanaryHosts: 1\nsoakMinutes: " + (o.killHost() ? 1 : 0) + "\nnoticeHours: 0.001\n"
                + "liveMigration: { maxDowntimeMs: 1, bandwidthMiBps: 1024, perHost: 2, timeoutSecondsPerGiB: 60, onTimeout: abort }\n"
                + "haltAfterFailures: 3\ndurations: { patchMinutes: 0, rebootMinutes: 0, restartMinutes: 0 }\n";
    }

    /** Hosts h1..hN in one zone, each with its agent's address; the first {@code affected} run the vulnerable version. VMs round-robin. */
    static String fleetYaml(Lab.Options o, List<String> agentAddresses) {
        StringBuilder b = new StringBuilder("# written by ferry lab\nferry: fleet/v1\nhosts:\n");
        for (int h = 1; h <= o.hosts(); h++) {
            b.append(String.format(Locale.ROOT, "  - { id: h%d, zone: lab, rack: r%d, cpus: 16, memoryMiB: %d, hypervisor: %s,"
                    + " cpuModel: %s, liveMigration: true, agent: \"%s\" }%n", h, (h + 1) / 2, Math.max(4096, o.vms() * o.memoryMiB() * 2),
                    h <= o.affected() ? "xen-4.4.0" : "xen-4.5.0", LabHosts.cpuModel(o, h), agentAddresses.get(h - 1)));
        }
        b.append("instances:\n");
        int onAffected = 0;
        for (int v = 1; v <= o.vms(); v++) {
            int host = (v - 1) % o.hosts() + 1;
            // on the affected hosts, in turn: live migration, restart elsewhere, live migration, reboot in place;
            // every third VM dirties memory
            String ohm = "migrate";
            if (host <= o.affected()) {
                ohm = switch (onAffected++ % 4) {
                    case 1 -> "restart";
                    case 3 -> "reboot-in-place";
                    default -> "migrate";
                };
            }
            b.append(String.format(Locale.ROOT, "  - { id: vm%02d, tenant: t%d, host: h%d, cpus: 1, memoryMiB: %d,"
                    + " onHostMaintenance: %s, dirtyRateMiBps: %d }%n", v, (v - 1) % 3 + 1, host, o.memoryMiB(), ohm, v % 3 == 0 ? 8 : 0));
        }
        b.append("tenants:\n  - { id: t1 }\n  - { id: t2 }\n  - { id: t3 }\n");
        return b.toString();
    }

    static String advisoryYaml(Instant now) {
        return "# written by ferry lab\nferry: advisory/v1\nid: XSA-108\ntitle: Improper MSR range used for x2APIC emulation\n"
                + "affects:\n  - { hypervisor: \"xen-4.4.*\", cpuModel: \"*\" }\nfixedVersion: " + Lab.FIXED + "\nrequiresReboot: true\n"
                + "disclosure: " + now.plus(java.time.Duration.ofDays(1)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + "\n";
    }
}

package dev.ferry.bench.fleet;

import dev.ferry.core.planner.FerryStrategy;
import dev.ferry.core.planner.Plan;
import dev.ferry.core.planner.PlanningProblem;
import dev.ferry.formats.AdvisoryReader;
import dev.ferry.formats.FleetReader;
import dev.ferry.formats.PolicyReader;
import dev.ferry.sim.FaultSpec;
import dev.ferry.sim.Simulation;
import dev.ferry.sim.SimulationResult;
import dev.ferry.sim.TenantModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The benchmark's fleet, advisory and policy, the same for the controller and the agents: hosts
 * {@code h1..hN} with agents on {@code 127.0.0.1:(portBase + i)}, one host in {@code affectedEvery}
 * on the affected version with {@code guests} guests of {@code guestMiB} each (live migration), and
 * one small tenant instance on every tenth unaffected host (what tenants' writes change). The
 * policy lets {@code moves} live migrations run at once.
 */
record FleetInputs(int hosts, int portBase, int affectedEvery, int guests, int guestMiB, int moves, int bandwidthMiBps,
                   int rebootMinutes, int tenants) {
    static final String ADVISORY = "ferry: advisory/v1\nid: XSA-108\ntitle: x2APIC MSR range\naffects:\n"
            + "  - { hypervisor: \"xen-4.4.*\", cpuModel: \"*\" }\nfixedVersion: xen-4.4.1\nrequiresReboot: true\n";

    /** A guest on a host: its id, tenant, memory. */
    record Guest(String id, String tenant, int memoryMiB, boolean affectedHost) {
    }

    boolean affected(int host) {
        return host % affectedEvery == 0;
    }

    int affectedHosts() {
        return hosts / affectedEvery;
    }

    String version(int host) {
        return affected(host) ? "xen-4.4.0" : "xen-4.5.0";
    }

    int port(int host) {
        return portBase + host;
    }

    List<Guest> guestsOn(int host) {
        List<Guest> out = new ArrayList<>();
        if (affected(host)) {
            for (int k = 1; k <= guests; k++) {
                out.add(new Guest("vm" + host + "-" + k, "t" + (1 + (host * guests + k) % tenants), guestMiB, true));
            }
        } else if (host % 10 == 1) {
            out.add(new Guest("small" + host, "t" + (1 + host / 10 % tenants), 512, false));
        }
        return out;
    }

    String fleetYaml() {
        StringBuilder hostsOut = new StringBuilder();
        StringBuilder instances = new StringBuilder();
        for (int h = 1; h <= hosts; h++) {
            hostsOut.append("  - { id: h").append(h).append(", zone: z").append(h % 4).append(", rack: r").append(h % 40)
                    .append(", cpus: 64, memoryMiB: 262144, hypervisor: ").append(version(h))
                    .append(", cpuModel: sim, liveMigration: true, agent: \"127.0.0.1:").append(port(h)).append("\" }\n");
            for (Guest g : guestsOn(h)) {
                instances.append("  - { id: ").append(g.id()).append(", tenant: ").append(g.tenant()).append(", host: h").append(h)
                        .append(", cpus: 2, memoryMiB: ").append(g.memoryMiB()).append(", onHostMaintenance: migrate }\n");
            }
        }
        StringBuilder tenantsOut = new StringBuilder();
        for (int t = 1; t <= tenants; t++) {
            tenantsOut.append("  - { id: t").append(t).append(" }\n");
        }
        return "ferry: fleet/v1\nhosts:\n" + hostsOut + "instances:\n" + instances + "tenants:\n" + tenantsOut;
    }

    /** Hosts at once: enough for {@code moves} live migrations (two per host at once), at most the affected hosts. */
    int hostsAtOnce() {
        return Math.max(1, Math.min(affectedHosts(), moves / guests));
    }

    String policyYaml() {
        int cap = hostsAtOnce();
        return "ferry: policy/v1\nnoticeHours: 0\nsoakMinutes: 0\ncanaryHosts: 0\nhaltOnFailedMoves: off\nmaxHostsInMaintenance: " + cap + "\n"
                + "maxHostsPerZone: " + cap + "\nzonesAtOnce: 4\n"
                + "durations: { patchMinutes: 0, rebootMinutes: " + rebootMinutes + ", restartMinutes: 1 }\n"
                + "liveMigration: { maxDowntimeMs: 300, bandwidthMiBps: " + bandwidthMiBps + ", perHost: " + guests
                + ", timeoutSecondsPerGiB: 600, onTimeout: abort }\n";
    }

    /** The campaign's time as the simulator predicts it for these inputs: durations as modelled, tenants passive, no faults. */
    long simulatedSeconds(Path dir) throws IOException, dev.ferry.formats.InvalidInputException {
        Path fleet = Files.writeString(dir.resolve("fleet.yaml"), fleetYaml());
        Path advisory = Files.writeString(dir.resolve("advisory.yaml"), ADVISORY);
        Path policy = Files.writeString(dir.resolve("policy.yaml"), policyYaml());
        PlanningProblem problem = new PlanningProblem(new FleetReader(FleetReader.DEFAULT_MAX_BYTES).read(fleet),
                new AdvisoryReader().read(advisory), new PolicyReader().read(policy), Instant.now());
        Plan plan = new FerryStrategy().plan(problem);
        SimulationResult r = Simulation.run(problem, plan, new Simulation.Options(1, FaultSpec.NONE, TenantModel.PASSIVE, false, false,
                null, null, true));
        return r.makespanSeconds();
    }
}

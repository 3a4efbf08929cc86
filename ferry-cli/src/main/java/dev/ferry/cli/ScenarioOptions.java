package dev.ferry.cli;

import dev.ferry.sim.ChurnModel;
import dev.ferry.sim.FaultSpec;
import dev.ferry.sim.TenantModel;
import picocli.CommandLine.Option;

/** How simulated campaigns go: seed, faults, tenants and churn (a picocli mixin for {@code simulate} and {@code plan --forecast}). */
final class ScenarioOptions {
    @Option(names = "--seed", defaultValue = "1", paramLabel = "N",
            description = "Random seed: one seed, one campaign (default 1; a forecast's run k uses N + k).")
    long seed;

    @Option(names = "--faults", defaultValue = "none", paramLabel = "SPEC",
            description = "Faults to inject, e.g. migration-fail=0.02,non-converge=0.01,host-lost=0.005,host-unpatched=0.005,"
                    + "agent-crash=0.01,delay=0.05,duplicate=0.02,host-down=0.01,advisory-change=0.01 (host-down: a host dies during the "
                    + "campaign, its guests with it; advisory-change: a host joins or leaves it, as if the advisory were amended or "
                    + "the host fixed outside; default none).")
    String faults;

    @Option(names = "--tenants", defaultValue = "0.10,0.10", paramLabel = "EARLY,RESCHEDULE",
            description = "Shares of tenants that act early and that reschedule (default 0.10,0.10).")
    String tenants;

    @Option(names = "--churn", arity = "0..1", defaultValue = "0", fallbackValue = "0.2", paramLabel = "OPS",
            description = "Tenants keep using their instances during the campaign: OPS lifecycle operations (stop, start, "
                    + "reboot, terminate, launch) per instance per day, at random (--churn alone: 0.2, one every five days; "
                    + "default 0, none).")
    double churn;

    /** The options read; an IllegalArgumentException names what is wrong. */
    record Scenario(long seed, FaultSpec faults, TenantModel tenants, ChurnModel churn) {
    }

    Scenario read() {
        ChurnModel churnModel = new ChurnModel(churn);
        FaultSpec faultSpec = FaultSpec.parse(faults);
        String[] t = tenants.split(",");
        if (t.length != 2) {
            throw new IllegalArgumentException("--tenants needs two shares, like 0.10,0.10");
        }
        TenantModel tenantModel;
        try {
            tenantModel = new TenantModel(Double.parseDouble(t[0]), Double.parseDouble(t[1]));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--tenants needs two shares, like 0.10,0.10: " + tenants);
        }
        return new Scenario(seed, faultSpec, tenantModel, churnModel);
    }
}

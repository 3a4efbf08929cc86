package dev.ferry.core;

import dev.ferry.core.model.Advisory;
import dev.ferry.core.model.AffectRule;
import dev.ferry.core.model.AntiAffinity;
import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.Glob;
import dev.ferry.core.model.Group;
import dev.ferry.core.model.Host;
import dev.ferry.core.model.HostState;
import dev.ferry.core.model.Instance;
import dev.ferry.core.model.LiveMigrationPolicy;
import dev.ferry.core.model.MaintenanceDurations;
import dev.ferry.core.model.OnHostMaintenance;
import dev.ferry.core.model.OnTimeout;
import dev.ferry.core.model.Policy;
import dev.ferry.core.planner.PlanningProblem;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Fleets for tests: a small builder for scenarios and a seeded random problem for properties. */
public final class TestFleets {
    public static final Instant START = Instant.parse("2014-09-26T12:00:00Z");
    /** Matches hosts whose hypervisor is "old". */
    public static final Advisory ADVISORY = new Advisory("XSA-TEST", "test", List.of(new AffectRule(Glob.of("old"), Glob.of("*"))),
            "new", true, null);

    private final List<Host> hosts = new ArrayList<>();
    private final List<Instance> instances = new ArrayList<>();
    private final List<Group> groups = new ArrayList<>();
    private int nextInstance = 1;

    public static TestFleets builder() {
        return new TestFleets();
    }

    /** A 16-cpu, 64 GiB live-capable skylake host in the zone and rack. */
    public TestFleets host(String id, String zone, String rack, boolean affected) {
        return host(id, zone, rack, affected, 16, 65536, "skylake", true, HostState.ACTIVE);
    }

    public TestFleets host(String id, String zone, String rack, boolean affected, int cpus, long memoryMiB, String model,
                           boolean live, HostState state) {
        hosts.add(new Host(id, zone, rack, cpus, memoryMiB, 1.0, affected ? "old" : "new", model, live, state, null));
        return this;
    }

    public TestFleets instance(String host, int cpus, long memoryMiB, OnHostMaintenance ohm, String group) {
        String tenant = group == null ? "t1" : groups.stream().filter(g -> g.id().equals(group)).findFirst().orElseThrow().tenant();
        instances.add(new Instance("i-" + nextInstance++, tenant, host, cpus, memoryMiB, ohm, group, 10));
        return this;
    }

    public TestFleets instance(String host, int cpus, long memoryMiB) {
        return instance(host, cpus, memoryMiB, OnHostMaintenance.MIGRATE, null);
    }

    public TestFleets group(String id, AntiAffinity aa, int maxUnavailable) {
        groups.add(new Group(id, "t1", aa, maxUnavailable));
        return this;
    }

    public Fleet fleet() {
        return new Fleet(hosts, instances, groups, List.of());
    }

    public PlanningProblem problem(Policy policy) {
        return new PlanningProblem(fleet(), ADVISORY, policy, START);
    }

    /** Default policy without notice, canaries or soak: what scenario tests usually want to isolate. */
    public static Policy simplePolicy() {
        return new Policy(20, 5, 1, 0, Duration.ZERO, Duration.ZERO, LiveMigrationPolicy.DEFAULTS, 3,
                MaintenanceDurations.DEFAULTS);
    }

    /** A random but valid problem: up to {@code maxHosts} hosts, every feature of the model exercised. */
    public static PlanningProblem random(long seed, int maxHosts) {
        Random r = new Random(seed);
        int hostCount = 1 + r.nextInt(maxHosts);
        int zones = 1 + r.nextInt(3);
        int racks = 1 + r.nextInt(4);
        double affectedShare = r.nextInt(4) == 0 ? 1.0 : r.nextDouble();
        String[] models = {"skylake", "icelake", "haswell"};
        int modelCount = 1 + r.nextInt(3);
        List<Host> hosts = new ArrayList<>();
        List<Instance> instances = new ArrayList<>();
        List<Group> groups = new ArrayList<>();
        int groupCount = r.nextInt(Math.max(1, hostCount / 3) + 1);
        for (int g = 0; g < groupCount; g++) {
            groups.add(new Group("g" + g, "t" + (g % 3), AntiAffinity.values()[r.nextInt(4)], r.nextInt(3)));
        }
        int next = 0;
        double utilization = 0.2 + 0.8 * r.nextDouble();
        for (int h = 0; h < hostCount; h++) {
            int cpus = new int[] {8, 16, 32}[r.nextInt(3)];
            long mem = new long[] {16384, 32768, 65536}[r.nextInt(3)];
            double ratio = r.nextBoolean() ? 1.0 : 2.0;
            HostState state = r.nextInt(20) == 0 ? HostState.CORDONED : HostState.ACTIVE;
            Host host = new Host("h" + h, "z" + (h % zones), r.nextInt(5) == 0 ? null : "r" + r.nextInt(racks), cpus, mem,
                    ratio, r.nextDouble() < affectedShare ? "old" : "new", models[r.nextInt(modelCount)],
                    r.nextInt(10) != 0, state, null);
            hosts.add(host);
            long cpuLeft = (long) (host.milliCpuCapacity() * utilization);
            long memLeft = (long) (mem * utilization);
            int count = r.nextInt(7);
            for (int k = 0; k < count; k++) {
                int c = 1 << r.nextInt(4);
                long m = 1024L << r.nextInt(5);
                if (c * 1000L > cpuLeft || m > memLeft) {
                    continue;
                }
                cpuLeft -= c * 1000L;
                memLeft -= m;
                OnHostMaintenance ohm = switch (r.nextInt(8)) {
                    case 0 -> OnHostMaintenance.RESTART;
                    case 1 -> OnHostMaintenance.REBOOT_IN_PLACE;
                    default -> OnHostMaintenance.MIGRATE;
                };
                Group group = groups.isEmpty() || r.nextInt(3) != 0 ? null : groups.get(r.nextInt(groups.size()));
                String tenant = group != null ? group.tenant() : "t" + r.nextInt(3);
                double dirty = r.nextInt(10) == 0 ? 2000 : r.nextInt(200);
                instances.add(new Instance("i" + next++, tenant, host.id(), c, m, ohm, group == null ? null : group.id(), dirty));
            }
        }
        Policy policy = new Policy(1 + r.nextInt(6), 1 + r.nextInt(4), 1 + r.nextInt(2), r.nextInt(3),
                Duration.ofMinutes(r.nextInt(15)), Duration.ofHours(r.nextInt(3)),
                new LiveMigrationPolicy(Duration.ofMillis(100 + r.nextInt(400)), 256 + r.nextInt(1024), 1 + r.nextInt(3),
                        Duration.ofSeconds(30 + r.nextInt(200)), OnTimeout.values()[r.nextInt(3)]),
                3, new MaintenanceDurations(Duration.ofMinutes(1 + r.nextInt(10)), Duration.ofMinutes(r.nextInt(6)),
                Duration.ofMinutes(r.nextInt(3))));
        Instant disclosure = r.nextBoolean() ? null : START.plusSeconds(3600L * (1 + r.nextInt(48)));
        Advisory advisory = new Advisory("XSA-RND", "random", ADVISORY.affects(), "new", r.nextInt(10) != 0, disclosure);
        return new PlanningProblem(new Fleet(hosts, instances, groups, List.of()), advisory, policy, START);
    }
}

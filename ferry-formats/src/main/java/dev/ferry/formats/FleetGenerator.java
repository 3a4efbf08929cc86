package dev.ferry.formats;

import dev.ferry.core.model.AntiAffinity;
import dev.ferry.core.model.Group;
import dev.ferry.core.model.Host;
import dev.ferry.core.model.HostState;
import dev.ferry.core.model.Instance;
import dev.ferry.core.model.OnHostMaintenance;
import dev.ferry.core.model.Tenant;
import dev.ferry.core.model.Window;
import java.io.IOException;
import java.time.DayOfWeek;
import java.time.LocalTime;
import java.util.BitSet;
import java.util.EnumSet;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Deterministic synthetic fleets: the same options and seed always give the same fleet, byte for
 * byte. Streams: each host's instances come from a random generator seeded by the host's index,
 * so nothing but a bit per group is kept, whatever the size. Affected hosts run {@code xen-4.4.x}
 * or older (matching the XSA-108 example advisory); the others run {@code xen-4.5} or newer.
 * Thread-safe (immutable).
 */
public final class FleetGenerator {

    /**
     * @param affectedShare  share of hosts running a vulnerable hypervisor
     * @param nonLiveShare   share of instances that ask for restart or reboot-in-place
     * @param groupShare     share of host triples whose first instances form an anti-affinity group
     * @param utilization    average share of a host's capacity in use
     */
    public record Options(int hosts, long seed, int zones, int racksPerZone, int instancesPerHost, double affectedShare,
                          double nonLiveShare, double groupShare, double utilization, int tenants) {
        public Options {
            if (hosts <= 0 || zones <= 0 || racksPerZone < 3 || instancesPerHost < 0 || tenants <= 0) {
                throw new IllegalArgumentException("hosts, zones and tenants must be positive, racksPerZone at least 3");
            }
            if (!(affectedShare >= 0 && affectedShare <= 1) || !(nonLiveShare >= 0 && nonLiveShare <= 1)
                    || !(groupShare >= 0 && groupShare <= 1) || !(utilization > 0 && utilization <= 1)) {
                throw new IllegalArgumentException("shares must be between 0 and 1");
            }
        }

        public static Options defaults(int hosts, long seed) {
            return new Options(hosts, seed, Math.min(4, Math.max(1, hosts / 8)), 8, 20, 0.10, 0.15, 0.30, 0.70,
                    Math.max(1, hosts / 4));
        }
    }

    private record Shape(int cpus, long memoryMiB, double weight) {
    }

    private record Flavour(int cpus, long memoryMiB, double weight) {
    }

    private static final Shape[] SHAPES = {
        new Shape(64, 512 * 1024, 0.5), new Shape(48, 384 * 1024, 0.3), new Shape(96, 768 * 1024, 0.2)};
    private static final String[] MODELS = {"skylake", "icelake", "haswell"};
    private static final double[] MODEL_WEIGHTS = {0.5, 0.3, 0.2};
    private static final String[] VULNERABLE = {"xen-4.4.0", "xen-4.3.2", "xen-4.2.5"};
    private static final String[] SAFE = {"xen-4.5.0", "xen-4.6.1"};
    private static final Flavour[] FLAVOURS = {
        new Flavour(2, 4096, 0.25), new Flavour(4, 8192, 0.30), new Flavour(4, 16384, 0.20),
        new Flavour(8, 32768, 0.15), new Flavour(16, 65536, 0.10)};
    private static final double CPU_RATIO = 2.0;

    private final Options o;

    public FleetGenerator(Options options) {
        this.o = options;
    }

    public void generate(FleetSink sink) throws IOException {
        for (int h = 0; h < o.hosts(); h++) {
            sink.host(host(h));
        }
        BitSet groupsUsed = new BitSet();
        long next = 1;
        for (int h = 0; h < o.hosts(); h++) {
            Host host = host(h);
            SplittableRandom r = random(h, 2);
            long cpuLeft = Math.round(host.cpus() * CPU_RATIO * utilizationOf(h));
            long memLeft = Math.round(host.memoryMiB() * utilizationOf(h));
            int count = o.instancesPerHost() == 0 ? 0
                    : Math.max(1, (int) Math.round(o.instancesPerHost() * (0.75 + 0.5 * r.nextDouble())));
            for (int k = 0; k < count; k++) {
                Flavour f = pick(r, FLAVOURS);
                if (f.cpus() > cpuLeft || f.memoryMiB() > memLeft) {
                    continue;
                }
                cpuLeft -= f.cpus();
                memLeft -= f.memoryMiB();
                int group = k == 0 ? groupOf(h) : -1;
                String tenant = group >= 0 ? tenantOfGroup(group) : tenant(r.nextInt(o.tenants()));
                if (group >= 0) {
                    groupsUsed.set(group);
                }
                OnHostMaintenance ohm = OnHostMaintenance.MIGRATE;
                if (r.nextDouble() < o.nonLiveShare()) {
                    ohm = r.nextDouble() < 0.8 ? OnHostMaintenance.RESTART : OnHostMaintenance.REBOOT_IN_PLACE;
                }
                double u = r.nextDouble();
                double dirty = u < 0.01 ? 600 + r.nextInt(400) : Math.round(5 + 195 * u * u);
                sink.instance(new Instance(String.format("i-%08d", next++), tenant, host.id(), f.cpus(), f.memoryMiB(),
                        ohm, group >= 0 ? groupId(group) : null, dirty));
            }
        }
        for (int g = groupsUsed.nextSetBit(0); g >= 0; g = groupsUsed.nextSetBit(g + 1)) {
            SplittableRandom r = random(g, 3);
            sink.group(new Group(groupId(g), tenantOfGroup(g), r.nextDouble() < 0.7 ? AntiAffinity.HOST : AntiAffinity.RACK, 1));
        }
        for (int t = 0; t < o.tenants(); t++) {
            SplittableRandom r = random(t, 4);
            Set<DayOfWeek> days = r.nextBoolean() ? EnumSet.of(DayOfWeek.SATURDAY, DayOfWeek.SUNDAY)
                    : EnumSet.of(DayOfWeek.of(1 + r.nextInt(5)));
            sink.tenant(new Tenant(tenant(t), new Window(days, LocalTime.of(r.nextInt(24), 0), 2 + r.nextInt(7))));
        }
        sink.end();
    }

    Host host(int h) {
        SplittableRandom r = random(h, 1);
        int zone = zoneOf(h);
        int pos = h - zoneStart(zone);
        Shape shape = pick(r, SHAPES);
        String model = MODELS[pickIndex(r, MODEL_WEIGHTS)];
        boolean affected = r.nextDouble() < o.affectedShare();
        String hv = affected ? VULNERABLE[r.nextInt(VULNERABLE.length)] : SAFE[r.nextInt(SAFE.length)];
        boolean live = r.nextDouble() >= 0.02;
        return new Host(String.format("h-%07d", h + 1), "az" + (zone + 1), String.format("r%02d", pos % o.racksPerZone() + 1),
                shape.cpus(), shape.memoryMiB(), CPU_RATIO, hv, model, live, HostState.ACTIVE, null);
    }

    private double utilizationOf(int h) {
        double u = o.utilization() + (random(h, 5).nextDouble() - 0.5) * 0.3;
        return Math.max(0.05, Math.min(1.0, u));
    }

    private int zoneOf(int h) {
        return (int) ((long) h * o.zones() / o.hosts());
    }

    private int zoneStart(int zone) {
        return (int) (((long) zone * o.hosts() + o.zones() - 1) / o.zones());
    }

    /** Hosts 3g, 3g+1, 3g+2 host group g's members when they share a zone (they sit in three different racks). */
    private int groupOf(int h) {
        int g = h / 3;
        if (3 * g + 2 >= o.hosts() || zoneOf(3 * g) != zoneOf(3 * g + 2)) {
            return -1;
        }
        return random(g, 6).nextDouble() < o.groupShare() ? g : -1;
    }

    private String tenantOfGroup(int g) {
        return tenant(random(g, 7).nextInt(o.tenants()));
    }

    private static String groupId(int g) {
        return String.format("g-%07d", g + 1);
    }

    private static String tenant(int t) {
        return String.format("t-%05d", t + 1);
    }

    private SplittableRandom random(long index, long stream) {
        long s = o.seed() * 0x9E3779B97F4A7C15L + index * 0xBF58476D1CE4E5B9L + stream * 0x94D049BB133111EBL;
        return new SplittableRandom(s);
    }

    private static Shape pick(SplittableRandom r, Shape[] shapes) {
        double[] w = new double[shapes.length];
        for (int i = 0; i < w.length; i++) {
            w[i] = shapes[i].weight();
        }
        return shapes[pickIndex(r, w)];
    }

    private static Flavour pick(SplittableRandom r, Flavour[] flavours) {
        double[] w = new double[flavours.length];
        for (int i = 0; i < w.length; i++) {
            w[i] = flavours[i].weight();
        }
        return flavours[pickIndex(r, w)];
    }

    private static int pickIndex(SplittableRandom r, double[] weights) {
        double u = r.nextDouble();
        for (int i = 0; i < weights.length; i++) {
            u -= weights[i];
            if (u < 0) {
                return i;
            }
        }
        return weights.length - 1;
    }
}

package dev.ferry.formats;

import dev.ferry.core.model.AntiAffinity;
import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.Group;
import dev.ferry.core.model.Host;
import dev.ferry.core.model.HostState;
import dev.ferry.core.model.Instance;
import dev.ferry.core.model.OnHostMaintenance;
import dev.ferry.core.model.Tenant;
import dev.ferry.core.model.Window;
import java.nio.file.Path;
import java.time.DayOfWeek;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads {@code fleet.yaml} (fleet/v1, docs/formats.md; JSON too) strictly: every problem in the file is
 * reported at once, each with line and field, and nothing is returned unless the whole fleet is
 * valid. Items are read one at a time, so memory is the model plus a little. Not thread-safe.
 */
public final class FleetReader {
    /** Default size limit: 1 GiB, enough for about 4 million instances in flow style. */
    public static final long DEFAULT_MAX_BYTES = 1L << 30;
    static final long MAX_MEMORY_MIB = 1L << 40;
    static final long MAX_CPUS = 1_000_000;
    private static final Pattern AGENT = Pattern.compile("[A-Za-z0-9.-]{1,253}:[0-9]{1,5}|\\[[0-9A-Fa-f:]+\\]:[0-9]{1,5}");
    private static final Map<String, DayOfWeek> DAYS = Map.of("mon", DayOfWeek.MONDAY, "tue", DayOfWeek.TUESDAY,
            "wed", DayOfWeek.WEDNESDAY, "thu", DayOfWeek.THURSDAY, "fri", DayOfWeek.FRIDAY, "sat", DayOfWeek.SATURDAY,
            "sun", DayOfWeek.SUNDAY);

    private final long maxBytes;

    public FleetReader() {
        this(DEFAULT_MAX_BYTES);
    }

    public FleetReader(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    public Fleet read(Path path) throws InvalidInputException {
        return read(Source.of(path));
    }

    /** Reads a file or bytes (a request body, a stored document); problems carry the source's name. */
    public Fleet read(Source source) throws InvalidInputException {
        Problems problems = new Problems(source.name());
        Collector c = new Collector(problems);
        new DocumentReader(problems).read(source, maxBytes, c);
        if (!problems.any()) {
            c.checkReferences();
        }
        problems.throwIfAny();
        return new Fleet(c.hosts, c.instances, c.groups, c.tenants);
    }

    private static final class Collector implements DocumentReader.Handler {
        private static final Set<String> SECTIONS = Set.of("hosts", "instances", "groups", "tenants");
        private final Problems problems;
        final List<Host> hosts = new ArrayList<>();
        final List<Instance> instances = new ArrayList<>();
        final List<Group> groups = new ArrayList<>();
        final List<Tenant> tenants = new ArrayList<>();
        private final IntList hostLines = new IntList();
        private final IntList instanceLines = new IntList();
        private final IntList groupLines = new IntList();
        private final IdRegistry hostIds = new IdRegistry("host");
        private final IdRegistry instanceIds = new IdRegistry("instance");
        private final IdRegistry groupIds = new IdRegistry("group");
        private final IdRegistry tenantIds = new IdRegistry("tenant");
        private boolean header;
        private boolean tenantsGiven;

        Collector(Problems problems) {
            this.problems = problems;
        }

        @Override
        public boolean streams(String key) {
            return SECTIONS.contains(key);
        }

        @Override
        public void value(Node.Scalar key, Node value) {
            switch (key.value() == null ? "" : key.value()) {
                case "ferry" -> {
                    header = true;
                    if (!(value instanceof Node.Scalar s) || !"fleet/v1".equals(s.value())) {
                        problems.add(value, "ferry", "expected 'fleet/v1'" + (value instanceof Node.Scalar s && s.value() != null
                                ? ", got '" + Fields.abbreviate(s.value()) + "'" : ""));
                    }
                }
                case "hosts", "instances", "groups", "tenants" -> {
                    if (!(value instanceof Node.Scalar s && s.value() == null)) {
                        problems.add(value, key.value(), "expected a list, got " + value.kind());
                    }
                }
                default -> problems.add(key, key.value() == null ? "" : key.value(),
                        "unknown top-level field (expected ferry, hosts, instances, groups, tenants)");
            }
        }

        @Override
        public void item(Node.Scalar key, int index, Node item) {
            String path = key.value() + "[" + index + "]";
            Fields f = Fields.of(problems, item, path);
            if (f == null) {
                return;
            }
            switch (key.value()) {
                case "hosts" -> host(f);
                case "instances" -> instance(f);
                case "groups" -> group(f);
                case "tenants" -> tenant(f);
                default -> throw new IllegalStateException(key.value());
            }
        }

        private void host(Fields f) {
            String id = f.id("id", true);
            String zone = f.id("zone", true);
            String rack = f.id("rack", false);
            Long cpus = f.integer("cpus", 1, MAX_CPUS, null, true);
            Long mem = f.integer("memoryMiB", 1, MAX_MEMORY_MIB, null, true);
            Double ratio = f.decimal("cpuAllocationRatio", 1.0, 64.0, 1.0, false);
            String hypervisor = f.string("hypervisor", true);
            String cpuModel = f.string("cpuModel", true);
            Boolean live = f.bool("liveMigration", true, false);
            HostState state = f.choice("state", HostState.class, HostState.ACTIVE, false);
            String agent = f.string("agent", false);
            if (agent != null && !AGENT.matcher(agent).matches()) {
                problems.add(f.node("agent"), f.path("agent"), "expected host:port, got '" + Fields.abbreviate(agent) + "'");
                agent = null;
            }
            f.finish();
            if (id == null || hostIds.register(problems, id, f.line(), f.path("id")) < 0) {
                return;
            }
            if (zone == null || cpus == null || mem == null || hypervisor == null || cpuModel == null) {
                return;
            }
            hostLines.add(f.line());
            hosts.add(new Host(id, zone, rack, cpus.intValue(), mem, ratio, hypervisor, cpuModel, live, state, agent));
        }

        private void instance(Fields f) {
            String id = f.id("id", true);
            String tenant = f.id("tenant", true);
            String host = f.id("host", true);
            Long cpus = f.integer("cpus", 1, MAX_CPUS, null, true);
            Long mem = f.integer("memoryMiB", 1, MAX_MEMORY_MIB, null, true);
            OnHostMaintenance ohm = f.choice("onHostMaintenance", OnHostMaintenance.class, OnHostMaintenance.MIGRATE, false);
            String group = f.id("group", false);
            Double dirty = f.decimal("dirtyRateMiBps", 0, 1_000_000, 0.0, false);
            f.finish();
            if (id == null || instanceIds.register(problems, id, f.line(), f.path("id")) < 0) {
                return;
            }
            if (tenant == null || host == null || cpus == null || mem == null) {
                return;
            }
            instanceLines.add(f.line());
            instances.add(new Instance(id, tenant, host, cpus.intValue(), mem, ohm, group, dirty));
        }

        private void group(Fields f) {
            String id = f.id("id", true);
            String tenant = f.id("tenant", true);
            AntiAffinity aa = f.choice("antiAffinity", AntiAffinity.class, AntiAffinity.NONE, false);
            Long max = f.integer("maxUnavailable", 0, 1_000_000, 1L, false);
            f.finish();
            if (id == null || groupIds.register(problems, id, f.line(), f.path("id")) < 0 || tenant == null) {
                return;
            }
            groupLines.add(f.line());
            groups.add(new Group(id, tenant, aa, max.intValue()));
        }

        private void tenant(Fields f) {
            tenantsGiven = true;
            String id = f.id("id", true);
            Node w = f.node("window");
            Window window = null;
            if (w != null && !(w instanceof Node.Scalar s && s.value() == null)) {
                window = window(Fields.of(problems, w, f.path("window")));
            }
            f.finish();
            if (id != null && tenantIds.register(problems, id, f.line(), f.path("id")) >= 0) {
                tenants.add(new Tenant(id, window));
            }
        }

        private Window window(Fields f) {
            if (f == null) {
                return null;
            }
            Node daysNode = f.node("days");
            Set<DayOfWeek> days = EnumSet.noneOf(DayOfWeek.class);
            if (daysNode == null) {
                problems.add(f.mapping(), f.path("days"), "required field is missing");
            } else if (daysNode instanceof Node.Sequence seq) {
                for (Node d : seq.items()) {
                    DayOfWeek day = d instanceof Node.Scalar s && s.value() != null ? DAYS.get(s.value()) : null;
                    if (day == null) {
                        problems.add(d, f.path("days"), "expected a day: mon, tue, wed, thu, fri, sat or sun");
                    } else if (!days.add(day)) {
                        problems.add(d, f.path("days"), "day '" + ((Node.Scalar) d).value() + "' is listed twice");
                    }
                }
                if (seq.items().isEmpty()) {
                    problems.add(daysNode, f.path("days"), "a window needs at least one day");
                }
            } else {
                problems.add(daysNode, f.path("days"), "expected a list of days, got " + daysNode.kind());
            }
            String start = f.string("start", true);
            LocalTime time = null;
            if (start != null) {
                if (start.matches("([01][0-9]|2[0-3]):[0-5][0-9]")) {
                    time = LocalTime.parse(start);
                } else {
                    problems.add(f.node("start"), f.path("start"), "expected a time of day HH:MM (00:00 to 23:59), got '"
                            + Fields.abbreviate(start) + "'");
                }
            }
            Long hours = f.integer("hours", 1, 168, null, true);
            f.finish();
            if (days.isEmpty() || time == null || hours == null) {
                return null;
            }
            return new Window(days, time, hours.intValue());
        }

        void checkReferences() {
            if (!header) {
                problems.add(1, 0, "ferry", "missing header 'ferry: fleet/v1'");
            }
            Map<String, Integer> hostIndex = new HashMap<>(hosts.size() * 2);
            for (int h = 0; h < hosts.size(); h++) {
                hostIndex.put(hosts.get(h).id(), h);
            }
            Map<String, Group> groupById = new HashMap<>();
            for (Group g : groups) {
                groupById.put(g.id(), g);
                if (tenantsGiven && !tenantIds.contains(g.tenant())) {
                    problems.add(groupIds.lineOf(g.id()), 0, "groups." + g.id() + ".tenant",
                            "unknown tenant '" + g.tenant() + "'");
                }
            }
            long[] cpu = new long[hosts.size()];
            long[] mem = new long[hosts.size()];
            for (int i = 0; i < instances.size(); i++) {
                Instance inst = instances.get(i);
                int line = instanceLines.get(i);
                String at = "instances." + inst.id();
                Integer h = hostIndex.get(inst.host());
                if (h == null) {
                    problems.add(line, 0, at + ".host", "unknown host '" + inst.host() + "'");
                } else {
                    Host host = hosts.get(h);
                    if (inst.milliCpus() > host.milliCpuCapacity() || inst.memoryMiB() > host.memoryMiB()) {
                        problems.add(line, 0, at, "needs " + inst.cpus() + " cpus / " + inst.memoryMiB()
                                + " MiB, larger than its host " + host.id() + " (" + host.milliCpuCapacity() / 1000.0
                                + " cpus / " + host.memoryMiB() + " MiB)");
                    }
                    cpu[h] += inst.milliCpus();
                    mem[h] += inst.memoryMiB();
                }
                if (inst.group() != null) {
                    Group g = groupById.get(inst.group());
                    if (g == null) {
                        problems.add(line, 0, at + ".group", "unknown group '" + inst.group() + "'");
                    } else if (!g.tenant().equals(inst.tenant())) {
                        problems.add(line, 0, at + ".group", "group '" + g.id() + "' belongs to tenant '" + g.tenant()
                                + "', not to '" + inst.tenant() + "'");
                    }
                }
                if (tenantsGiven && !tenantIds.contains(inst.tenant())) {
                    problems.add(line, 0, at + ".tenant", "unknown tenant '" + inst.tenant() + "' (not in tenants)");
                }
            }
            for (int h = 0; h < hosts.size(); h++) {
                Host host = hosts.get(h);
                if (cpu[h] > host.milliCpuCapacity() || mem[h] > host.memoryMiB()) {
                    problems.add(hostLines.get(h), 0, "hosts." + host.id(), "over capacity: its instances need "
                            + cpu[h] / 1000.0 + " cpus / " + mem[h] + " MiB, it has " + host.milliCpuCapacity() / 1000.0
                            + " cpus / " + host.memoryMiB() + " MiB");
                }
            }
        }
    }
}

package dev.ferry.server;

import dev.ferry.agent.libvirt.LibvirtReader;
import dev.ferry.core.model.AntiAffinity;
import dev.ferry.core.model.Group;
import dev.ferry.core.model.Host;
import dev.ferry.core.model.HostState;
import dev.ferry.core.model.Instance;
import dev.ferry.core.model.OnHostMaintenance;
import dev.ferry.core.model.Tenant;
import dev.ferry.core.model.WireName;
import dev.ferry.formats.FleetReader;
import dev.ferry.formats.FleetSink;
import dev.ferry.formats.FleetWriter;
import dev.ferry.formats.InvalidInputException;
import dev.ferry.formats.LibvirtMap;
import dev.ferry.formats.Source;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The fleet that libvirt daemons run (docs/libvirt.md), for {@code ferry fleet from-libvirt} and
 * as the server's inventory source: per daemon a host, per running domain an instance, tenants
 * and groups from the domains' Ferry metadata or the map; written as fleet/v1 and checked by the
 * fleet reader, or every problem at once.
 *
 * @param targets            {@code [ID=]URI} per daemon
 * @param cpuAllocationRatio vCPUs per host CPU where the map sets none (1.0: no overcommit; fleet/v1's 1.0 … 64)
 */
public record LibvirtFleet(List<String> targets, LibvirtMap map, String zone, double cpuAllocationRatio) {
    /** The fleet as text (null when there are problems), its size, and every problem. */
    public record Read(String text, int hosts, int instances, List<String> problems) {
    }

    /** Reads every daemon ({@code progress} is told of each URI as it is read). */
    public Read read(boolean json, Consumer<String> progress) {
        List<String> problems = new ArrayList<>();
        List<Host> hosts = new ArrayList<>();
        List<Instance> instances = new ArrayList<>();
        for (String t : targets) {
            int eq = t.indexOf('=');
            String id = eq > 0 && !t.substring(0, eq).contains(":") ? t.substring(0, eq) : null;
            String uri = id == null ? t : t.substring(eq + 1);
            if (uri.isBlank()) {
                problems.add(t + ": no URI after the host id"); // an empty URI would open libvirt's default connection
                continue;
            }
            progress.accept(uri);
            try {
                collect(LibvirtReader.read(uri), id, hosts, instances, problems);
            } catch (IOException e) {
                problems.add(e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            return new Read(null, hosts.size(), instances.size(), problems);
        }
        String text = write(hosts, instances, json);
        try {
            new FleetReader().read(Source.of(text.getBytes(StandardCharsets.UTF_8), "the fleet read from libvirt"));
        } catch (InvalidInputException e) {
            e.problems().forEach(p -> problems.add(p.toString()));
            return new Read(null, hosts.size(), instances.size(), problems);
        }
        return new Read(text, hosts.size(), instances.size(), List.of());
    }

    private void collect(LibvirtReader.Daemon d, String id, List<Host> hosts, List<Instance> instances, List<String> problems) {
        LibvirtMap.HostEntry m = map.hosts().getOrDefault(d.uri(), new LibvirtMap.HostEntry(null, null, null, null, null));
        String hostId = id != null ? id : m.id() != null ? m.id() : d.hostname();
        hosts.add(new Host(hostId, m.zone() != null ? m.zone() : zone, m.rack(), Math.max(1, d.cpus()), Math.max(1, d.memoryMiB()),
                m.cpuAllocationRatio() != null ? m.cpuAllocationRatio() : cpuAllocationRatio, d.hypervisor(), d.cpuModel(), true,
                HostState.ACTIVE, m.agent()));
        for (LibvirtReader.DomainView v : d.domains()) {
            LibvirtMap.InstanceEntry e = map.instances().getOrDefault(v.name(), new LibvirtMap.InstanceEntry(null, null, null));
            String tenant = e.tenant() != null ? e.tenant() : v.tenant();
            OnHostMaintenance ohm = e.onHostMaintenance() != null ? e.onHostMaintenance() : v.onHostMaintenance() == null
                    ? OnHostMaintenance.MIGRATE : WireName.parse(OnHostMaintenance.class, v.onHostMaintenance());
            if (tenant == null) {
                problems.add(d.uri() + ": domain " + v.name() + " has no tenant (Ferry's metadata in the domain, or the map)");
                continue;
            }
            if (ohm == null) {
                problems.add(d.uri() + ": domain " + v.name() + ": onHostMaintenance '" + v.onHostMaintenance()
                        + "' is not one of " + WireName.choices(OnHostMaintenance.class));
                continue;
            }
            instances.add(new Instance(v.name(), tenant, hostId, Math.max(1, v.vcpus()), v.memoryMiB(), ohm,
                    e.group() != null ? e.group() : v.group(), 0));
        }
    }

    /** Hosts, instances, their groups (no anti-affinity, one unavailable at a time) and tenants. */
    private static String write(List<Host> hosts, List<Instance> instances, boolean json) {
        StringWriter w = new StringWriter();
        try {
            FleetSink sink = json ? FleetWriter.json(w) : FleetWriter.yaml(w);
            for (Host h : hosts) {
                sink.host(h);
            }
            Map<String, String> groups = new LinkedHashMap<>();
            Set<String> tenants = new LinkedHashSet<>();
            for (Instance i : instances) {
                sink.instance(i);
                tenants.add(i.tenant());
                if (i.group() != null) {
                    groups.putIfAbsent(i.group(), i.tenant());
                }
            }
            for (Map.Entry<String, String> g : groups.entrySet()) {
                sink.group(new Group(g.getKey(), g.getValue(), AntiAffinity.NONE, 1));
            }
            for (String t : tenants) {
                sink.tenant(new Tenant(t, null));
            }
            sink.end();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return w.toString();
    }
}

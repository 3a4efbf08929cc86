package dev.ferry.cli;

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
import dev.ferry.formats.InvalidInputException;
import dev.ferry.formats.LibvirtMap;
import dev.ferry.formats.LibvirtMapReader;
import dev.ferry.formats.Source;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ferry fleet from-libvirt}: the fleet as libvirt daemons know it, written as fleet/v1 after the fleet reader's checks. */
@Command(name = "from-libvirt", mixinStandardHelpOptions = true,
        header = "Write the fleet that libvirt daemons run.",
        description = {"Connects read-only to each libvirt daemon and writes its host (the",
                "daemon's host name, or ID= before the URI; CPUs, memory and CPU model",
                "from the capabilities; hypervisor and version as qemu-7.2.22) and its",
                "running domains (vCPUs, memory; tenant, group and onHostMaintenance from",
                "the domain's Ferry metadata or --map) as fleet/v1, checked by the same",
                "reader as every fleet. Nothing is written unless every domain has a",
                "tenant and the fleet is valid (docs/libvirt.md)."})
final class FleetFromLibvirt implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "[ID=]URI", description = "libvirt URIs, e.g. qemu+tcp://10.0.0.5/system or h1=qemu:///system.")
    List<String> targets;

    @Option(names = "--map", paramLabel = "FILE", description = "A libvirt-map/v1 file: hosts' ids, zones, racks and agents; domains' tenants.")
    Path mapFile;

    @Option(names = "--zone", defaultValue = "default", paramLabel = "ZONE", description = "The zone of hosts the map does not place (default default).")
    String zone;

    @Mixin
    FleetOutput out;

    @Override
    public Integer call() throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        if (out.formatProblem() != null) {
            err.println("error: " + out.formatProblem());
            return ExitCodes.INVALID_INPUT;
        }
        LibvirtMap map = LibvirtMap.EMPTY;
        if (mapFile != null) {
            try {
                map = new LibvirtMapReader().read(mapFile);
            } catch (InvalidInputException e) {
                Inputs.report(List.of(e), err);
                return ExitCodes.INVALID_INPUT;
            }
        }
        List<String> problems = new ArrayList<>();
        List<Host> hosts = new ArrayList<>();
        List<Instance> instances = new ArrayList<>();
        for (String t : targets) {
            int eq = t.indexOf('=');
            String id = eq > 0 && !t.substring(0, eq).contains(":") ? t.substring(0, eq) : null;
            String uri = id == null ? t : t.substring(eq + 1);
            err.println("reading " + uri);
            err.flush();
            try {
                LibvirtReader.Daemon d = LibvirtReader.read(uri);
                collect(d, id, map, hosts, instances, problems);
            } catch (IOException e) {
                problems.add(e.getMessage());
            }
        }
        String text = problems.isEmpty() ? write(hosts, instances) : null;
        if (text != null) {
            try {
                new FleetReader().read(Source.of(text.getBytes(StandardCharsets.UTF_8), "the fleet read from libvirt"));
            } catch (InvalidInputException e) {
                e.problems().forEach(p -> problems.add(p.toString()));
            }
        }
        if (!problems.isEmpty()) {
            problems.forEach(p -> err.println("error: " + p));
            err.println(problems.size() + (problems.size() == 1 ? " problem" : " problems") + "; nothing was written.");
            err.flush();
            return ExitCodes.INVALID_INPUT;
        }
        if (out.output == null) {
            spec.commandLine().getOut().print(text);
            spec.commandLine().getOut().flush();
        } else {
            out.atomically(w -> w.write(text));
            err.println("wrote " + out.output + " (" + hosts.size() + " hosts, " + instances.size() + " instances)");
        }
        err.flush();
        return ExitCodes.DONE;
    }

    private void collect(LibvirtReader.Daemon d, String id, LibvirtMap map, List<Host> hosts, List<Instance> instances,
                         List<String> problems) {
        LibvirtMap.HostEntry m = map.hosts().getOrDefault(d.uri(), new LibvirtMap.HostEntry(null, null, null, null));
        String hostId = id != null ? id : m.id() != null ? m.id() : d.hostname();
        hosts.add(new Host(hostId, m.zone() != null ? m.zone() : zone, m.rack(), Math.max(1, d.cpus()), Math.max(1, d.memoryMiB()), 1.0,
                d.hypervisor(), d.cpuModel(), true, HostState.ACTIVE, m.agent()));
        for (LibvirtReader.DomainView v : d.domains()) {
            LibvirtMap.InstanceEntry e = map.instances().getOrDefault(v.name(), new LibvirtMap.InstanceEntry(null, null, null));
            String tenant = e.tenant() != null ? e.tenant() : v.tenant();
            OnHostMaintenance ohm = e.onHostMaintenance() != null ? e.onHostMaintenance() : v.onHostMaintenance() == null
                    ? OnHostMaintenance.MIGRATE : WireName.parse(OnHostMaintenance.class, v.onHostMaintenance());
            if (tenant == null) {
                problems.add(d.uri() + ": domain " + v.name() + " has no tenant (Ferry's metadata in the domain, or --map)");
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

    /** The fleet as text: hosts, instances, their groups (no anti-affinity, one unavailable at a time) and tenants. */
    private String write(List<Host> hosts, List<Instance> instances) throws IOException {
        StringWriter w = new StringWriter();
        FleetSink sink = out.sink(w);
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
        return w.toString();
    }
}

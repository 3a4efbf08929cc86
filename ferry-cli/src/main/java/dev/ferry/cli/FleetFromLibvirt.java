package dev.ferry.cli;

import dev.ferry.formats.InvalidInputException;
import dev.ferry.formats.LibvirtMap;
import dev.ferry.formats.LibvirtMapReader;
import dev.ferry.server.LibvirtFleet;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
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

    @Option(names = "--cpu-allocation-ratio", defaultValue = "1.0", paramLabel = "X",
            description = "vCPUs per host CPU where the map sets none, 1 to 64 (default 1.0: no overcommit; a host whose"
                    + " domains have more vCPUs than that is refused).")
    double cpuRatio;

    @Mixin
    FleetOutput out;

    @Override
    public Integer call() throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        if (out.formatProblem() != null || !(cpuRatio >= 1 && cpuRatio <= 64)) {
            err.println("error: " + (out.formatProblem() != null ? out.formatProblem() : "--cpu-allocation-ratio must be 1 to 64"));
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
        LibvirtFleet.Read read = new LibvirtFleet(targets, map, zone, cpuRatio).read(out.format.equals("json"), uri -> {
            err.println("reading " + uri);
            err.flush();
        });
        List<String> problems = read.problems();
        String text = read.text();
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
            err.println("wrote " + out.output + " (" + read.hosts() + " hosts, " + read.instances() + " instances)");
        }
        err.flush();
        return ExitCodes.DONE;
    }
}

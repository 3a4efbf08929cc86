package dev.ferry.cli;

import dev.ferry.core.model.Group;
import dev.ferry.core.model.Host;
import dev.ferry.core.model.Instance;
import dev.ferry.core.model.Tenant;
import dev.ferry.formats.FleetGenerator;
import dev.ferry.formats.FleetSink;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "fleet", description = "Work with inventories.", mixinStandardHelpOptions = true,
        subcommands = {FleetCommand.Generate.class, FleetFromLibvirt.class})
final class FleetCommand {

    @Command(name = "generate", mixinStandardHelpOptions = true,
            header = "Write a deterministic synthetic fleet.",
            description = {"Write a deterministic synthetic fleet (fleet/v1): same options and",
                    "seed, same bytes. Streams: 100,000 hosts fit in 128 MiB of heap.",
                    "Affected hosts run xen-4.4.x or older (the XSA-108 advisory matches)."})
    static final class Generate implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--hosts", required = true, paramLabel = "N", description = "Number of hosts.")
        int hosts;

        @Option(names = "--seed", defaultValue = "1", paramLabel = "S", description = "Random seed (default 1).")
        long seed;

        @Option(names = "--zones", paramLabel = "N", description = "Zones (default min(4, hosts/8), at least 1).")
        Integer zones;

        @Option(names = "--racks-per-zone", defaultValue = "8", paramLabel = "N", description = "Racks per zone, at least 3 (default 8).")
        int racks;

        @Option(names = "--instances-per-host", defaultValue = "20", paramLabel = "N",
                description = "Average instances per host, bounded by --utilization (default 20).")
        int instancesPerHost;

        @Option(names = "--affected-share", defaultValue = "0.10", paramLabel = "X",
                description = "Share of hosts with a vulnerable hypervisor, 0..1 (default 0.10).")
        double affectedShare;

        @Option(names = "--non-live-share", defaultValue = "0.15", paramLabel = "X",
                description = "Share of instances that ask for restart or reboot-in-place (default 0.15).")
        double nonLiveShare;

        @Option(names = "--group-share", defaultValue = "0.30", paramLabel = "X",
                description = "Share of host triples carrying an anti-affinity group (default 0.30).")
        double groupShare;

        @Option(names = "--utilization", defaultValue = "0.70", paramLabel = "X",
                description = "Average share of host capacity in use, 0..1 (default 0.70).")
        double utilization;

        @Option(names = "--tenants", paramLabel = "N", description = "Tenants (default hosts/4, at least 1).")
        Integer tenants;

        @Mixin
        FleetOutput out;

        @Override
        public Integer call() throws IOException {
            PrintWriter err = spec.commandLine().getErr();
            FleetGenerator.Options defaults = null;
            FleetGenerator.Options options;
            try {
                defaults = FleetGenerator.Options.defaults(Math.max(1, hosts), seed);
                options = new FleetGenerator.Options(hosts, seed, zones != null ? zones : defaults.zones(), racks,
                        instancesPerHost, affectedShare, nonLiveShare, groupShare, utilization,
                        tenants != null ? tenants : defaults.tenants());
            } catch (IllegalArgumentException e) {
                err.println("error: " + e.getMessage());
                return ExitCodes.INVALID_INPUT;
            }
            if (out.formatProblem() != null) {
                err.println("error: " + out.formatProblem());
                return ExitCodes.INVALID_INPUT;
            }
            if (out.output == null) {
                Writer w = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), 1 << 16);
                generate(options, w, null);
                w.flush();
                return ExitCodes.DONE;
            }
            out.atomically(w -> generate(options, w, hosts >= 10_000 ? err : null));
            err.println("wrote " + out.output + " (" + Files.size(out.output) / (1 << 20) + " MiB, " + hosts + " hosts)");
            err.flush();
            return ExitCodes.DONE;
        }

        private void generate(FleetGenerator.Options options, Writer w, PrintWriter progress) throws IOException {
            FleetSink sink = out.sink(w);
            new FleetGenerator(options).generate(progress == null ? sink : new Progress(sink, options.hosts(), progress));
        }
    }

    /** Reports progress on standard error while a large fleet is written. */
    private static final class Progress implements FleetSink {
        private final FleetSink inner;
        private final int hosts;
        private final PrintWriter err;
        private int hostsDone;
        private long instances;
        private String lastInstanceHost = "";
        private int instanceHostsDone;

        Progress(FleetSink inner, int hosts, PrintWriter err) {
            this.inner = inner;
            this.hosts = hosts;
            this.err = err;
        }

        @Override
        public void host(Host host) throws IOException {
            inner.host(host);
            hostsDone++;
        }

        @Override
        public void instance(Instance instance) throws IOException {
            inner.instance(instance);
            instances++;
            if (!instance.host().equals(lastInstanceHost)) {
                lastInstanceHost = instance.host();
                if (++instanceHostsDone % Math.max(1, hosts / 10) == 0) {
                    err.printf("  instances: %d%% of hosts (%d instances)%n", 100L * instanceHostsDone / hosts, instances);
                    err.flush();
                }
            }
        }

        @Override
        public void group(Group group) throws IOException {
            inner.group(group);
        }

        @Override
        public void tenant(Tenant tenant) throws IOException {
            inner.tenant(tenant);
        }

        @Override
        public void end() throws IOException {
            inner.end();
        }
    }
}

package dev.ferry.bench;

import dev.ferry.core.model.Advisory;
import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.Policy;
import dev.ferry.core.planner.FerryStrategy;
import dev.ferry.core.planner.NaiveStrategy;
import dev.ferry.core.planner.Plan;
import dev.ferry.core.planner.PlanStrategy;
import dev.ferry.core.planner.PlanningProblem;
import dev.ferry.formats.AdvisoryReader;
import dev.ferry.formats.FleetCollector;
import dev.ferry.formats.FleetGenerator;
import dev.ferry.formats.FleetReader;
import dev.ferry.formats.FleetWriter;
import java.io.IOException;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Planner benchmark: wall time and peak heap at 10k, 100k and 1M hosts, and plan quality (makespan
 * against the lower bound, disruptions per affected instance) for Ferry and the naive baseline,
 * side by side. Each case runs in its own JVM (-Xmx8g) so heap numbers do not mix.
 *
 * <p>Usage: {@code ./bench/planner [hosts ...]}; default 10000 100000 1000000, plus the
 * every-host-affected fleets of 10000 hosts.
 */
public final class PlannerBenchmark {
    private static final Instant START = Instant.parse("2014-09-26T12:00:00Z");

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--case")) {
            runCase(Integer.parseInt(args[1]), Double.parseDouble(args[2]), args[3].equals("parse"), Path.of(args[4]));
            return;
        }
        List<String[]> cases = new ArrayList<>();
        if (args.length == 0) {
            cases.add(new String[] {"10000", "0.1", "parse"});
            cases.add(new String[] {"100000", "0.1", "parse"});
            cases.add(new String[] {"1000000", "0.1", "memory"});
            cases.add(new String[] {"10000", "1.0", "memory"});
        } else {
            for (String a : args) {
                cases.add(new String[] {a, "0.1", Integer.parseInt(a) <= 100_000 ? "parse" : "memory"});
            }
        }
        Path advisory = Files.createTempFile("ferry-bench-advisory", ".yaml");
        Files.writeString(advisory, """
                ferry: advisory/v1
                id: XSA-108
                affects: [ { hypervisor: "xen-4.[0-4].*" } ]
                fixedVersion: xen-4.4.1
                disclosure: 2014-10-01T12:00:00Z
                """);
        System.out.println(machine());
        System.out.println();
        System.out.println("| hosts | instances | affected | input | parse s | ferry plan s | peak heap MiB | ferry makespan ÷ bound "
                + "| naive makespan ÷ bound | ferry disruptions/inst. | naive disruptions/inst. | ferry bootstrap | naive plan s |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        for (String[] c : cases) {
            Forks.run(PlannerBenchmark.class, List.of("--case", c[0], c[1], c[2], advisory.toString()), true, System.out);
        }
        Files.deleteIfExists(advisory);
    }

    private static void runCase(int hosts, double affectedShare, boolean parse, Path advisoryFile) throws Exception {
        FleetGenerator.Options d = FleetGenerator.Options.defaults(hosts, 1);
        FleetGenerator.Options o = new FleetGenerator.Options(hosts, 1, d.zones(), d.racksPerZone(), 24, affectedShare,
                d.nonLiveShare(), d.groupShare(), 0.8, d.tenants());
        Advisory advisory = new AdvisoryReader().read(advisoryFile);
        double parseSeconds = -1;
        Fleet fleet;
        if (parse) {
            Path file = Files.createTempFile("ferry-bench-fleet", ".yaml");
            try {
                try (Writer w = Files.newBufferedWriter(file)) {
                    new FleetGenerator(o).generate(FleetWriter.yaml(w));
                }
                long t0 = System.nanoTime();
                fleet = new FleetReader().read(file);
                parseSeconds = (System.nanoTime() - t0) / 1e9;
            } finally {
                Files.deleteIfExists(file);
            }
        } else {
            fleet = FleetCollector.generate(o);
        }
        PlanningProblem problem = new PlanningProblem(fleet, advisory, Policy.DEFAULTS, START);
        System.gc();
        resetPeaks();
        long t0 = System.nanoTime();
        Plan ferry = new FerryStrategy().plan(problem);
        double ferrySeconds = (System.nanoTime() - t0) / 1e9;
        long peak = peakHeapMiB();
        Plan naive = plan(new NaiveStrategy(), problem);
        long t1 = System.nanoTime();
        new NaiveStrategy().plan(problem);
        double naiveSeconds = (System.nanoTime() - t1) / 1e9;
        System.out.printf(Locale.ROOT, "| %,d | %,d | %,d (%s) | %s | %s | %.2f | %,d | %.3f | %.3f | %.3f | %.3f | %,d | %.2f |%n",
                hosts, fleet.instances().size(), ferry.affectedHosts().size(), affectedShare == 1.0 ? "all" : "10%",
                parse ? "YAML file" : "in memory", parseSeconds < 0 ? "-" : String.format(Locale.ROOT, "%.1f", parseSeconds),
                ferrySeconds, peak, ratio(ferry), ratio(naive), ferry.summary().disruptionsPerAffectedInstance(),
                naive.summary().disruptionsPerAffectedInstance(), ferry.summary().bootstrapMoves(), naiveSeconds);
    }

    private static Plan plan(PlanStrategy s, PlanningProblem p) {
        return s.plan(p);
    }

    private static double ratio(Plan p) {
        return p.summary().lowerBoundSeconds() == 0 ? 0 : (double) p.summary().makespanSeconds() / p.summary().lowerBoundSeconds();
    }

    static void resetPeaks() {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                pool.resetPeakUsage();
            }
        }
    }

    /** Sum of the heap pools' peaks since the reset: an upper bound of live data plus uncollected garbage. */
    static long peakHeapMiB() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                sum += pool.getPeakUsage().getUsed();
            }
        }
        return sum >> 20;
    }

    private static String machine() throws IOException {
        String cpu = "unknown cpu";
        Path info = Path.of("/proc/cpuinfo");
        if (Files.exists(info)) {
            cpu = Files.readAllLines(info).stream().filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse(cpu);
        }
        return String.format(Locale.ROOT, "Machine: %d cores (%s), JDK %s, case JVMs -Xmx8g -XX:+UseParallelGC",
                Runtime.getRuntime().availableProcessors(), cpu, System.getProperty("java.version"));
    }
}

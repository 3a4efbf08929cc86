package dev.ferry.bench.cloudsim;

import dev.ferry.bench.Forks;
import dev.ferry.bench.LaneScenario;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Ferry's simulator and CloudSim Plus on the same lane scenario, side by side: wall time, peak heap
 * and simulated makespan (which must agree with each other and with the closed form). Each run is
 * its own JVM with -Xmx8g.
 *
 * <p>Usage: {@code ./bench/cloudsim [H ...]}; default 1000 and 10000 for both, and 1,000,000 for Ferry.
 */
public final class CloudSimComparison {
    public static void main(String[] args) throws Exception {
        List<String[]> runs = new ArrayList<>();
        if (args.length == 0) {
            for (String h : new String[] {"1000", "10000"}) {
                runs.add(new String[] {LaneScenario.class.getName(), h});
                runs.add(new String[] {CloudSimLanes.class.getName(), h});
            }
            runs.add(new String[] {LaneScenario.class.getName(), "1000000", "nocheck"});
        } else {
            for (String h : args) {
                runs.add(new String[] {LaneScenario.class.getName(), h});
                runs.add(new String[] {CloudSimLanes.class.getName(), h});
            }
        }
        System.out.printf(Locale.ROOT, "Machine: %d cores, JDK %s, each run in its own JVM (-Xmx8g). Closed form: %.0f s.%n%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), LaneScenario.closedFormSeconds());
        System.out.println("| simulator | H (loaded hosts) | wall s | peak heap MiB | simulated makespan s | Ferry plan's prediction s | result |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (String[] run : runs) {
            Forks.run(Class.forName(run[0]), List.of(run).subList(1, run.length), false, System.out);
        }
    }
}

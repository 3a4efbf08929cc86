package dev.ferry.bench.cloudsim;

import dev.ferry.bench.LaneScenario;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
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
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (String[] run : runs) {
            List<String> cmd = new ArrayList<>(List.of(java, "-Xmx8g", "-XX:+UseParallelGC", "-cp",
                    System.getProperty("java.class.path")));
            cmd.addAll(List.of(run));
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("| ")) {
                        System.out.println(line);
                    }
                }
            }
            if (p.waitFor() != 0) {
                System.out.println("| " + run[0] + " | " + run[1] + " | failed with exit code " + p.exitValue() + " |");
            }
        }
    }
}

package dev.ferry.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs one benchmark case in a JVM of its own (-Xmx8g, parallel GC), so heap numbers of cases do not mix. */
public final class Forks {
    private Forks() {
    }

    /**
     * Runs {@code main} of {@code mainClass} with {@code args} in a new JVM on this class path and
     * copies its table rows ("| ...") to {@code out}; a failed case gets a row saying so.
     */
    public static void run(Class<?> mainClass, List<String> args, boolean stderrToo, PrintStream out)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx8g", "-XX:+UseParallelGC", "-cp", System.getProperty("java.class.path"), mainClass.getName()));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd)
                .redirectError(stderrToo ? ProcessBuilder.Redirect.INHERIT : ProcessBuilder.Redirect.DISCARD).start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("| ")) {
                    out.println(line);
                }
            }
        }
        if (p.waitFor() != 0) {
            out.println("| " + mainClass.getSimpleName() + " " + String.join(" ", args) + " | failed with exit code "
                    + p.exitValue() + " |");
        }
    }
}

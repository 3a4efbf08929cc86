package dev.ferry.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The controller in its own JVM ({@link CrashServerMain}), for the tests that kill it. */
public final class ControllerProcess {
    private final Process process;
    private int port;
    private long startupMillis;

    private ControllerProcess(Process process) {
        this.process = process;
    }

    /** Starts it on the data directory, with {@link CrashServerMain}'s options, without waiting. */
    public static ControllerProcess spawn(Path data, String... options) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), CrashServerMain.class.getName(), data.toString()));
        cmd.addAll(List.of(options));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.redirectErrorStream(true);
        return new ControllerProcess(pb.start());
    }

    /** Spawns and reads its output until it says it serves; the rest of its output is drained (and kept, for failures). */
    public static ControllerProcess start(Path data, String... options) throws IOException {
        ControllerProcess c = spawn(data, options);
        BufferedReader out = new BufferedReader(new InputStreamReader(c.process.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        for (String line; (line = out.readLine()) != null; ) {
            if (line.startsWith("READY ")) {
                String[] f = line.split(" ");
                c.port = Integer.parseInt(f[1]);
                c.startupMillis = Long.parseLong(f[2]);
                Thread drain = new Thread(() -> {
                    try {
                        for (String l; (l = out.readLine()) != null; ) {
                            synchronized (c.output) {
                                c.output.append(l).append('\n');
                            }
                        }
                    } catch (IOException ignored) {
                        // the process was killed
                    }
                });
                drain.setDaemon(true);
                drain.start();
                return c;
            }
            seen.append(line).append('\n');
        }
        throw new AssertionError("the server did not start:\n" + seen);
    }

    private final StringBuilder output = new StringBuilder();

    public int port() {
        return port;
    }

    public long startupMillis() {
        return startupMillis;
    }

    public String output() {
        synchronized (output) {
            return output.toString();
        }
    }

    public Process process() {
        return process;
    }

    /** SIGSTOP (true) or SIGCONT (false): the process stalls, or goes on. */
    public void stall(boolean stop) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("kill", stop ? "-STOP" : "-CONT", Long.toString(process.pid())).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IOException("kill " + (stop ? "-STOP" : "-CONT") + " " + process.pid() + " failed");
        }
    }

    public void kill() throws InterruptedException {
        process.destroyForcibly(); // SIGKILL on Linux
        process.waitFor();
    }
}

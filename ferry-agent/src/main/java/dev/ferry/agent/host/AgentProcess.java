package dev.ferry.agent.host;

import java.nio.file.Path;
import java.time.Duration;

/**
 * A host agent in a process of its own, for labs and tests that kill it ({@code kill -9}, its QEMU
 * processes with it) the way a host dies. Arguments: host id, data directory, initial version, QEMU
 * binary, reboot milliseconds, controller URL and agent token ({@code -} and {@code -}: it reports
 * to none), report period in milliseconds, and optionally the address to listen on (default
 * 127.0.0.1: an agent in a network namespace of its own listens on its address there). It listens
 * on a free port and prints {@code listening <port>} once it serves; it runs until it is killed.
 * Operators run {@code ferry agent} instead.
 */
public final class AgentProcess {
    private AgentProcess() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 8 && args.length != 9) {
            System.err.println("usage: AgentProcess HOST DATA VERSION QEMU REBOOT_MS CONTROLLER|- TOKEN|- REPORT_MS [ADDRESS]");
            System.exit(2);
        }
        boolean reports = !args[5].equals("-");
        Agent a = Agent.start(new Agent.Config(args[0], args.length == 9 ? args[8] : "127.0.0.1", 0, Path.of(args[1]), args[2],
                args[3], Duration.ofMillis(Long.parseLong(args[4])), reports ? args[5] : null, reports ? args[6] : null,
                Duration.ofMillis(Long.parseLong(args[7]))));
        System.out.println("listening " + a.port());
        System.out.flush();
        Thread.currentThread().join(); // until killed
    }
}

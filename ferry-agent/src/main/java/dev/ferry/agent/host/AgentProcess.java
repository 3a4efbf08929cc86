package dev.ferry.agent.host;

import java.nio.file.Path;
import java.time.Duration;

/**
 * A host agent in a process of its own, for labs and tests that kill it ({@code kill -9}, its QEMU
 * processes with it) the way a host dies. Arguments: host id, data directory, initial version, QEMU
 * binary, reboot milliseconds, controller URL, agent token, report period in milliseconds. It
 * listens on a free loopback port and prints {@code listening <port>} once it serves; it runs until
 * it is killed. Operators run {@code ferry agent} instead.
 */
public final class AgentProcess {
    private AgentProcess() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 8) {
            System.err.println("usage: AgentProcess HOST DATA VERSION QEMU REBOOT_MS CONTROLLER TOKEN REPORT_MS");
            System.exit(2);
        }
        Agent a = Agent.start(new Agent.Config(args[0], "127.0.0.1", 0, Path.of(args[1]), args[2], args[3],
                Duration.ofMillis(Long.parseLong(args[4])), args[5], args[6], Duration.ofMillis(Long.parseLong(args[7]))));
        System.out.println("listening " + a.port());
        System.out.flush();
        Thread.currentThread().join(); // until killed
    }
}

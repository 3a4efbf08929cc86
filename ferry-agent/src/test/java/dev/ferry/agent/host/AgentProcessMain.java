package dev.ferry.agent.host;

import java.nio.file.Path;
import java.time.Duration;

/** An agent in its own JVM, for tests that kill it with SIGKILL: args host, data dir, qemu; prints its port. */
public final class AgentProcessMain {
    private AgentProcessMain() {
    }

    public static void main(String[] args) throws Exception {
        Agent a = Agent.start(new Agent.Config(args[0], "127.0.0.1", 0, Path.of(args[1]), "xen-4.4.1", args[2], Duration.ofMillis(300)));
        System.out.println("port=" + a.port());
        System.out.flush();
        Thread.currentThread().join(); // until killed
    }
}

package dev.ferry.agent.host;

import dev.ferry.agent.libvirt.LibvirtHypervisor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * An agent in its own JVM, for tests that kill it with SIGKILL: args host, data dir, qemu, and for a
 * libvirt agent the daemon's URI and the guest directory; prints its port.
 */
public final class AgentProcessMain {
    private AgentProcessMain() {
    }

    public static void main(String[] args) throws Exception {
        Hypervisor h = args.length > 3 ? new LibvirtHypervisor(args[3], null, Path.of(args[4]), List.of()) : new QemuHypervisor(args[2]);
        Agent a = Agent.start(new Agent.Config(args[0], "127.0.0.1", 0, Path.of(args[1]), "xen-4.4.1", h, Duration.ofMillis(300)));
        System.out.println("port=" + a.port());
        System.out.flush();
        Thread.currentThread().join(); // until killed
    }
}

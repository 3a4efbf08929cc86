package dev.ferry.bench.fleet;

import dev.ferry.server.FerryServer;
import dev.ferry.server.Principal;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The controller under test, in a JVM of its own (so it can be killed, and its CPU and heap are its
 * own): {@code ferry server} on PostgreSQL with the defaults, plain HTTP to the agents. Args: data
 * dir, JDBC URL, port (0: any), hosts, tenants, secrets file. On a first start it writes the
 * secrets (an operator token, an agent token per host, a tenant token per tenant) to the file.
 * Prints {@code READY port}, then {@code STAT cpuMs heapUsedMiB heapAfterGcMiB} every second.
 */
public final class ControllerMain {
    private ControllerMain() {
    }

    public static void main(String[] args) throws Exception {
        Path data = Path.of(args[0]);
        int hosts = Integer.parseInt(args[3]);
        int tenants = Integer.parseInt(args[4]);
        Path secrets = Path.of(args[5]);
        FerryServer s = FerryServer.start(FerryServer.Config.defaults(data).withPort(Integer.parseInt(args[2]))
                .withDatabase(args[1], null, null).withPlainAgents(true).withLoopbackWebhooks(true));
        if (!Files.exists(secrets)) {
            List<String> lines = new ArrayList<>();
            lines.add("operator " + s.tokens().create(Principal.Role.OPERATOR, null, "bench"));
            for (int h = 1; h <= hosts; h++) {
                lines.add("agent h" + h + " " + s.tokens().create(Principal.Role.AGENT, "h" + h, "agent h" + h));
            }
            for (int t = 1; t <= tenants; t++) {
                lines.add("tenant t" + t + " " + s.tokens().create(Principal.Role.TENANT, "t" + t, "tenant t" + t));
            }
            Path tmp = secrets.resolveSibling(secrets.getFileName() + ".tmp");
            Files.write(tmp, lines);
            Files.move(tmp, secrets);
        }
        System.out.println("READY " + s.port());
        System.out.flush();
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        var memory = ManagementFactory.getMemoryMXBean();
        while (true) {
            long afterGc = 0;
            for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
                if (p.getType() == MemoryType.HEAP && p.getCollectionUsage() != null) {
                    afterGc += p.getCollectionUsage().getUsed();
                }
            }
            System.out.println("STAT " + os.getProcessCpuTime() / 1_000_000 + " " + (memory.getHeapMemoryUsage().getUsed() >> 20) + " "
                    + (afterGc >> 20));
            System.out.flush();
            Thread.sleep(1000); // the sampling period
        }
    }
}

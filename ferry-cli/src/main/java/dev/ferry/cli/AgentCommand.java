package dev.ferry.cli;

import dev.ferry.agent.host.Agent;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "agent", mixinStandardHelpOptions = true,
        header = "Run the host agent on a hypervisor host.",
        description = {"The host agent: one per hypervisor host. Runs instances as QEMU processes",
                "(qemu-system-x86_64, software emulation) with the heartbeat guest, over QMP;",
                "prepares incoming live migrations and migrates out over TCP; refuses a start",
                "whose placement epoch is not newer than any it has seen; \"patches and reboots\"",
                "by restarting with a new hypervisor version (refused while instances run,",
                "unless forced). Its state lives under --data; stopped or crashed, it leaves its",
                "guests running and re-adopts them when it starts again. HTTP API on --port.",
                "With --controller and --token-file it reports its version and instances to",
                "ferry server every --report-seconds (docs/agent.md)."})
final class AgentCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--host-id", required = true, paramLabel = "ID", description = "The host this agent runs (as in the inventory).")
    String hostId;

    @Option(names = "--listen", defaultValue = "127.0.0.1", paramLabel = "ADDRESS", description = "Address to listen on (default 127.0.0.1).")
    String listen;

    @Option(names = "--port", defaultValue = "0", description = "Port (default 0: a free one, printed).")
    int port;

    @Option(names = "--data", paramLabel = "DIR", description = "Data directory (default ./ferry-agent-<host-id>).")
    Path data;

    @Option(names = "--hypervisor-version", paramLabel = "VERSION", defaultValue = "xen-4.4.1",
            description = "Hypervisor version on first start (default xen-4.4.1); later starts keep the stored one.")
    String version;

    @Option(names = "--qemu", defaultValue = "qemu-system-x86_64", paramLabel = "PATH", description = "QEMU binary (default qemu-system-x86_64).")
    String qemu;

    @Option(names = "--reboot-seconds", defaultValue = "2", paramLabel = "S", description = "How long a simulated reboot keeps the host away (default 2).")
    double rebootSeconds;

    @Option(names = "--controller", paramLabel = "URL",
            description = "Report this host's version and instances to the controller at URL (needs --token-file).")
    String controller;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "File holding this host's agent token (POST /v1/tokens {\"role\":\"agent\",\"host\":...}); never on the command line.")
    Path tokenFile;

    @Option(names = "--report-seconds", defaultValue = "5", paramLabel = "S", description = "Heartbeat period (default 5).")
    double reportSeconds;

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!hostId.matches("[A-Za-z0-9._-]{1,200}") || rebootSeconds < 0) {
            err.println("error: --host-id takes letters, digits, '.', '_' and '-'; --reboot-seconds must be ≥ 0");
            return ExitCodes.INVALID_INPUT;
        }
        if ((controller == null) != (tokenFile == null) || reportSeconds <= 0) {
            err.println("error: --controller and --token-file go together; --report-seconds must be positive");
            return ExitCodes.INVALID_INPUT;
        }
        String token = null;
        if (tokenFile != null) {
            try {
                token = java.nio.file.Files.readString(tokenFile).trim();
            } catch (IOException e) {
                err.println("error: cannot read the token file " + tokenFile + ": " + e.getMessage());
                return ExitCodes.INVALID_INPUT;
            }
        }
        Path dir = data != null ? data : Path.of("ferry-agent-" + hostId);
        Agent agent;
        try {
            agent = Agent.start(new Agent.Config(hostId, listen, port, dir, version, qemu, Duration.ofMillis((long) (rebootSeconds * 1000)),
                    controller, token, Duration.ofMillis((long) (reportSeconds * 1000))));
        } catch (RuntimeException | IOException e) {
            err.println("error: the agent could not start: " + e.getMessage());
            return ExitCodes.INTERNAL;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            agent.close(); // the guests run on; a new agent re-adopts them
            stopped.countDown();
        }, "ferry-agent-shutdown"));
        out.printf(Locale.ROOT, "Ferry agent for %s on http://%s:%d (version %s, data %s, %d instances adopted). Stop with Ctrl-C;"
                + " running guests are left running.%n", hostId, listen, agent.port(), agent.version(), dir, agent.instanceCount());
        out.flush();
        stopped.await();
        return ExitCodes.DONE;
    }
}

package dev.ferry.cli;

import dev.ferry.agent.host.Agent;
import dev.ferry.agent.host.Hypervisor;
import dev.ferry.agent.host.QemuHypervisor;
import dev.ferry.agent.libvirt.LibvirtHypervisor;
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
        description = {"The host agent: one per hypervisor host. Runs instances as QEMU processes of",
                "its own (--hypervisor qemu, the default: qemu-system-x86_64 over QMP) or as",
                "domains of a libvirt daemon (--hypervisor libvirt --libvirt-uri URI: live",
                "migration is libvirt's, peer to peer between daemons; the placement epoch is",
                "kept in each domain's metadata). Prepares incoming live migrations and migrates",
                "out; refuses a start whose placement epoch is not newer than any it has seen;",
                "\"patches and reboots\" by restarting with a new hypervisor version (refused",
                "while instances run, unless forced). Its state lives under --data; stopped or",
                "crashed, it leaves its guests running and re-adopts them when it starts again.",
                "HTTP API on --port. With --controller and --token-file it reports its version",
                "and instances to ferry server every --report-seconds (docs/agent.md).",
                "Mutual TLS with the fleet CA (--tls DIR: ca.crt, <host-id>.crt, <host-id>.key,",
                "made by 'ferry ca'): commands only from a controller's certificate, reports with",
                "this host's. Plain HTTP only with --insecure (a local lab)."})
final class AgentCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "A properties file of defaults, one key per long option"
            + " without its dashes (port = 8080); options given here win (docs/install.md).")
    java.nio.file.Path config;

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

    @Option(names = "--hypervisor", defaultValue = "qemu", paramLabel = "BACKEND",
            description = "What runs the guests: qemu (QEMU processes of the agent's own; default), libvirt, or simulated"
                    + " (no QEMU: guests are state in the agent, operations take the simulator's modelled time).")
    String hypervisor;

    @Option(names = "--libvirt-uri", paramLabel = "URI",
            description = "The libvirt daemon of this host (qemu:///system, qemu:///session, qemu+tls://host/system, ...).")
    String libvirtUri;

    @Option(names = "--libvirt-peer-uri", paramLabel = "URI",
            description = "How other hosts' daemons reach this one for peer-to-peer migration (default: --libvirt-uri).")
    String libvirtPeerUri;

    @Option(names = "--libvirt-guest-dir", paramLabel = "DIR",
            description = "Where the guests' disk images and serial sockets go; the user QEMU runs as must own it (default <data>/guests).")
    Path libvirtGuestDir;

    @Option(names = "--claim-domain", paramLabel = "NAME",
            description = "A running domain that Ferry did not create, handed to the agent (repeatable); others are left alone.")
    java.util.List<String> claim = new java.util.ArrayList<>();

    @Option(names = "--reboot-seconds", defaultValue = "2", paramLabel = "S", description = "How long a simulated reboot keeps the host away (default 2).")
    double rebootSeconds;

    @Option(names = "--start-seconds", defaultValue = "0", paramLabel = "S",
            description = "With --hypervisor simulated: how long a guest takes to boot (a launch or a restart; default 0).")
    double startSeconds;

    @Option(names = "--stop-seconds", defaultValue = "0", paramLabel = "S",
            description = "With --hypervisor simulated: how long a guest takes to shut down (default 0).")
    double stopSeconds;

    @Option(names = "--controller", paramLabel = "URL",
            description = "Report this host's version and instances to the controller at URL (needs --token-file).")
    String controller;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "File holding this host's agent token (POST /v1/tokens {\"role\":\"agent\",\"host\":...}); never on the command line.")
    Path tokenFile;

    @Option(names = "--tls", paramLabel = "DIR",
            description = "Mutual TLS: DIR holds ca.crt, <host-id>.crt and <host-id>.key (ferry ca issue --host).")
    Path tls;

    @Option(names = "--insecure", description = "Plain HTTP: anyone who reaches the port can command the agent (local labs only).")
    boolean insecure;

    @Option(names = "--report-seconds", defaultValue = "5", paramLabel = "S", description = "Heartbeat period (default 5).")
    double reportSeconds;

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!hostId.matches("[A-Za-z0-9._-]{1,200}") || rebootSeconds < 0 || startSeconds < 0 || stopSeconds < 0) {
            err.println("error: --host-id takes letters, digits, '.', '_' and '-'; --reboot-seconds, --start-seconds and"
                    + " --stop-seconds must be ≥ 0");
            return ExitCodes.INVALID_INPUT;
        }
        if ((tls == null) == !insecure) {
            err.println("error: give --tls DIR (mutual TLS with the fleet CA; see 'ferry ca') or, for a local lab, --insecure");
            return ExitCodes.INVALID_INPUT;
        }
        if (controller != null && tokenFile == null && tls == null || tokenFile != null && controller == null || reportSeconds <= 0) {
            err.println("error: --controller needs --token-file (or --tls: the certificate stands for the token); --report-seconds"
                    + " must be positive");
            return ExitCodes.INVALID_INPUT;
        }
        dev.ferry.agent.tls.FleetTls fleetTls = null;
        if (tls != null) {
            try {
                fleetTls = dev.ferry.agent.tls.FleetTls.load(tls, hostId);
            } catch (IOException e) {
                err.println("error: " + e.getMessage());
                return ExitCodes.INVALID_INPUT;
            }
            if (fleetTls.self().role() != dev.ferry.agent.tls.FleetCa.Role.AGENT || !fleetTls.self().name().equals(hostId)) {
                err.println("error: " + tls.resolve(hostId + ".crt") + " names " + fleetTls.self() + ", not the agent of " + hostId);
                return ExitCodes.INVALID_INPUT;
            }
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
        boolean libvirt = hypervisor.equals(LibvirtHypervisor.NAME);
        boolean simulated = hypervisor.equals(dev.ferry.agent.sim.SimulatedHypervisor.NAME);
        if (!libvirt && !simulated && !hypervisor.equals(QemuHypervisor.NAME) || libvirt != (libvirtUri != null)
                || !libvirt && (libvirtPeerUri != null || libvirtGuestDir != null || !claim.isEmpty())
                || !simulated && (startSeconds > 0 || stopSeconds > 0)) {
            err.println("error: --hypervisor is qemu, libvirt or simulated; libvirt needs --libvirt-uri, the --libvirt-* and"
                    + " --claim-domain options go with libvirt only, --start-seconds and --stop-seconds with simulated only");
            return ExitCodes.INVALID_INPUT;
        }
        Path dir = data != null ? data : Path.of("ferry-agent-" + hostId);
        Agent agent;
        Hypervisor backend = null;
        try {
            backend = libvirt ? new LibvirtHypervisor(libvirtUri, libvirtPeerUri, libvirtGuestDir != null ? libvirtGuestDir
                    : dir.resolve("guests"), claim) : simulated ? new dev.ferry.agent.sim.SimulatedHypervisor(
                    Duration.ofMillis((long) (startSeconds * 1000)), Duration.ofMillis((long) (stopSeconds * 1000))) : new QemuHypervisor(qemu);
            agent = Agent.start(new Agent.Config(hostId, listen, port, dir, version, backend, Duration.ofMillis((long) (rebootSeconds * 1000)),
                    controller, token, Duration.ofMillis((long) (reportSeconds * 1000))).withTls(fleetTls));
        } catch (RuntimeException | IOException e) {
            if (backend != null) {
                backend.close();
            }
            err.println("error: the agent could not start: " + e.getMessage());
            return ExitCodes.INTERNAL;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Hypervisor chosen = backend;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            agent.close(); // the guests run on; a new agent re-adopts them
            chosen.close();
            stopped.countDown();
        }, "ferry-agent-shutdown"));
        out.printf(Locale.ROOT, "Ferry agent for %s on " + (tls != null ? "https" : "http") + "://%s:%d (%s, version %s, data %s,"
                + " %d instances adopted). Stop with Ctrl-C; %s.%n", hostId, listen, agent.port(), libvirt ? "libvirt at " + libvirtUri
                : simulated ? "simulated guests" : "QEMU", agent.version(), dir, agent.instanceCount(),
                simulated ? "simulated guests end with the agent" : "running guests are left running");
        out.flush();
        stopped.await();
        return ExitCodes.DONE;
    }
}

package dev.ferry.cli;

import dev.ferry.agent.host.QemuBinary;
import dev.ferry.lab.Lab;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "lab", mixinStandardHelpOptions = true,
        header = "Run a whole campaign on real QEMU hypervisors (direct or through libvirt) on this machine.",
        description = {"A whole campaign on real hypervisors on this machine: a Ferry controller,",
                "one host agent per host, a QEMU heartbeat VM per instance (software",
                "emulation; needs qemu-system-x86_64; with --hypervisor libvirt, domains of",
                "a libvirt daemon per host), an XSA-108-like advisory on",
                "--affected hosts. Over the controller's API it imports the fleet,",
                "registers the advisory, proposes the campaign on the agents, approves",
                "it and follows it in real time; then it checks the stored history with",
                "the invariant checker and each guest's serial output: live-migrated VMs",
                "kept counting, relocated or rebooted ones started again. It prints each",
                "VM's downtime (QEMU's figure and the gap on the serial port), compares",
                "the campaign time with the simulator's prediction and with the",
                "proposal's forecast (timed with the model earlier lab runs learnt,",
                "--model), counts the notices the guests echoed on their consoles before",
                "their moves, and stops every process it started. Exit 0 when every check",
                "passed, 1 otherwise (docs/agent.md, docs/forecast.md)."})
final class LabCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--hosts", defaultValue = "4", description = "Hosts (default 4).")
    int hosts;

    @Option(names = "--vms", defaultValue = "12", description = "Heartbeat VMs (default 12).")
    int vms;

    @Option(names = "--affected", defaultValue = "2", description = "Hosts on the vulnerable version (default 2).")
    int affected;

    @Option(names = "--memory", defaultValue = "64", paramLabel = "MiB", description = "Memory per VM (default 64 MiB).")
    int memory;

    @Option(names = "--dir", defaultValue = "ferry-lab", paramLabel = "DIR",
            description = {"Where the fleet, the advisory and the policy go (default ./ferry-lab);",
                    "its controller/ and agents/ are replaced at every run."})
    Path dir;

    @Option(names = "--churn", description = "Tenants use their VMs during the campaign: a reboot, a stop and a start, "
            + "a launch and a terminate through the tenant API; prints a churn line.")
    boolean churn;

    @Option(names = "--kill-host", description = "The last host dies mid-campaign: its agent and QEMU processes are killed "
            + "(SIGKILL); the controller calls it down after 6 s of silence, the campaign fences it and restarts its VMs elsewhere.")
    boolean killHost;

    @Option(names = "--hypervisor", defaultValue = "qemu", paramLabel = "BACKEND",
            description = {"What the agents run their guests on: qemu (QEMU processes of their own; default), libvirt",
                    "(a libvirt daemon per host, session mode, started and torn down by the lab; Debian packages",
                    "libvirt-daemon, libvirt-daemon-driver-qemu, libvirt-clients; as root, a user ferry-libvirt to run",
                    "them as) or mixed (libvirt hosts and a last host on QEMU: one campaign across both)."})
    String hypervisor;

    @Option(names = "--model", paramLabel = "FILE",
            description = {"The learned model the lab's forecast is timed with, read before the campaign (when it exists)",
                    "and written after it with this campaign added (default DIR/model.json: each run learns from the",
                    "ones before; delete it to start over). The same document as GET /v1/model's \"model\"."})
    Path model;

    @Option(names = "--forecast", defaultValue = "200", paramLabel = "N",
            description = {"Simulations in the proposal's forecast, done before the approval (default 200; 0: none);",
                    "the report says whether the campaign's time fell in its band, P10 to P99."})
    int forecast;

    @Option(names = "--qemu", paramLabel = "PATH",
            description = "QEMU binary (default: $FERRY_QEMU, else qemu-system-x86_64 on the PATH).")
    String qemu;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String binary = qemu != null ? qemu : QemuBinary.find().orElse(null);
        Lab.Options o;
        try {
            o = new Lab.Options(hosts, vms, affected, memory, dir, binary, churn, killHost, hypervisor,
                    model != null ? model : dir.resolve("model.json"), forecast);
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            return ExitCodes.INVALID_INPUT;
        }
        String noLibvirt = hypervisor.equals("qemu") ? null : dev.ferry.agent.libvirt.LibvirtDaemons.unavailable();
        if (noLibvirt != null) {
            err.println("error: --hypervisor " + hypervisor + " needs libvirt's daemons here, but " + noLibvirt);
            return ExitCodes.INVALID_INPUT;
        }
        if (binary == null || !Files.isExecutable(Path.of(binary))) {
            err.println("error: the lab needs " + QemuBinary.WHAT + (qemu != null ? ": " + qemu + " is not an executable" : "")
                    + "; install it (apt-get install qemu-system-x86) or name it with --qemu");
            return ExitCodes.INVALID_INPUT;
        }
        Lab.Result r = Lab.run(o, out, java.time.InstantSource.system()); // prints the report (and keeps it under --dir)
        return r.ok() ? ExitCodes.DONE : ExitCodes.INTERNAL;
    }
}

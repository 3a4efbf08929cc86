package dev.ferry.cli;

import dev.ferry.agent.tls.FleetCa;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "ca", mixinStandardHelpOptions = true,
        header = "The fleet CA: certificates for controllers and host agents (mutual TLS).",
        description = {"Controllers and host agents speak mutual TLS with certificates of one fleet CA:",
                "an agent obeys only a controller's certificate, and a controller takes an agent's",
                "word only for the host its certificate names. 'ferry ca init' makes the CA;",
                "'ferry ca issue' makes a certificate and key for one controller or one host,",
                "naming the addresses it is reached at (docs/operations.md, with the openssl",
                "commands that do the same)."},
        subcommands = {CaCommand.Init.class, CaCommand.Issue.class})
final class CaCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.INVALID_INPUT;
    }

    @Command(name = "init", mixinStandardHelpOptions = true, header = "Make the fleet CA (ca.crt, ca.key) in a directory.")
    static final class Init implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--ca-dir", required = true, paramLabel = "DIR", description = "Where the CA goes (ca.key is written mode 0600).")
        Path dir;

        @Option(names = "--name", defaultValue = "Ferry fleet CA", paramLabel = "NAME", description = "The CA's common name.")
        String name;

        @Option(names = "--days", defaultValue = "3650", paramLabel = "N", description = "Validity in days (default 3650).")
        int days;

        @Override
        public Integer call() {
            PrintWriter err = spec.commandLine().getErr();
            if (days < 1) {
                err.println("error: --days must be positive");
                return ExitCodes.INVALID_INPUT;
            }
            try {
                var cert = FleetCa.init(dir, name, Duration.ofDays(days));
                spec.commandLine().getOut().printf("Fleet CA in %s: ca.crt (give it to every controller and agent), ca.key"
                        + " (keep it offline); valid until %s%n", dir, cert.getNotAfter().toInstant());
                return ExitCodes.DONE;
            } catch (IOException e) {
                err.println("error: " + e.getMessage());
                return ExitCodes.INVALID_INPUT;
            }
        }
    }

    @Command(name = "issue", mixinStandardHelpOptions = true,
            header = "Issue a certificate for one controller (--controller NAME) or one host's agent (--host ID).")
    static final class Issue implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--ca-dir", required = true, paramLabel = "DIR", description = "The CA made by 'ferry ca init'.")
        Path caDir;

        @Option(names = "--host", paramLabel = "ID", description = "A host agent's certificate, for this host id (as in the inventory).")
        String host;

        @Option(names = "--controller", paramLabel = "NAME", description = "A controller's certificate (its --node name, or 'controller').")
        String controller;

        @Option(names = "--san", paramLabel = "NAME|ADDRESS", split = ",",
                description = "DNS names and IP addresses it is reached at (repeatable; default 127.0.0.1 and localhost).")
        List<String> names = new ArrayList<>();

        @Option(names = "--out", paramLabel = "DIR", description = "Where <name>.crt, <name>.key and a copy of ca.crt go (default: --ca-dir).")
        Path out;

        @Option(names = "--days", defaultValue = "365", paramLabel = "N", description = "Validity in days (default 365).")
        int days;

        @Override
        public Integer call() {
            PrintWriter err = spec.commandLine().getErr();
            if ((host == null) == (controller == null) || days < 1) {
                err.println("error: give one of --host ID or --controller NAME; --days must be positive");
                return ExitCodes.INVALID_INPUT;
            }
            String name = host != null ? host : controller;
            Path to = out != null ? out : caDir;
            List<String> sans = names.isEmpty() ? List.of("127.0.0.1", "localhost") : names;
            try {
                var cert = FleetCa.issue(caDir, host != null ? FleetCa.Role.AGENT : FleetCa.Role.CONTROLLER, name, sans,
                        Duration.ofDays(days), to);
                spec.commandLine().getOut().printf("%s: %s, %s (mode 0600) in %s, for %s; valid until %s%n",
                        host != null ? "Agent of host " + host : "Controller " + controller, name + ".crt", name + ".key", to,
                        String.join(", ", sans), cert.getNotAfter().toInstant());
                return ExitCodes.DONE;
            } catch (IOException | IllegalArgumentException e) {
                err.println("error: " + e.getMessage());
                return ExitCodes.INVALID_INPUT;
            }
        }
    }
}

package dev.ferry.cli.client;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ferry hosts} and {@code ferry inventory}: the controller's hosts, cordons, and the inventory they come from. */
public final class HostsCommand {
    private HostsCommand() {
    }

    @Command(name = "hosts", header = "Hosts on a controller: list, cordon, uncordon.",
            description = "The controller's hosts, with their maintenance phase and agent health (an operator's token).",
            mixinStandardHelpOptions = true, synopsisSubcommandLabel = "COMMAND")
    public static final class Hosts {
        @Command(name = "list", header = "The hosts: zone, hypervisor, state, phase, agent health.", mixinStandardHelpOptions = true)
        int list(@Mixin ClientOptions c, @Mixin PageOptions page,
                 @Option(names = "--zone", paramLabel = "ZONE", description = "Only this zone's hosts.") String zone) {
            return c.run((api, out) -> {
                Map<String, Object> q = new LinkedHashMap<>();
                q.put("zone", zone);
                out.print(page.fetch(api, "/v1/hosts", q), Tables.rows("HOST=id", "ZONE=zone", "RACK=rack", "HYPERVISOR=hypervisor",
                        "STATE=state", "INSTANCES=instances", "PHASE=phase", "HEALTH=health", "LAST REPORT=lastReport"));
                return 0;
            });
        }

        @Command(name = "cordon", header = "Cordon a host: nothing new is placed on it (a new inventory version; audited).",
                mixinStandardHelpOptions = true)
        int cordon(@Mixin ClientOptions c, @Parameters(paramLabel = "HOST") String host,
                   @Option(names = "--reason", paramLabel = "TEXT", description = "Why (kept in the audit log).") String reason) {
            return cordon(c, host, "cordon", reason);
        }

        @Command(name = "uncordon", header = "Uncordon a host: it takes instances again.", mixinStandardHelpOptions = true)
        int uncordon(@Mixin ClientOptions c, @Parameters(paramLabel = "HOST") String host,
                     @Option(names = "--reason", paramLabel = "TEXT", description = "Why (kept in the audit log).") String reason) {
            return cordon(c, host, "uncordon", reason);
        }

        private static int cordon(ClientOptions c, String host, String action, String reason) {
            return c.run((api, out) -> {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("reason", reason);
                out.print(api.post("/v1/hosts/" + ServerApi.segment(host) + "/" + action, body),
                        (o, a) -> o.println(host + ": " + action + "ed (inventory version " + a.path("version").asText() + ")"));
                return 0;
            });
        }
    }

    @Command(name = "inventory", header = "The controller's inventory: show, import a fleet/v1 file.",
            description = "The inventory the controller plans on (an operator's token).", mixinStandardHelpOptions = true,
            synopsisSubcommandLabel = "COMMAND")
    public static final class Inventory {
        private static final Tables.Table VIEW = Tables.fields("version=version", "hosts=hosts", "instances=instances", "zones=zones");

        @Command(name = "show", header = "The inventory's version and size.", mixinStandardHelpOptions = true)
        int show(@Mixin ClientOptions c) {
            return c.show("/v1/inventory", VIEW);
        }

        @Command(name = "import", header = "Import or replace the inventory from a fleet/v1 file (YAML or JSON).",
                description = "Supersedes the campaigns still only proposed; the server checks the file strictly.",
                mixinStandardHelpOptions = true)
        int importFleet(@Mixin ClientOptions c, @Parameters(paramLabel = "FILE") Path file) {
            return c.run((api, out) -> {
                out.print(api.sendDocument("PUT", "/v1/inventory", file), VIEW);
                return 0;
            });
        }
    }
}

package dev.ferry.cli.client;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ferry events} and {@code ferry instances}: a tenant's maintenance events and instances, with a tenant's token. */
public final class TenantCommands {
    private TenantCommands() {
    }

    @Command(name = "events", header = "A tenant's maintenance events: list, show, reschedule, now.",
            description = "The maintenance events of the token's tenant: when each instance will be moved or rebooted, and"
                    + " what the tenant can do about it.", mixinStandardHelpOptions = true, synopsisSubcommandLabel = "COMMAND")
    public static final class Events {
        private static final Tables.Table VIEW = Tables.fields("id=id", "instance=instance", "state=state", "kind=kind",
                "informational=informational", "not before=notBefore", "reschedule by=deadline", "starts by=notAfter",
                "fallback after=fallbackAfter", "expected downtime ms=expectedDowntimeMs", "new host=newHost",
                "downtime ms=downtimeMs", "detail=detail", "updated=updatedAt");

        @Command(name = "list", header = "The tenant's events, upcoming and past.", mixinStandardHelpOptions = true)
        int list(@Mixin ClientOptions c, @Mixin PageOptions page,
                 @Option(names = "--state", paramLabel = "STATE",
                         description = "Only events in this state: scheduled, rescheduled, started, completed, cancelled.") String state) {
            return c.run((api, out) -> {
                Map<String, Object> q = new LinkedHashMap<>();
                q.put("state", state);
                out.print(page.fetch(api, "/v1/tenant/events", q), Tables.rows("EVENT=id", "INSTANCE=instance", "STATE=state",
                        "KIND=kind", "NOT BEFORE=notBefore", "RESCHEDULE BY=deadline", "NEW HOST=newHost"));
                return 0;
            });
        }

        @Command(name = "show", header = "One event.", mixinStandardHelpOptions = true)
        int show(@Mixin ClientOptions c, @Parameters(paramLabel = "EVENT") String id) {
            return c.show("/v1/tenant/events/" + ServerApi.segment(id), VIEW);
        }

        @Command(name = "reschedule", header = "Move an event later: not before the given time (up to its deadline).",
                mixinStandardHelpOptions = true)
        int reschedule(@Mixin ClientOptions c, @Parameters(paramLabel = "EVENT") String id,
                       @Option(names = "--to", required = true, paramLabel = "TIME",
                               description = "Not before this ISO-8601 time, e.g. 2026-12-01T02:00:00Z.") String to) {
            return c.run((api, out) -> {
                try {
                    Instant.parse(to);
                } catch (DateTimeParseException e) {
                    throw new ClientError(ClientError.INVALID, "--to is an ISO-8601 time like 2026-12-01T02:00:00Z, not '" + to + "'");
                }
                api.post("/v1/tenant/events/" + ServerApi.segment(id) + "/reschedule", Map.of("notBefore", to));
                out.print(api.get("/v1/tenant/events/" + ServerApi.segment(id)), VIEW);
                return 0;
            });
        }

        @Command(name = "now", header = "Have the event done now, instead of at its time.", mixinStandardHelpOptions = true)
        int now(@Mixin ClientOptions c, @Parameters(paramLabel = "EVENT") String id) {
            return c.run((api, out) -> {
                api.post("/v1/tenant/events/" + ServerApi.segment(id) + "/now", null);
                out.print(api.get("/v1/tenant/events/" + ServerApi.segment(id)), VIEW);
                return 0;
            });
        }
    }

    @Command(name = "instances", header = "A tenant's instances: list, show, launch, stop, start, reboot, terminate.",
            description = "The instances of the token's tenant.", mixinStandardHelpOptions = true, synopsisSubcommandLabel = "COMMAND")
    public static final class Instances {
        private static final Tables.Table VIEW = Tables.fields("id=id", "state=state", "host=host", "cpus=cpus", "memory MiB=memoryMiB",
                "group=group", "on host maintenance=onHostMaintenance");

        @Command(name = "list", header = "The tenant's instances, running and stopped.", mixinStandardHelpOptions = true)
        int list(@Mixin ClientOptions c, @Mixin PageOptions page) {
            return c.run((api, out) -> {
                out.print(page.fetch(api, "/v1/tenant/instances", Map.of()), Tables.rows("INSTANCE=id", "STATE=state", "HOST=host",
                        "CPUS=cpus", "MEMORY MIB=memoryMiB", "GROUP=group", "ON HOST MAINTENANCE=onHostMaintenance"));
                return 0;
            });
        }

        @Command(name = "show", header = "One instance.", mixinStandardHelpOptions = true)
        int show(@Mixin ClientOptions c, @Parameters(paramLabel = "INSTANCE") String id) {
            return c.show("/v1/tenant/instances/" + ServerApi.segment(id), VIEW);
        }

        @Command(name = "launch", header = "Launch an instance; the controller places it.", mixinStandardHelpOptions = true)
        int launch(@Mixin ClientOptions c,
                   @Option(names = "--cpus", required = true, paramLabel = "N", description = "vCPUs.") int cpus,
                   @Option(names = "--memory-mib", required = true, paramLabel = "MiB", description = "Memory.") long memoryMiB,
                   @Option(names = "--group", paramLabel = "ID", description = "Its anti-affinity group.") String group,
                   @Option(names = "--on-host-maintenance", paramLabel = "migrate|restart|reboot-in-place",
                           description = "What happens to it in host maintenance (default migrate).") String onHostMaintenance) {
            return c.run((api, out) -> {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("cpus", cpus);
                body.put("memoryMiB", memoryMiB);
                body.put("group", group);
                body.put("onHostMaintenance", onHostMaintenance);
                body.values().removeIf(java.util.Objects::isNull);
                out.print(api.post("/v1/tenant/instances", body), VIEW);
                return 0;
            });
        }

        @Command(name = "stop", header = "Stop an instance (its room is given back).", mixinStandardHelpOptions = true)
        int stop(@Mixin ClientOptions c, @Parameters(paramLabel = "INSTANCE") String id) {
            return action(c, id, "POST", "stop");
        }

        @Command(name = "start", header = "Start a stopped instance (placed again, perhaps elsewhere).", mixinStandardHelpOptions = true)
        int start(@Mixin ClientOptions c, @Parameters(paramLabel = "INSTANCE") String id) {
            return action(c, id, "POST", "start");
        }

        @Command(name = "reboot", header = "Reboot an instance where it runs.", mixinStandardHelpOptions = true)
        int reboot(@Mixin ClientOptions c, @Parameters(paramLabel = "INSTANCE") String id) {
            return action(c, id, "POST", "reboot");
        }

        @Command(name = "terminate", header = "Terminate an instance: it is gone.", mixinStandardHelpOptions = true)
        int terminate(@Mixin ClientOptions c, @Parameters(paramLabel = "INSTANCE") String id) {
            return action(c, id, "DELETE", null);
        }

        private static int action(ClientOptions c, String id, String method, String action) {
            return c.run((api, out) -> {
                String path = "/v1/tenant/instances/" + ServerApi.segment(id) + (action == null ? "" : "/" + action);
                out.print(api.send(method, path, null, null), (o, a) -> o.println(id + ": " + (a.hasNonNull("state")
                        ? a.get("state").asText() : action == null ? "terminated" : action)));
                return 0;
            });
        }
    }
}

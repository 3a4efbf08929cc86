package dev.ferry.cli.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ferry campaigns}: an operator's campaigns on a running controller. */
@Command(name = "campaigns", header = "Campaigns on a controller: list, propose, show, approve, pause, resume, abort, watch.",
        description = "Campaigns on a running controller (an operator's token). docs/cli.md.", mixinStandardHelpOptions = true,
        synopsisSubcommandLabel = "COMMAND")
public final class CampaignsCommand {
    static final Tables.Table VIEW = Tables.fields("id=id", "advisory=advisory", "state=state", "hypervisors=hypervisors",
            "affected hosts=affectedHosts", "patched=hostsPatched", "failed=hostsFailed", "predicted=predictedSeconds:duration",
            "expected=expectedSeconds:duration", "lower bound=lowerBoundSeconds:duration", "slack to deadline=deadlineSlackSeconds:duration", "created=createdAt",
            "started=startedAt", "end reason=endReason", "forecast=forecast", "phases=live.hostsByPhase");

    @Command(name = "list", header = "The campaigns: state, hosts patched and failed, predicted duration.", mixinStandardHelpOptions = true)
    int list(@Mixin ClientOptions c) {
        return c.show("/v1/campaigns", Tables.rows("ID=id", "ADVISORY=advisory", "STATE=state", "HOSTS=affectedHosts",
                "PATCHED=hostsPatched", "FAILED=hostsFailed", "PREDICTED=predictedSeconds:duration",
                "EXPECTED=expectedSeconds:duration", "CREATED=createdAt"));
    }

    @Command(name = "propose", header = "Propose a campaign for a registered advisory: the plan, to approve.",
            mixinStandardHelpOptions = true)
    int propose(@Mixin ClientOptions c,
                @Option(names = "--advisory", required = true, paramLabel = "ID", description = "The registered advisory.") String advisory,
                @Option(names = "--policy", paramLabel = "FILE", description = "A policy/v1 file (default: the defaults).") Path policy,
                @Option(names = "--strategy", paramLabel = "ferry|naive", description = "Planning strategy (default ferry).") String strategy,
                @Option(names = "--hypervisors", paramLabel = "simulated|agents",
                        description = "Run on the hosts' agents, or simulated (the server's default).") String hypervisors,
                @Option(names = "--seed", paramLabel = "N", description = "Seed of a simulated campaign.") Long seed,
                @Option(names = "--accel", paramLabel = "X",
                        description = "A simulated campaign's virtual seconds per second (default: the server's).") Double accel,
                @Option(names = "--forecast", paramLabel = "N", description = "Simulated runs of its forecast (default: the server's).")
                Integer forecast) {
        return c.run((api, out) -> {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("advisory", advisory);
            body.put("policy", policy == null ? null : read(policy));
            body.put("strategy", strategy);
            body.put("hypervisors", hypervisors);
            body.put("seed", seed);
            body.put("accel", accel);
            body.put("forecast", forecast);
            body.values().removeIf(java.util.Objects::isNull);
            out.print(api.post("/v1/campaigns", body), VIEW);
            return 0;
        });
    }

    @Command(name = "show", header = "One campaign: its state, progress and forecast.", mixinStandardHelpOptions = true)
    int show(@Mixin ClientOptions c, @Parameters(paramLabel = "CAMPAIGN") String id) {
        return c.show("/v1/campaigns/" + ServerApi.segment(id), VIEW);
    }

    @Command(name = "approve", header = "Approve a proposed campaign: it starts.", mixinStandardHelpOptions = true)
    int approve(@Mixin ClientOptions c, @Parameters(paramLabel = "CAMPAIGN") String id) {
        return command(c, id, "approve", null);
    }

    @Command(name = "pause", header = "Pause a running campaign (moves in flight finish; nothing new starts).",
            mixinStandardHelpOptions = true)
    int pause(@Mixin ClientOptions c, @Parameters(paramLabel = "CAMPAIGN") String id) {
        return command(c, id, "pause", null);
    }

    @Command(name = "resume", header = "Resume a paused campaign.", mixinStandardHelpOptions = true)
    int resume(@Mixin ClientOptions c, @Parameters(paramLabel = "CAMPAIGN") String id) {
        return command(c, id, "resume", null);
    }

    @Command(name = "abort", header = "Abort a campaign, with the reason (audited).", mixinStandardHelpOptions = true)
    int abort(@Mixin ClientOptions c, @Parameters(paramLabel = "CAMPAIGN") String id,
              @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "Why (kept in the audit log).") String reason) {
        return command(c, id, "abort", Map.of("reason", reason));
    }

    @Command(name = "watch", header = "Follow a campaign live until it ends: progress, phases, failures as they happen.",
            description = {"Follows the campaign's event stream. Exit 0 when it completed, 4 when it halted or was aborted."},
            mixinStandardHelpOptions = true)
    int watch(@Mixin ClientOptions c, @Parameters(paramLabel = "CAMPAIGN") String id) {
        return c.run((api, out) -> new Watch(out).follow(api, id));
    }

    /** An operator's command on a campaign; then its state (or, as JSON, the server's answer). */
    private static int command(ClientOptions c, String id, String action, Map<String, Object> body) {
        return c.run((api, out) -> {
            JsonNode answer = api.post("/v1/campaigns/" + ServerApi.segment(id) + "/" + action, body);
            if (out.json()) {
                out.out().println(answer.toPrettyString());
            } else {
                out.out().println(id + ": " + api.get("/v1/campaigns/" + ServerApi.segment(id)).path("state").asText());
            }
            return 0;
        });
    }

    private static String read(Path file) throws ClientError {
        try {
            return Files.readString(file);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new ClientError(ClientError.INVALID, "no such file: " + file);
        } catch (IOException e) {
            throw new ClientError(ClientError.INVALID, "cannot read " + file + ": " + e.getMessage());
        }
    }
}

package dev.ferry.cli.client;

import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ferry history} and {@code ferry audit}: what a controller keeps of what happened, and of who did what. */
public final class RecordsCommand {
    private RecordsCommand() {
    }

    @Command(name = "history", header = "Campaign history on a controller: the facts, by campaign, host or instance, or tenant.",
            description = "The stored facts of campaigns, in (campaign, seq) order (an operator's token; a tenant's sees its own).",
            mixinStandardHelpOptions = true)
    public static final class History implements java.util.concurrent.Callable<Integer> {
        @Mixin
        ClientOptions c;

        @Mixin
        PageOptions page;

        @Option(names = "--campaign", paramLabel = "ID", description = "One campaign's facts.")
        String campaign;

        @Option(names = "--target", paramLabel = "ID", description = "Facts about one host or instance.")
        String target;

        @Option(names = "--tenant", paramLabel = "ID", description = "Facts about one tenant's instances.")
        String tenant;

        @Override
        public Integer call() {
            return c.run((api, out) -> {
                Map<String, Object> q = new LinkedHashMap<>();
                q.put("campaign", campaign);
                q.put("target", target);
                q.put("tenant", tenant);
                out.print(page.fetch(api, "/v1/history", q), Tables.rows("CAMPAIGN=campaign", "SEQ=seq", "AT=t:ms", "ACTOR=actor",
                        "FACT=fact", "SUMMARY=summary"));
                return 0;
            });
        }
    }

    @Command(name = "audit", header = "The audit log on a controller: every change and refused attempt, by actor, target, action.",
            description = "An operator's token.", mixinStandardHelpOptions = true)
    public static final class Audit implements java.util.concurrent.Callable<Integer> {
        @Mixin
        ClientOptions c;

        @Mixin
        PageOptions page;

        @Option(names = "--actor", paramLabel = "WHO", description = "One actor's entries (operator:NAME, tenant:ID, ...).")
        String actor;

        @Option(names = "--target", paramLabel = "ID", description = "Entries about one target.")
        String target;

        @Option(names = "--action", paramLabel = "ACTION", description = "One action (campaign.approve, advisory.register, ...).")
        String action;

        @Override
        public Integer call() {
            return c.run((api, out) -> {
                Map<String, Object> q = new LinkedHashMap<>();
                q.put("actor", actor);
                q.put("target", target);
                q.put("action", action);
                out.print(page.fetch(api, "/v1/audit", q), Tables.rows("ID=id", "AT=at:time", "ACTOR=actor", "ACTION=action",
                        "TARGET=target", "OUTCOME=outcome", "DETAIL=detail"));
                return 0;
            });
        }
    }
}

package dev.ferry.cli.client;

import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code ferry advisories}: the advisories registered on a controller. */
@Command(name = "advisories", header = "Advisories on a controller: add, list, show.",
        description = "Advisories registered on a running controller (an operator's token): advisory/v1, or CSAF 2.0, OSV or"
                + " CVE JSON 5, told apart by content (docs/formats.md).", mixinStandardHelpOptions = true,
        synopsisSubcommandLabel = "COMMAND")
public final class AdvisoriesCommand {
    private static final Tables.Table VIEW = Tables.fields("id=id", "title=title", "state=state", "disclosure=disclosure",
            "fixed version=fixedVersion", "fixed in=fixedIn", "affected hosts=affectedHosts", "affected=affected");

    @Command(name = "add", header = "Register an advisory from a file; shows the hosts it affects.", mixinStandardHelpOptions = true)
    int add(@Mixin ClientOptions c, @Parameters(paramLabel = "FILE") Path file) {
        return c.run((api, out) -> {
            out.print(api.sendDocument("POST", "/v1/advisories", file), VIEW);
            return 0;
        });
    }

    @Command(name = "list", header = "The registered advisories' ids.", mixinStandardHelpOptions = true)
    int list(@Mixin ClientOptions c) {
        return c.run((api, out) -> {
            out.print(api.get("/v1/advisories"), (o, a) -> {
                a.path("items").forEach(id -> o.println(id.asText()));
                if (a.path("items").isEmpty()) {
                    o.println("(none)");
                }
            });
            return 0;
        });
    }

    @Command(name = "show", header = "One advisory: its fixes, disclosure and the hosts it affects.", mixinStandardHelpOptions = true)
    int show(@Mixin ClientOptions c, @Parameters(paramLabel = "ADVISORY") String id) {
        return c.show("/v1/advisories/" + ServerApi.segment(id), VIEW);
    }
}

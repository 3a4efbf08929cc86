package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.agent.Poll;
import dev.ferry.server.FerryServer;
import dev.ferry.server.Principal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client commands against a real controller over HTTP: an operator imports the inventory,
 * registers the advisory and runs a campaign from proposal to completion with {@code watch}; a
 * tenant reschedules an event and asks for another "now"; a wrong token, a wrong role and an
 * unreachable server each give one line and the documented exit code.
 */
class ClientTest {
    private static final Path EXAMPLE = Path.of(System.getProperty("ferry.examples", "../examples")).resolve("xsa-108-small");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static FerryServer server(Path dir) {
        // simulated campaigns at 100,000 virtual seconds a second: the example's day-long campaign in about a second
        return FerryServer.start(FerryServer.Config.defaults(dir).withPort(0).withWebhookPoll(null).withForecastRuns(0)
                .withAccel(100_000));
    }

    private static Map<String, String> env(FerryServer s, String token) {
        return Map.of("FERRY_SERVER", "http://127.0.0.1:" + s.port(), "FERRY_TOKEN", token);
    }

    private static Cli ok(Map<String, String> env, String... args) {
        Cli c = Cli.run(env, args);
        assertThat(c.exitCode()).as(String.join(" ", args) + "\n" + c.err() + c.out()).isZero();
        return c;
    }

    @Test
    void anOperatorRunsACampaignFromProposalToCompletionWithWatch() throws Exception {
        try (FerryServer s = server(dir.resolve("server"))) {
            Path token = Files.writeString(dir.resolve("operator.token"), s.tokens().create(Principal.Role.OPERATOR, null, "ops") + "\n");
            // the token from a file this time
            Map<String, String> env = Map.of("FERRY_SERVER", "http://127.0.0.1:" + s.port());
            String[] auth = {"--token-file", token.toString()};
            assertThat(ok(env, cat(new String[] {"inventory", "import", EXAMPLE.resolve("fleet.yaml").toString()}, auth)).out())
                    .contains("hosts:", "6");
            assertThat(ok(env, cat(new String[] {"advisories", "add", EXAMPLE.resolve("advisory.csaf.json").toString()}, auth)).out())
                    .contains("affected hosts: 2");
            assertThat(ok(env, cat(new String[] {"hosts", "list"}, auth)).out()).contains("HOST", "h-a1", "xen-4.4.0");
            String id = JSON.readTree(ok(env, cat(new String[] {"campaigns", "propose", "--advisory", "XSA-108", "--format", "json"},
                    auth)).out()).get("id").asText();
            assertThat(ok(env, cat(new String[] {"campaigns", "list"}, auth)).out()).contains(id, "proposed");
            Cli early = Cli.run(env, cat(new String[] {"campaigns", "watch", id}, auth));
            assertThat(early.exitCode()).isEqualTo(2);
            assertThat(early.err()).isEqualTo("error: " + id + " is proposed: it does not run (approve it first)" + System.lineSeparator());
            assertThat(ok(env, cat(new String[] {"campaigns", "approve", id}, auth)).out()).startsWith(id + ": ");

            Cli watch = ok(env, cat(new String[] {"campaigns", "watch", id}, auth));
            assertThat(watch.out()).contains("[##############################] 2/2 patched")
                    .endsWith(id + " completed: 2 of 2 hosts patched, 0 failed" + System.lineSeparator());
            assertThat(JSON.readTree(ok(env, cat(new String[] {"campaigns", "show", id, "--format", "json"}, auth)).out())
                    .get("state").asText()).isEqualTo("completed");
            assertThat(ok(env, cat(new String[] {"history", "--campaign", id, "--limit", "5"}, auth)).out())
                    .contains("campaign proposed → approved", "(more: --all");
            assertThat(ok(env, cat(new String[] {"audit", "--action", "campaign.approve"}, auth)).out()).contains("operator:ops", id);
            assertThat(ok(env, cat(new String[] {"campaigns", "watch", id}, auth)).out()).as("an ended campaign: its end at once")
                    .contains(id + " completed");
        }
    }

    @Test
    void aTenantReschedulesAnEventAndAsksForAnotherNow() throws Exception {
        try (FerryServer s = server(dir.resolve("server"))) {
            Map<String, String> operator = env(s, s.tokens().create(Principal.Role.OPERATOR, null, "ops"));
            ok(operator, "inventory", "import", EXAMPLE.resolve("fleet.yaml").toString());
            ok(operator, "advisories", "add", EXAMPLE.resolve("advisory.osv.json").toString());
            // in real time: the events wait out their day of notice while the tenant acts
            String id = JSON.readTree(ok(operator, "campaigns", "propose", "--advisory", "XSA-108", "--accel", "1", "--format", "json")
                    .out()).get("id").asText();
            ok(operator, "campaigns", "approve", id);
            Map<String, String> acme = env(s, s.tokens().create(Principal.Role.TENANT, "acme", "acme"));
            JsonNode events = Poll.until(30_000, 20, () -> {
                JsonNode page = JSON.readTree(Cli.run(acme, "events", "list", "--state", "scheduled", "--format", "json").out());
                return page.path("items").size() > 0 ? page : null;
            });
            assertThat(events).as("acme's events are announced").isNotNull();
            assertThat(ok(acme, "events", "list").out()).contains("EVENT", "db-1", "scheduled");

            JsonNode db1 = null;
            for (JsonNode e : events.get("items")) {
                if (e.get("instance").asText().equals("db-1")) {
                    db1 = e;
                }
            }
            assertThat(db1).as("db-1 restarts elsewhere: a scheduled event").isNotNull();
            Instant to = Instant.parse(db1.get("notBefore").asText()).plusSeconds(3_600);
            Instant deadline = Instant.parse(db1.get("deadline").asText());
            to = to.isAfter(deadline) ? deadline : to;
            Cli rescheduled = ok(acme, "events", "reschedule", db1.get("id").asText(), "--to", to.toString());
            assertThat(rescheduled.out()).contains("state:", "rescheduled", "not before:", to.toString());

            List<String> others = List.of("web-1", "web-2");
            String now = null;
            for (JsonNode e : events.get("items")) {
                if (others.contains(e.get("instance").asText()) && !e.get("informational").asBoolean()) {
                    now = e.get("id").asText();
                }
            }
            String event = now != null ? now : db1.get("id").asText();
            ok(acme, "events", "now", event);
            assertThat(Poll.until(60_000, 20, () -> {
                String state = JSON.readTree(Cli.run(acme, "events", "show", event, "--format", "json").out()).path("state").asText();
                return state.equals("started") || state.equals("completed") ? state : null;
            })).as("done now, not at its time").isNotNull();
            assertThat(ok(acme, "instances", "list").out()).contains("db-1", "web-1");
        }
    }

    @Test
    void aWrongTokenAWrongRoleAndAnUnreachableServerGiveOneLineAndTheirExitCode() throws Exception {
        try (FerryServer s = server(dir.resolve("server"))) {
            Cli wrong = Cli.run(env(s, "not-a-token"), "campaigns", "list");
            assertThat(wrong.exitCode()).isEqualTo(5);
            assertThat(wrong.err()).startsWith("error: the server did not accept the token (401): ").hasLineCount(1);
            assertThat(wrong.out()).isEmpty();

            Cli role = Cli.run(env(s, s.tokens().create(Principal.Role.TENANT, "acme", "acme")), "campaigns", "list");
            assertThat(role.exitCode()).isEqualTo(5);
            assertThat(role.err()).startsWith("error: not allowed for this token (403): ").hasLineCount(1);

            Map<String, String> operator = env(s, s.tokens().create(Principal.Role.OPERATOR, null, "ops"));
            Cli missing = Cli.run(operator, "campaigns", "show", "c-nothing");
            assertThat(missing.exitCode()).isEqualTo(2);
            assertThat(missing.err()).startsWith("error: not found (404): ").hasLineCount(1);
            Cli bad = Cli.run(operator, "advisories", "add", dir.resolve("nothing.yaml").toString());
            assertThat(bad.exitCode()).isEqualTo(2);
            assertThat(bad.err()).isEqualTo("error: no such file: " + dir.resolve("nothing.yaml") + System.lineSeparator());
            Path broken = Files.writeString(dir.resolve("broken.json"), "{\"id\": \"X\", \"affected\": [{\"package\": {\"name\": \"xen\"}}]}");
            Cli refused = Cli.run(operator, "advisories", "add", broken.toString());
            assertThat(refused.exitCode()).isEqualTo(2);
            assertThat(refused.err()).contains("(400)", "neither versions nor ranges").hasLineCount(1);
        }
        Cli gone = Cli.run(Map.of("FERRY_TOKEN", "t"), "campaigns", "list", "--server", "http://127.0.0.1:1");
        assertThat(gone.exitCode()).isEqualTo(6);
        assertThat(gone.err()).startsWith("error: cannot reach the server at http://127.0.0.1:1/").hasLineCount(1);
        Cli none = Cli.run(Map.of(), "campaigns", "list");
        assertThat(none.exitCode()).isEqualTo(2);
        assertThat(none.err()).contains("no token: set FERRY_TOKEN");
    }

    private static String[] cat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}

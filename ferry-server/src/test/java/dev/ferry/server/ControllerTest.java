package dev.ferry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.core.history.Fact;
import dev.ferry.core.history.HistoryRecord;
import dev.ferry.core.lifecycle.EventState;
import dev.ferry.core.model.Fleet;
import dev.ferry.core.verify.InvariantChecker;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The controller over HTTP, on H2 and on a real PostgreSQL: operators' and tenants' journeys. */
class ControllerTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void anApprovedCampaignRunsToCompletionAndItsStoredHistoryKeepsEveryRule(String db) throws Exception {
        try (TestServer s = new TestServer(dir, db)) {
            s.seed(60, 3);
            String id = s.propose(1);
            JsonNode proposal = s.get("/v1/campaigns/" + id, s.operator).json();
            assertThat(proposal.get("state").asText()).isEqualTo("proposed");
            assertThat(proposal.get("predictedSeconds").asLong()).isGreaterThanOrEqualTo(proposal.get("lowerBoundSeconds").asLong());
            assertThat(proposal.get("expectedSeconds").asLong()).as("rescheduling tenants are expected to add to the schedule")
                    .isGreaterThan(proposal.get("predictedSeconds").asLong());
            assertThat(proposal.get("deadlineSlackSeconds").asLong()).isPositive();
            assertThat(s.get("/v1/campaigns/" + id + "/plan", s.operator).json().get("steps").size())
                    .isEqualTo(proposal.get("steps").asInt());

            TestServer.Response approved = s.post("/v1/campaigns/" + id + "/approve", s.operator, null);
            assertThat(approved.status()).isEqualTo(200);
            assertThat(approved.json().get("state").asText()).isEqualTo("running");
            s.runToEnd(id);

            JsonNode done = s.get("/v1/campaigns/" + id, s.operator).json();
            assertThat(done.get("state").asText()).isEqualTo("completed");
            assertThat(done.get("hostsPatched").asInt()).isEqualTo(done.get("affectedHosts").asInt()).isPositive();
            JsonNode steps = s.get("/v1/campaigns/" + id + "/steps?limit=1000", s.operator).json().get("items");
            steps.forEach(st -> assertThat(st.get("state").asText()).isEqualTo("returned"));
            // the finished campaign is the inventory now: patched hosts, instances where they ended
            assertThat(s.get("/v1/advisories/" + TestServer.ADVISORY_ID, s.operator).json().get("affectedHosts").asInt()).isZero();
            Fleet after = s.server.inventory().current().fleet();
            var runtimeView = s.server.campaigns().load(id).problem().fleet();
            long moved = 0;
            for (int i = 0; i < runtimeView.instances().size(); i++) {
                String inst = runtimeView.instance(i).id();
                moved += after.instance(after.instanceIndex(inst)).host().equals(runtimeView.instance(i).host()) ? 0 : 1;
            }
            assertThat(moved).isPositive();
            assertThat(s.count("SELECT COUNT(*) FROM hosts WHERE used_milli_cpu > capacity_milli_cpu"
                    + " OR used_memory_mib > memory_mib")).isZero();

            List<HistoryRecord> facts = s.facts(id);
            InvariantChecker checker = new InvariantChecker(s.server.campaigns().load(id).problem());
            facts.forEach(checker::accept);
            assertThat(checker.finish()).isEmpty();
            long applies = facts.stream().filter(f -> f.fact() instanceof Fact.EffectApplied).count();
            assertThat(facts.stream().filter(f -> f.fact() instanceof Fact.EffectApplied).map(f -> f.fact().subject())
                    .distinct().count()).isEqualTo(applies);
            assertThat(s.count("SELECT COUNT(*) FROM effect_keys WHERE campaign = ?", id)).isEqualTo(applies);

            // the history API pages through exactly the stored facts
            int seen = 0;
            String cursor = null;
            do {
                JsonNode page = s.get("/v1/history?campaign=" + id + "&limit=1000" + (cursor == null ? "" : "&cursor=" + cursor),
                        s.operator).json();
                seen += page.get("items").size();
                cursor = page.get("next").isNull() ? null : page.get("next").asText();
            } while (cursor != null);
            assertThat(seen).isEqualTo(facts.size());

            JsonNode audit = s.get("/v1/audit?target=" + id, s.operator).json().get("items");
            List<String> actions = new ArrayList<>();
            audit.forEach(a -> actions.add(a.get("action").asText()));
            assertThat(actions).contains("campaign.propose", "campaign.approve");
            assertThat(s.get("/metrics", s.operator).body()).contains("ferry_campaign_hosts_patched", "ferry_http_requests");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void aTenantSeesOnlyItsOwnEventsReschedulesOneAsksForAnotherNowAndSeesWhatHappened(String db) throws Exception {
        try (TestServer s = new TestServer(dir, db)) {
            TestServer.Seeded seeded = s.seed(60, 1000);
            Fleet fleet = s.server.inventory().current().fleet();
            String id = s.propose(2);
            s.post("/v1/campaigns/" + id + "/approve", s.operator, null);
            s.advance(id, Duration.ofMinutes(1));

            // the tenant with the most disruptive events (a live migration's informational events may be done already)
            String tenant = null;
            String token = null;
            List<JsonNode> events = null;
            for (String[] t : seeded.tenantTokens()) {
                List<JsonNode> e = new ArrayList<>();
                for (JsonNode x : s.get("/v1/tenant/events?limit=1000", t[1]).json().get("items")) {
                    assertThat(fleet.instance(fleet.instanceIndex(x.get("instance").asText())).tenant()).isEqualTo(t[0]);
                    if (!x.get("informational").asBoolean()) {
                        e.add(x);
                    }
                }
                if (events == null || e.size() > events.size()) {
                    tenant = t[0];
                    token = t[1];
                    events = e;
                }
            }
            assertThat(events.size()).isGreaterThanOrEqualTo(2);
            for (JsonNode e : events) {
                assertThat(e.get("state").asText()).isEqualTo("scheduled");
            }
            JsonNode first = events.get(0);
            JsonNode second = events.get(1);
            Instant later = Instant.parse(first.get("notBefore").asText()).plus(Duration.ofHours(2));
            TestServer.Response rescheduled = s.post("/v1/tenant/events/" + first.get("id").asText() + "/reschedule", token,
                    "{\"notBefore\":\"" + later + "\"}");
            assertThat(rescheduled.status()).as(rescheduled.body()).isEqualTo(202);
            assertThat(rescheduled.json().get("state").asText()).isEqualTo("rescheduled");
            assertThat(Instant.parse(rescheduled.json().get("notBefore").asText())).isAfterOrEqualTo(later);
            TestServer.Response beyond = s.post("/v1/tenant/events/" + first.get("id").asText() + "/reschedule", token,
                    "{\"notBefore\":\"" + Instant.parse(first.get("deadline").asText()).plusSeconds(1) + "\"}");
            assertThat(beyond.status()).isEqualTo(409);
            TestServer.Response now = s.post("/v1/tenant/events/" + second.get("id").asText() + "/now", token, null);
            assertThat(now.status()).as(now.body()).isEqualTo(202);
            // asked again while it moves: refused by the campaign, with the reason as a value
            TestServer.Response again = s.post("/v1/tenant/events/" + second.get("id").asText() + "/now", token, null);
            assertThat(again.status()).as(again.body()).isEqualTo(409);
            assertThat(again.json().path("reason").asText()).as(again.body()).isEqualTo("move-in-flight");

            // another tenant gets exactly what a nonexistent event gets
            String owner = tenant;
            String other = seeded.tenantTokens().stream().filter(t -> !t[0].equals(owner)).findFirst().orElseThrow()[1];
            TestServer.Response foreign = s.get("/v1/tenant/events/" + first.get("id").asText(), other);
            TestServer.Response missing = s.get("/v1/tenant/events/ev-c-0000000000.i-nothing", other);
            assertThat(foreign.status()).isEqualTo(404);
            assertThat(foreign.body()).isEqualTo(missing.body());

            s.runToEnd(id);
            JsonNode after = s.get("/v1/tenant/events?limit=1000", token).json().get("items");
            Set<String> states = new HashSet<>();
            for (JsonNode e : after) {
                states.add(e.get("state").asText());
                if (e.get("state").asText().equals("completed")) {
                    assertThat(e.get("newHost").asText()).startsWith("host-");
                    assertThat(fleet.hostIndex(e.get("newHost").asText())).isNegative();
                    assertThat(e.get("downtimeMs").asLong()).isPositive();
                }
            }
            assertThat(states).containsOnly("completed");
            List<HistoryRecord> facts = s.facts(id);
            assertThat(facts).anyMatch(f -> f.fact() instanceof Fact.EventChanged e && e.state() == EventState.RESCHEDULED);
            InvariantChecker checker = new InvariantChecker(s.server.campaigns().load(id).problem());
            facts.forEach(checker::accept);
            assertThat(checker.finish()).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void aProposalIsSupersededWhenAChangeTouchesWhatItsPlanActsOn(String db) {
        try (TestServer s = new TestServer(dir, db)) {
            s.seed(30, 1);
            String id = s.propose(3);
            String host = s.get("/v1/campaigns/" + id + "/plan", s.operator).json().get("affectedHosts").get(0).asText();
            TestServer.Response cordoned = s.post("/v1/hosts/" + host + "/cordon", s.operator, "{\"reason\":\"bad DIMM\"}");
            assertThat(cordoned.status()).isEqualTo(200);
            assertThat(cordoned.json().get("version").asLong()).isEqualTo(2);
            assertThat(s.get("/v1/campaigns/" + id, s.operator).json().get("state").asText()).as("judged at approval, not before")
                    .isEqualTo("proposed");
            TestServer.Response approve = s.post("/v1/campaigns/" + id + "/approve", s.operator, null);
            assertThat(approve.status()).isEqualTo(409);
            assertThat(approve.json().get("detail").asText()).contains("superseded", "affected host " + host + " is now cordoned");
            assertThat(s.get("/v1/campaigns/" + id, s.operator).json().get("state").asText()).isEqualTo("superseded");
            JsonNode audit = s.get("/v1/audit?target=" + id + "&action=campaign.supersede", s.operator).json().get("items");
            assertThat(audit.get(0).get("detail").asText()).contains("affected host " + host + " is now cordoned");
            assertThat(s.post("/v1/campaigns/" + id + "/approve", s.operator, null).status()).as("superseded for good").isEqualTo(409);
        }
    }

    /**
     * Tenants launch, stop, start, reboot and terminate instances on hosts the advisory does not
     * affect while the operator approves: the proposal stands, and the approval goes through while
     * the operations go on (another thread, as fast as the API answers).
     */
    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void aProposalSurvivesTenantChurnElsewhereAndIsApprovedWhileItGoesOn(String db) throws Exception {
        try (TestServer s = new TestServer(dir, db)) {
            TestServer.Seeded seeded = s.seed(30, 1000);
            String id = s.propose(3);
            Set<String> affected = new HashSet<>();
            s.get("/v1/campaigns/" + id + "/plan", s.operator).json().get("affectedHosts").forEach(h -> affected.add(h.asText()));
            Fleet fleet = s.server.inventory().current().fleet();
            List<String[]> safe = new ArrayList<>(); // {token, instance} on hosts the advisory leaves alone
            for (String[] t : seeded.tenantTokens()) {
                for (var i : fleet.instances()) {
                    if (i.tenant().equals(t[0]) && !affected.contains(i.host())) {
                        safe.add(new String[] {t[1], i.id()});
                    }
                }
            }
            assertThat(safe).hasSizeGreaterThan(20);
            AtomicBoolean go = new AtomicBoolean(true);
            List<Integer> statuses = java.util.Collections.synchronizedList(new ArrayList<>());
            List<String> refusals = java.util.Collections.synchronizedList(new ArrayList<>());
            CountDownLatch some = new CountDownLatch(20);
            Thread churn = new Thread(() -> {
                for (int k = 0; go.get() || k < 40; k++) {
                    String[] pick = safe.get((k / 5) % safe.size()); // each instance: reboot, stop, start, a launch beside it, a read
                    String base = "/v1/tenant/instances/" + pick[1];
                    TestServer.Response answer = switch (k % 5) {
                        case 0 -> s.post(base + "/reboot", pick[0], null);
                        case 1 -> s.post(base + "/stop", pick[0], null);
                        case 2 -> s.post(base + "/start", pick[0], null);
                        case 3 -> {
                            TestServer.Response launched = s.post("/v1/tenant/instances", pick[0], "{\"cpus\":1,\"memoryMiB\":512}");
                            if (launched.status() == 201) {
                                s.send("DELETE", "/v1/tenant/instances/" + launched.json().get("id").asText(), pick[0], null);
                            }
                            yield launched;
                        }
                        default -> s.get(base, pick[0]);
                    };
                    statuses.add(answer.status());
                    if (answer.status() >= 300) {
                        refusals.add(k + ": " + answer.body());
                    }
                    some.countDown();
                }
            });
            churn.start();
            assertThat(some.await(60, TimeUnit.SECONDS)).isTrue();
            List<Integer> before;
            synchronized (statuses) {
                before = new ArrayList<>(statuses);
            }
            TestServer.Response approve = s.post("/v1/campaigns/" + id + "/approve", s.operator, null);
            go.set(false);
            churn.join();
            assertThat(approve.status()).as(approve.body()).isEqualTo(200);
            assertThat(approve.json().get("state").asText()).isEqualTo("running");
            // every operation went through, before the approval and after it: the running campaign leaves
            // instances on hosts it does not touch alone
            assertThat(before).hasSizeGreaterThanOrEqualTo(20).allSatisfy(st -> assertThat(st).isBetween(200, 299));
            assertThat(statuses).hasSizeGreaterThanOrEqualTo(40);
            assertThat(refusals).isEmpty();
            assertThat(s.server.inventory().version()).as("the churn changed the inventory").isGreaterThan(2);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void fiftyParallelApprovalsOnABudgetOfOneRunningCampaignGrantExactlyOne(String db) throws Exception {
        try (TestServer s = new TestServer(dir, db)) {
            s.seed(30, 1);
            List<String> ids = new ArrayList<>();
            for (int k = 0; k < 50; k++) {
                ids.add(s.propose(100 + k));
            }
            List<Thread> threads = new ArrayList<>();
            int[] statuses = new int[50];
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            for (int k = 0; k < 50; k++) {
                int n = k;
                Thread t = new Thread(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    statuses[n] = s.post("/v1/campaigns/" + ids.get(n) + "/approve", s.operator, null).status();
                });
                t.start();
                threads.add(t);
            }
            go.countDown();
            for (Thread t : threads) {
                t.join();
            }
            assertThat(java.util.Arrays.stream(statuses).filter(x -> x == 200).count()).isEqualTo(1);
            assertThat(java.util.Arrays.stream(statuses).filter(x -> x == 409).count()).isEqualTo(49);
            assertThat(s.count("SELECT COUNT(*) FROM campaigns WHERE state IN ('running', 'paused', 'completed')")).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void operatorsPauseResumeAndAbortACampaign(String db) throws Exception {
        try (TestServer s = new TestServer(dir, db)) {
            s.seed(60, 1);
            String id = s.propose(2);
            s.post("/v1/campaigns/" + id + "/approve", s.operator, null);
            assertThat(s.post("/v1/campaigns/" + id + "/resume", s.operator, null).status()).isEqualTo(409);
            assertThat(s.post("/v1/campaigns/" + id + "/pause", s.operator, null).json().get("live").get("state").asText())
                    .isEqualTo("paused");
            assertThat(s.post("/v1/campaigns/" + id + "/resume", s.operator, null).json().get("live").get("state").asText())
                    .isEqualTo("running");
            TestServer.Response reimport = s.send("PUT", "/v1/inventory", s.operator, InstanceLifecycleTest.FLEET);
            assertThat(reimport.status()).isEqualTo(409);
            assertThat(reimport.json().get("detail").asText()).contains(id, "is running");
            assertThat(s.post("/v1/campaigns/" + id + "/abort", s.operator, "{}").status()).isEqualTo(400);
            TestServer.Response aborted = s.post("/v1/campaigns/" + id + "/abort", s.operator, "{\"reason\":\"embargo lifted early\"}");
            assertThat(aborted.status()).isEqualTo(200);
            assertThat(aborted.json().get("live").get("state").asText()).isEqualTo("aborted");
            assertThat(s.post("/v1/campaigns/" + id + "/pause", s.operator, null).status()).isEqualTo(409);
            assertThat(s.count("SELECT COUNT(*) FROM inputs WHERE campaign = ?", id)).isEqualTo(3);
            // once what was in flight has landed, the events that had not started never will: their tenants see them cancelled
            s.runToEnd(id);
            assertThat(s.count("SELECT COUNT(*) FROM events WHERE campaign = ? AND state IN ('scheduled', 'rescheduled')", id))
                    .isZero();
            assertThat(s.count("SELECT COUNT(*) FROM events WHERE campaign = ? AND state = 'cancelled'", id)).isPositive();
            assertThat(s.get("/v1/audit?action=campaign.pause", s.operator).json().get("items").size()).isEqualTo(1);
        }
    }

    /**
     * Tenants' settings that arrive together are written together (a group commit): each request
     * still gets its own inventory version and audit line, and the fleet in memory, the stored rows
     * and a restarted server agree on every value.
     */
    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void settingsSentAtOnceEachGetTheirOwnVersionAndAuditAndSurviveARestart(String db) throws Exception {
        String url = db.equals("postgres") ? dev.ferry.store.TestPostgres.newDatabaseUrl() : null;
        java.util.Map<String, String> wanted = new java.util.concurrent.ConcurrentHashMap<>();
        try (TestServer s = TestServer.reopen(dir, url)) {
            TestServer.Seeded seeded = s.seed(40, 4);
            long before = s.server.inventory().version();
            java.util.List<String[]> sends = new java.util.ArrayList<>();
            for (String[] t : seeded.tenantTokens()) {
                int k = 0;
                for (com.fasterxml.jackson.databind.JsonNode i : s.get("/v1/tenant/instances?limit=10", t[1]).json().get("items")) {
                    String value = k++ % 2 == 0 ? "restart" : "reboot-in-place";
                    sends.add(new String[] {t[1], i.get("id").asText(), value});
                    wanted.put(i.get("id").asText(), value);
                }
            }
            java.util.List<java.util.concurrent.Future<Integer>> answers = new java.util.ArrayList<>();
            try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                for (String[] x : sends) {
                    answers.add(pool.submit(() -> s.send("PATCH", "/v1/tenant/instances/" + x[1], x[0],
                            "{\"onHostMaintenance\":\"" + x[2] + "\"}").status()));
                }
            }
            for (var a : answers) {
                assertThat(a.get()).isEqualTo(200);
            }
            assertThat(s.server.inventory().version()).isEqualTo(before + sends.size());
            assertThat(s.count("SELECT COUNT(*) FROM audit WHERE action = 'instance.on-host-maintenance'")).isEqualTo(sends.size());
            assertThat(s.count("SELECT COUNT(DISTINCT version) FROM inventory_changes WHERE version > ?", before)).isEqualTo(sends.size());
            Fleet fleet = s.server.inventory().current().fleet();
            wanted.forEach((id, v) -> assertThat(fleet.instance(fleet.instanceIndex(id)).onHostMaintenance().wireName()).as(id)
                    .isEqualTo(v));
        }
        try (TestServer s = TestServer.reopen(dir, url)) {
            Fleet fleet = s.server.inventory().current().fleet();
            wanted.forEach((id, v) -> assertThat(fleet.instance(fleet.instanceIndex(id)).onHostMaintenance().wireName()).as(id)
                    .isEqualTo(v));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void smallInventoryChangesAreRowsThatSurviveARestart(String db) {
        String url = db.equals("postgres") ? dev.ferry.store.TestPostgres.newDatabaseUrl() : null;
        String instance;
        String host;
        try (TestServer s = TestServer.reopen(dir, url)) {
            TestServer.Seeded seeded = s.seed(20, 1);
            String tenant = seeded.tenantTokens().get(0)[1];
            instance = s.get("/v1/tenant/instances?limit=1", tenant).json().get("items").get(0).get("id").asText();
            TestServer.Response patched = s.send("PATCH", "/v1/tenant/instances/" + instance, tenant,
                    "{\"onHostMaintenance\":\"reboot-in-place\"}");
            assertThat(patched.status()).as(patched.body()).isEqualTo(200);
            assertThat(patched.json().get("onHostMaintenance").asText()).isEqualTo("reboot-in-place");
            host = s.server.inventory().current().fleet().host(3).id();
            s.post("/v1/hosts/" + host + "/cordon", s.operator, "{\"reason\":\"fan failure\"}");
            assertThat(s.get("/v1/inventory", s.operator).json().get("version").asLong()).isEqualTo(3);
        }
        try (TestServer s = TestServer.reopen(dir, url)) {
            Fleet fleet = s.server.inventory().current().fleet();
            assertThat(s.server.inventory().current().version()).isEqualTo(3);
            assertThat(fleet.instance(fleet.instanceIndex(instance)).onHostMaintenance().wireName()).isEqualTo("reboot-in-place");
            assertThat(fleet.host(fleet.hostIndex(host)).cordoned()).isTrue();
        }
    }

    @org.junit.jupiter.api.Test
    void anOperatorWatchesACampaignAsAStreamOfServerSentEventsUntilItEnds() throws Exception {
        try (TestServer s = new TestServer(dir, "h2")) {
            s.seed(30, 1);
            String id = s.propose(6);
            var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(s.base + "/v1/campaigns/" + id + "/stream"))
                    .header("Authorization", "Bearer " + s.operator).header("Accept", "text/event-stream").GET().build();
            s.post("/v1/campaigns/" + id + "/approve", s.operator, null);
            var response = java.net.http.HttpClient.newHttpClient().send(request,
                    java.net.http.HttpResponse.BodyHandlers.ofLines()); // answers with the headers and the first event
            s.runToEnd(id);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
            List<String> events = new ArrayList<>();
            String last = null;
            var lines = response.body().iterator();
            while (lines.hasNext()) {
                String line = lines.next();
                if (line.startsWith("event: ")) {
                    events.add(line.substring(7));
                } else if (line.startsWith("data: ")) {
                    last = line.substring(6);
                }
                if (events.contains("end") && last != null && line.isEmpty()) {
                    break;
                }
            }
            assertThat(events).startsWith("progress").endsWith("end");
            assertThat(TestServer.JSON.readTree(last).get("state").asText()).as(events + " " + last).isEqualTo("completed");
            // a tenant token cannot watch
            assertThat(s.get("/v1/campaigns/" + id + "/stream", s.server.tokens().create(Principal.Role.TENANT, "t-00001", "t"))
                    .status()).isEqualTo(403);
        }
    }

    static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        for (int k = 0; k < kv.length; k += 2) {
            m.put((String) kv[k], kv[k + 1]);
        }
        return m;
    }
}

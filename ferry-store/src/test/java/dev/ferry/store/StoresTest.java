package dev.ferry.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.history.Actor;
import dev.ferry.core.history.Fact;
import dev.ferry.core.history.HistoryRecord;
import dev.ferry.core.lifecycle.CampaignState;
import dev.ferry.core.lifecycle.EventState;
import dev.ferry.core.lifecycle.HostPhase;
import dev.ferry.core.model.Host;
import dev.ferry.core.model.HostState;
import dev.ferry.core.model.Instance;
import dev.ferry.core.model.OnHostMaintenance;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Each store on H2 and on PostgreSQL: what it keeps, what it refuses, and what it writes together. */
class StoresTest {
    @TempDir
    Path dir;

    private Database open(String kind) {
        return kind.equals("h2") ? Database.openH2(dir, 4) : Database.open(TestPostgres.newDatabaseUrl(), null, null, 4);
    }

    private static final String CURRENT = "{\"current\":true}";

    /** Approves on the inventory as it is now (the document stands for its fleet). */
    private static CampaignStore.Approval approve(Stores s, String id, long at,
                                                  java.util.function.Function<List<InventoryStore.Change>, String> overtaken) {
        return s.campaigns().approve(id, at, audit("campaign.approve", id), overtaken, CURRENT, s.inventory().load().version());
    }

    private static Audit audit(String action, String target) {
        return new Audit(1000, "operator:test", "req-1", action, target, "detail");
    }

    private static final List<Host> HOSTS = List.of(
            new Host("h1", "az1", "r1", 4, 8192, 1.0, "xen-4.1.0", "m", true, HostState.ACTIVE, null),
            new Host("h2", "az1", "r2", 4, 8192, 1.0, "xen-4.4.1", "m", true, HostState.ACTIVE, null));
    private static final Instance I1 = new Instance("i-1", "acme", "h1", 2, 2048, OnHostMaintenance.MIGRATE, null, 0);

    /** A judge for whom nothing overtakes a plan. */
    private static final java.util.function.Function<List<InventoryStore.Change>, String> NONE = changes -> null;

    private static long auditLines(Stores s, String action) {
        return s.audit().page(null, null, action, 0, 1000).size();
    }

    private static CampaignStore.Campaign proposal(String id, long inventoryVersion) {
        return new CampaignStore.Campaign(id, "XSA-1", inventoryVersion, "", "ferry", 7, 60, CampaignState.PROPOSED, 5, null, 100, 90,
                null, 1, 1, 0, 0, 0, null, "simulated", 150L);
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void everyInventoryChangeIsVersionedAndAuditedAndAnImportSupersedesProposals(String kind) {
        try (Database db = open(kind)) {
            Stores s = Stores.over(db);
            InventoryStore.Imported first = s.inventory().importFleet("{}", HOSTS, List.of(I1), audit("inventory.import", "inventory"));
            assertThat(first.runningCampaign()).isNull();
            assertThat(s.campaigns().propose(proposal("c-1", first.version()), new CampaignStore.Documents("{}", "{\"plan\":1}"),
                    audit("campaign.propose", "c-1"))).isTrue();
            assertThat(s.campaigns().propose(proposal("c-2", first.version() - 1), new CampaignStore.Documents("{}", null),
                    audit("campaign.propose", "c-2"))).as("planned on an inventory that is not the current one").isFalse();
            long v = s.inventory().cordon("h2", true, "disk", audit("host.cordon", "h2"));
            assertThat(v).isEqualTo(first.version() + 1);
            assertThat(s.campaigns().get("c-1").orElseThrow().state()).as("a change is judged at approval")
                    .isEqualTo(CampaignState.PROPOSED);
            assertThat(s.campaigns().get("c-1").orElseThrow().expectedSeconds()).as("the expected duration is kept").isEqualTo(150L);
            assertThat(s.inventory().changesAfter(first.version())).containsExactly(new InventoryStore.Change("host-state", "h2",
                    "cordoned"));
            assertThat(s.inventory().changesAfter(v)).isEmpty();
            assertThat(s.campaigns().get("c-2")).isEmpty();
            assertThat(s.campaigns().documents("c-1").plan()).isEqualTo("{\"plan\":1}");
            InventoryStore.Stored stored = s.inventory().load();
            assertThat(stored.document()).isEqualTo("{}");
            assertThat(stored.changes()).containsExactly(new InventoryStore.Change("host-state", "h2", "cordoned"));
            assertThat(stored.version()).isEqualTo(v);
            assertThat(s.inventory().onHostMaintenance("someone-else", "i-1", "restart", audit("x", "i-1")))
                    .as("another tenant's instance is not found; nothing written").isNegative();
            assertThat(s.inventory().version()).isEqualTo(v);
            assertThat(auditLines(s, "host.cordon")).isEqualTo(1);
            assertThat(s.audit().page(null, null, "host.cordon", 0, 10).get(0).detail()).contains("inventory version " + v);
            s.campaigns().propose(proposal("c-3", v), new CampaignStore.Documents("{}", null), audit("campaign.propose", "c-3"));
            // tenants' settings written together (a group commit): each its own version and audit line, in order
            long[] set = s.inventory().onHostMaintenanceAll(List.of(
                    new InventoryStore.MaintenanceSetting("acme", "i-1", "restart", audit("instance.on-host-maintenance", "i-1")),
                    new InventoryStore.MaintenanceSetting("someone-else", "i-1", "migrate", audit("instance.on-host-maintenance", "i-1")),
                    new InventoryStore.MaintenanceSetting("acme", "i-1", "reboot-in-place", audit("instance.on-host-maintenance", "i-1"))));
            assertThat(set).containsExactly(v + 1, -1, v + 2);
            assertThat(s.inventory().changesAfter(v)).containsExactly(new InventoryStore.Change("on-host-maintenance", "i-1", "restart"),
                    new InventoryStore.Change("on-host-maintenance", "i-1", "reboot-in-place"));
            assertThat(s.audit().page(null, null, "instance.on-host-maintenance", 0, 10)).extracting(a -> a.detail())
                    .anyMatch(d -> d.contains("inventory version " + (v + 1))).anyMatch(d -> d.contains("inventory version " + (v + 2)))
                    .hasSize(2);
            s.inventory().importFleet("{}", HOSTS, List.of(I1), audit("inventory.import", "inventory"));
            assertThat(s.campaigns().get("c-3").orElseThrow().state()).as("an import supersedes").isEqualTo(CampaignState.SUPERSEDED);
            assertThat(s.audit().page(null, null, "inventory.import", 0, 10)).anyMatch(a -> a.detail().contains("2 proposal(s) superseded"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void anApprovalJudgesTheChangesSinceTheProposalAndSupersedesWhenTheyOvertakeIt(String kind) {
        try (Database db = open(kind)) {
            Stores s = Stores.over(db);
            long v = s.inventory().importFleet("{}", HOSTS, List.of(I1), audit("inventory.import", "inventory")).version();
            s.campaigns().propose(proposal("c-1", v), new CampaignStore.Documents("{}", null), audit("campaign.propose", "c-1"));
            s.campaigns().propose(proposal("c-2", v), new CampaignStore.Documents("{}", null), audit("campaign.propose", "c-2"));
            s.inventory().cordon("h2", true, "disk", audit("host.cordon", "h2"));
            List<List<InventoryStore.Change>> judged = new ArrayList<>();
            CampaignStore.Approval overtaken = approve(s, "c-1", 2000, changes -> {
                judged.add(changes);
                return "h2 is cordoned";
            });
            assertThat(judged).containsExactly(List.of(new InventoryStore.Change("host-state", "h2", "cordoned")));
            assertThat(overtaken.approved()).isFalse();
            assertThat(overtaken.supersededBecause()).isEqualTo("h2 is cordoned");
            assertThat(s.campaigns().get("c-1").orElseThrow().state()).isEqualTo(CampaignState.SUPERSEDED);
            assertThat(s.campaigns().get("c-1").orElseThrow().endReason()).isEqualTo("h2 is cordoned");
            assertThat(s.audit().page(null, null, "campaign.supersede", 0, 10)).singleElement()
                    .satisfies(a -> assertThat(a.detail()).isEqualTo("h2 is cordoned"));
            assertThat(approve(s, "c-1", 2001, changes -> null).state())
                    .as("superseded for good").isEqualTo(CampaignState.SUPERSEDED);
            CampaignStore.Approval stale = s.campaigns().approve("c-2", 2002, audit("campaign.approve", "c-2"), changes -> null,
                    "{\"old\":true}", v);
            assertThat(stale.stale()).as("the inventory is no longer at version v").isTrue();
            assertThat(s.campaigns().get("c-2").orElseThrow().state()).isEqualTo(CampaignState.PROPOSED);
            CampaignStore.Approval standing = approve(s, "c-2", 2002, changes -> null);
            assertThat(standing.approved()).isTrue();
            assertThat(s.campaigns().documents("c-2").fleet()).as("it runs on the inventory as it is now").isEqualTo(CURRENT);
        }
    }

    /** Whatever slipped past the supersession: an approval checks its advisory is still the one it was proposed on. */
    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void anApprovalRefusesAProposalWhoseAdvisoryChangedOrWasWithdrawn(String kind) {
        try (Database db = open(kind)) {
            Stores s = Stores.over(db);
            long v = s.inventory().importFleet("{}", HOSTS, List.of(I1), audit("inventory.import", "inventory")).version();
            s.advisories().register(new AdvisoryStore.Advisory("XSA-1", "t", "new rules", 1, 1), audit("advisory.register", "XSA-1"));
            s.campaigns().propose(proposal("c-1", v), new CampaignStore.Documents("{}", null, "old rules"), audit("campaign.propose", "c-1"));
            s.campaigns().propose(proposal("c-2", v), new CampaignStore.Documents("{}", null, "new rules"), audit("campaign.propose", "c-2"));
            assertThat(approve(s, "c-1", 2000, NONE).supersededBecause()).contains("amended");
            assertThat(s.advisories().withdraw("XSA-1", 2001, audit("advisory.withdraw", "XSA-1")).outcome())
                    .isEqualTo(AdvisoryStore.Outcome.DONE);
            assertThat(s.campaigns().get("c-2").orElseThrow().state()).as("the withdrawal superseded it").isEqualTo(CampaignState.SUPERSEDED);
            assertThat(s.advisories().withdraw("XSA-1", 2002, audit("advisory.withdraw", "XSA-1")).outcome())
                    .isEqualTo(AdvisoryStore.Outcome.WITHDRAWN);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void placementTakesRoomOnlyWhereThereIsRoomAndGivesItBack(String kind) {
        try (Database db = open(kind)) {
            Stores s = Stores.over(db);
            s.inventory().importFleet("{}", HOSTS, List.of(I1), audit("inventory.import", "inventory"));
            Instance big = new Instance("i-2", "acme", "h1", 3, 1024, OnHostMaintenance.MIGRATE, null, 0);
            // h1 has 2 of 4 cpus free: a caller that insists on h1 loses the race every time
            InventoryStore.Placed raced = s.inventory().place(big, true, free -> new InventoryStore.Choice("h1", null), "test",
                    audit("instance.launch", "i-2"), null);
            assertThat(raced.host()).isNull();
            assertThat(raced.raced()).isTrue();
            InventoryStore.Placed placed = s.inventory().place(big, true, free -> {
                assertThat(free.get("h1")).containsExactly(2000, 6144);
                return new InventoryStore.Choice(free.get("h2")[0] >= 3000 ? "h2" : null, "full");
            }, "test", audit("instance.launch", "i-2"), null);
            assertThat(placed.host()).isEqualTo("h2");
            assertThat(s.inventory().instance("acme", "i-2").orElseThrow().instance().host()).isEqualTo("h2");
            InventoryStore.Placed nowhere = s.inventory().place(new Instance("i-3", "acme", "h1", 2, 1024, OnHostMaintenance.MIGRATE,
                    null, 0), true, free -> new InventoryStore.Choice(null, "no host has 2 cpus"), "test", audit("instance.launch", "i-3"),
                    null);
            assertThat(nowhere.whyNot()).isEqualTo("no host has 2 cpus");
            assertThat(s.inventory().instance("acme", "i-3")).isEmpty();
            s.inventory().release(s.inventory().instance("acme", "i-2").orElseThrow().instance(), true, false, true,
                    audit("instance.stop", "i-2"), null);
            assertThat(s.inventory().instance("acme", "i-2").orElseThrow().state()).isEqualTo("stopped");
            InventoryStore.Placed again = s.inventory().place(big, false, free -> {
                assertThat(free.get("h2")[0]).as("the stop gave the room back").isEqualTo(4000);
                return new InventoryStore.Choice("h2", null);
            }, "test", audit("instance.start", "i-2"), null);
            assertThat(again.host()).isEqualTo("h2");
            assertThat(s.tenants().instance("acme", "i-2").orElseThrow().state()).isEqualTo("running");
            assertThat(s.tenants().instance("other", "i-2")).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void approvalIsACompareAndSwapAndOneCampaignRunsAtATime(String kind) {
        try (Database db = open(kind)) {
            Stores s = Stores.over(db);
            long v = s.inventory().importFleet("{}", HOSTS, List.of(I1), audit("inventory.import", "inventory")).version();
            s.campaigns().propose(proposal("c-1", v), new CampaignStore.Documents("{}", null), audit("campaign.propose", "c-1"));
            s.campaigns().propose(proposal("c-2", v), new CampaignStore.Documents("{}", null), audit("campaign.propose", "c-2"));
            assertThat(approve(s, "c-1", 2000, NONE).approved()).isTrue();
            CampaignStore.Approval second = approve(s, "c-2", 2001, NONE);
            assertThat(second.approved()).isFalse();
            assertThat(second.running()).isEqualTo("c-1");
            assertThat(s.inventory().importFleet("{}", HOSTS, List.of(), audit("inventory.import", "inventory")).runningCampaign())
                    .as("no import under a running campaign").isEqualTo("c-1");
            CampaignStore.Approval again = approve(s, "c-1", 2002, NONE);
            assertThat(again.approved()).isFalse();
            assertThat(again.running()).isEqualTo("c-1");
            assertThat(s.campaigns().get("c-1").orElseThrow().startedAt()).isEqualTo(2000);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void aRoundIsStoredWholeAndTheHistoryReadsBackTyped(String kind) {
        try (Database db = open(kind)) {
            Stores s = Stores.over(db);
            long v = s.inventory().importFleet("{}", HOSTS, List.of(I1), audit("inventory.import", "inventory")).version();
            s.campaigns().propose(proposal("c-1", v), new CampaignStore.Documents("{}", null), audit("campaign.propose", "c-1"));
            approve(s, "c-1", 2000, NONE);
            s.webhooks().register(new WebhookStore.Webhook("wh-1", "acme", "https://example.org/h", "whsec_x", 1),
                    audit("webhook.register", "wh-1"));
            List<HistoryRecord> facts = List.of(new HistoryRecord(0, Actor.FERRY, new Fact.PhaseChanged("h1", HostPhase.DRAINING)),
                    new HistoryRecord(5, Actor.DRIVER, new Fact.Ran("i-1", "h2", 2)),
                    new HistoryRecord(5, Actor.FERRY, new Fact.HostFailed("h1", Fact.HostFailure.CAME_BACK_UNPATCHED, "xen-4.1.0")));
            CampaignStore.EventChange e = new CampaignStore.EventChange("notify/3", "ev-c-1.i-1", "acme", "i-1", EventState.SCHEDULED,
                    5000, 9000, "scheduled relocate", null, 0, 2000, "relocate", 12000, null, null);
            s.campaigns().commit("c-1", new CampaignStore.Round(0, facts, List.of("move/1"), List.of(), List.of(e),
                    new CampaignStore.Progress(CampaignState.RUNNING, null, 0, 1, 5), null));
            CampaignStore.Stored stored = s.campaigns().load("c-1");
            assertThat(stored.facts()).extracting(CampaignStore.StoredFact::fact).containsExactlyElementsOf(facts);
            assertThat(stored.keys()).containsExactly("move/1");
            assertThat(s.history().facts("c-1", List.of(Fact.HostFailed.class))).containsExactly(facts.get(2));
            assertThat(s.history().latest("c-1", List.of(Fact.PhaseChanged.class, Fact.Ran.class), 1)).containsExactly(facts.get(1));
            assertThat(s.history().page(null, "i-1", null, "", -1, 10)).extracting(HistoryStore.Stored::seq).containsExactly(1L);
            assertThat(s.tenants().events("acme", "scheduled", null, 10)).extracting(TenantStore.Event::id).containsExactly("ev-c-1.i-1");
            assertThat(s.tenants().events("other", null, null, 10)).isEmpty();
            List<WebhookStore.Delivery> due = s.webhooks().due(3000, 10, "node-a");
            assertThat(due).singleElement().satisfies(d -> assertThat(d.body())
                    .contains("\"type\":\"maintenance-event.scheduled\"").contains("\"instance\":\"i-1\""));
            assertThat(s.webhooks().due(3000, 10, "node-b")).as("claimed by node-a: no other node sends it meanwhile").isEmpty();
            assertThat(s.webhooks().stillClaimed(due.get(0).id(), "node-a")).isTrue();
            assertThat(s.webhooks().stillClaimed(due.get(0).id(), "node-b")).isFalse();
            s.webhooks().delivered(due.get(0).id(), 3100);
            assertThat(s.webhooks().stillClaimed(due.get(0).id(), "node-a")).as("delivered: nothing left to send").isFalse();
            // the end: a finished campaign's placements become the inventory in the same transaction
            s.campaigns().commit("c-1", new CampaignStore.Round(3, List.of(), List.of(), List.of(), List.of(),
                    new CampaignStore.Progress(CampaignState.COMPLETED, "done", 1, 1, 9), new CampaignStore.Reconciliation(
                    Map.of("i-1", "h2"), Map.of("h1", "xen-4.4.1"), new Audit(3000, "ferry/c-1", null, "campaign.reconcile", "c-1", "x"))));
            assertThat(s.campaigns().get("c-1").orElseThrow().state()).isEqualTo(CampaignState.COMPLETED);
            assertThat(s.inventory().load().changes()).contains(new InventoryStore.Change("move", "i-1", "h2"),
                    new InventoryStore.Change("hypervisor", "h1", "xen-4.4.1"));
            assertThat(s.tenants().instance("acme", "i-1").orElseThrow().host()).isEqualTo("h2");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void historiesStoredBeforeTypedFactsStillReadTyped(String kind) {
        try (Database db = open(kind)) {
            Stores s = Stores.over(db);
            db.tx(c -> c.prepareStatement("INSERT INTO facts (campaign, seq, t_ms, actor, op, target, outcome, epoch) VALUES"
                    + " ('old', 0, 7, 'ferry', 'host-phase', 'h1', 'FAILED: did not come back after reboot', 0),"
                    + " ('old', 1, 8, 'driver', 'run', 'i-1', 'h2', 3)").executeUpdate());
            assertThat(s.history().facts("old", List.of(Fact.HostFailed.class))).containsExactly(new HistoryRecord(7, Actor.FERRY,
                    new Fact.HostFailed("h1", Fact.HostFailure.DID_NOT_COME_BACK, null)));
            assertThat(s.campaigns().load("old").facts()).extracting(f -> f.v1().op()).containsExactly("host-phase", "run");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void tokensWebhooksAgentsRequestsAndSettings(String kind) {
        try (Database db = open(kind)) {
            Stores s = Stores.over(db);
            s.tokens().create(new TokenStore.Token("aaaa" + "0".repeat(60), "ops", "operator", null, 1));
            long before = s.tokens().revokedSince(0).mark();
            assertThat(s.tokens().revoke("aaaa", audit("token.revoke", "aaaa"))).as("the last operator token stays")
                    .isEqualTo(TokenStore.Revoked.LAST_OPERATOR);
            s.tokens().create(new TokenStore.Token("bbbb" + "0".repeat(60), "ops2", "operator", null, 2));
            assertThat(s.tokens().revoke("aaaa", audit("token.revoke", "aaaa"))).isEqualTo(TokenStore.Revoked.REVOKED);
            assertThat(s.tokens().revoke("cccc", audit("token.revoke", "cccc"))).isEqualTo(TokenStore.Revoked.NOT_FOUND);
            assertThat(s.tokens().find("bbbb" + "0".repeat(60))).isPresent();
            TokenStore.Revocations since = s.tokens().revokedSince(before);
            assertThat(since.ids()).as("the revocation made, not the refused one nor the unknown one").containsExactly("aaaa");
            assertThat(since.mark()).isGreaterThan(before);
            assertThat(s.tokens().revokedSince(since.mark()).ids()).isEmpty();

            s.webhooks().register(new WebhookStore.Webhook("wh-1", "acme", "https://example.org", "sec", 1), audit("webhook.register", "wh-1"));
            assertThat(s.webhooks().delete("other", "wh-1", audit("webhook.delete", "wh-1"))).isFalse();
            assertThat(s.webhooks().list("acme")).singleElement().satisfies(w -> assertThat(w.secret()).isNull());
            assertThat(s.webhooks().delete("acme", "wh-1", audit("webhook.delete", "wh-1"))).isTrue();

            s.agents().report(new AgentStore.Report("h1", "xen-4.1.0", "[]", 1), "agent:h1", null);
            s.agents().report(new AgentStore.Report("h1", "xen-4.1.0", "[]", 2), "agent:h1", null);
            s.agents().report(new AgentStore.Report("h1", "xen-4.4.1", "[]", 3), "agent:h1", null);
            assertThat(s.agents().all()).singleElement().satisfies(r -> assertThat(r.reportedAt()).isEqualTo(3));
            assertThat(auditLines(s, "agent.version")).as("first report and one change of version; heartbeats are not audited")
                    .isEqualTo(2);
            // a group commit: in order, each host's last report kept, each change of version audited once
            s.agents().reportAll(List.of(new AgentStore.Entry(new AgentStore.Report("h2", "xen-4.1.0", "[]", 4), "agent:h2", null),
                    new AgentStore.Entry(new AgentStore.Report("h1", "xen-4.4.1", "[]", 5), "agent:h1", null),
                    new AgentStore.Entry(new AgentStore.Report("h2", "xen-4.4.1", "[1]", 6), "agent:h2", null),
                    new AgentStore.Entry(new AgentStore.Report("h2", "xen-4.4.1", "[2]", 7), "agent:h2", null)));
            assertThat(s.agents().all()).extracting(AgentStore.Report::host, AgentStore.Report::version, AgentStore.Report::instances,
                    AgentStore.Report::reportedAt).containsExactly(org.assertj.core.groups.Tuple.tuple("h1", "xen-4.4.1", "[]", 5L),
                    org.assertj.core.groups.Tuple.tuple("h2", "xen-4.4.1", "[2]", 7L));
            assertThat(auditLines(s, "agent.version")).as("h2's first report and its change of version").isEqualTo(4);
            assertThat(s.agents().reportedAt()).containsExactlyInAnyOrderEntriesOf(java.util.Map.of("h1", 5L, "h2", 7L));
            assertThat(s.agents().since(5)).as("stored after 5, strictly").extracting(AgentStore.Report::host).containsExactly("h2");
            assertThat(s.agents().since(4)).extracting(AgentStore.Report::host).containsExactly("h1", "h2");

            assertThat(s.requests().begin("t", "k", "POST", "/x", "b", 1)).isNull();
            assertThat(s.requests().begin("t", "k", "POST", "/x", "b", 2).status()).as("in flight").isNull();
            s.requests().finish("t", "k", 201, "application/json", "{}");
            assertThat(s.requests().begin("t", "k", "POST", "/x", "b", 3).status()).isEqualTo(201);

            byte[] secret = s.settings().secret("key", () -> new byte[] {1, 2, 3});
            assertThat(s.settings().secret("key", () -> new byte[] {9})).isEqualTo(secret);

            assertThat(s.advisories().register(new AdvisoryStore.Advisory("XSA-1", "t", "doc", 1, 1), audit("advisory.register", "XSA-1")))
                    .isTrue();
            assertThat(s.advisories().register(new AdvisoryStore.Advisory("XSA-1", "t", "doc", 1, 2), audit("advisory.register", "XSA-1")))
                    .as("registered already").isFalse();
            assertThat(s.advisories().ids()).containsExactly("XSA-1");
        }
    }
}

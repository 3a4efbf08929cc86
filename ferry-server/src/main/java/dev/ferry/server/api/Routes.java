package dev.ferry.server.api;

import static dev.ferry.server.api.HttpApi.json;
import static dev.ferry.server.api.HttpApi.read;
import static dev.ferry.server.api.Requests.limit;
import static dev.ferry.server.api.Requests.rid;
import static dev.ferry.server.api.Requests.who;

import dev.ferry.core.lifecycle.HostPhase;
import dev.ferry.core.model.Fleet;
import dev.ferry.core.planner.Plan;
import dev.ferry.core.planner.Step;
import dev.ferry.formats.PlanJsonWriter;
import dev.ferry.server.Advisories;
import dev.ferry.server.AgentReports;
import dev.ferry.server.AuditLog;
import dev.ferry.server.CampaignTimeline;
import dev.ferry.server.Campaigns;
import dev.ferry.server.FleetMap;
import dev.ferry.server.Instances;
import dev.ferry.server.Inventory;
import dev.ferry.server.Page;
import dev.ferry.server.Principal;
import dev.ferry.server.Queries;
import dev.ferry.server.Refused;
import dev.ferry.server.TenantData;
import dev.ferry.server.Tokens;
import dev.ferry.server.engine.CampaignEngine;
import dev.ferry.server.engine.Command;
import dev.ferry.server.engine.EngineSnapshot;
import dev.ferry.server.webhook.Webhooks;
import dev.ferry.store.AgentStore;
import dev.ferry.store.HistoryStore;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The endpoints (docs/openapi.yaml describes each). Operators under {@code /v1}, tenants under
 * {@code /v1/tenant}; {@link HttpApi} has checked the token and the role before a handler runs,
 * and every tenant read goes through {@link TenantData}, which filters by the caller's tenant.
 */
public final class Routes {
    private final Inventory inventory;
    private final Advisories advisories;
    private final Campaigns campaigns;
    private final Queries queries;
    private final AuditLog audit;
    private final TenantData tenants;
    private final Instances instances;
    private final Webhooks webhooks;
    private final Tokens tokens;

    /** What the endpoints use, wired by {@code FerryServer}. */
    public record Services(Inventory inventory, Advisories advisories, Campaigns campaigns, Queries queries, AuditLog audit,
                           TenantData tenants, Instances instances, Webhooks webhooks, Tokens tokens, FleetMap fleetMap,
                           CampaignTimeline timeline, AgentReports agents, dev.ferry.server.Cluster cluster,
                           dev.ferry.server.Forecasts forecasts) {
    }

    private final FleetMap fleetMap;
    private final CampaignTimeline timeline;
    private final AgentReports agents;
    private final dev.ferry.server.Cluster cluster;
    private final dev.ferry.server.Forecasts forecasts;
    private final EventStreams streams;
    private final TenantRoutes tenantRoutes;

    public Routes(Services s) {
        this.instances = s.instances();
        this.inventory = s.inventory();
        this.advisories = s.advisories();
        this.campaigns = s.campaigns();
        this.queries = s.queries();
        this.audit = s.audit();
        this.tenants = s.tenants();
        this.webhooks = s.webhooks();
        this.tokens = s.tokens();
        this.fleetMap = s.fleetMap();
        this.timeline = s.timeline();
        this.agents = s.agents();
        this.cluster = s.cluster();
        this.forecasts = s.forecasts();
        this.streams = new EventStreams(campaigns, tenants, this::campaignView,
                tenant -> TenantRoutes.eventPage(tenants.events(tenant, null, null, Requests.DEFAULT_LIMIT)));
        this.tenantRoutes = new TenantRoutes(inventory, campaigns, tenants, instances, webhooks, streams, agents);
    }

    /** The server-sent event streams (HttpApi waits for them to end before it stops). */
    EventStreams streams() {
        return streams;
    }

    Campaigns campaigns() {
        return campaigns;
    }

    dev.ferry.server.Cluster cluster() {
        return cluster;
    }

    void register(JavalinConfig config) {
        var r = config.routes;
        // operators
        r.put("/v1/inventory", ctx -> json(ctx, 200, inventoryView(inventory.importFleet(HttpApi.body(ctx), who(ctx), rid(ctx)))));
        r.get("/v1/inventory", ctx -> json(ctx, 200, inventoryView(inventory.current())));
        r.post("/v1/inventory/libvirt", ctx -> json(ctx, 200, inventoryView(inventory.importFromLibvirt(who(ctx), rid(ctx)))));
        r.get("/v1/me", this::me);
        r.get("/v1/cluster", ctx -> json(ctx, 200, cluster.view()));
        r.get("/v1/hosts", this::hosts);
        r.get("/v1/fleet/map", ctx -> json(ctx, 200, fleetMap.view()));
        r.post("/v1/hosts/{host}/cordon", ctx -> cordon(ctx, true));
        r.post("/v1/hosts/{host}/uncordon", ctx -> cordon(ctx, false));
        r.post("/v1/advisories", ctx -> json(ctx, 201, advisoryView(advisories.register(HttpApi.body(ctx), who(ctx), rid(ctx)))));
        r.get("/v1/advisories", ctx -> json(ctx, 200, Map.of("items", advisories.ids())));
        r.get("/v1/advisories/{advisory}", ctx -> json(ctx, 200, advisoryView(advisories.get(ctx.pathParam("advisory")))));
        r.put("/v1/advisories/{advisory}", ctx -> json(ctx, 200, advisoryView(advisories.amend(ctx.pathParam("advisory"),
                HttpApi.body(ctx), who(ctx), rid(ctx)))));
        r.delete("/v1/advisories/{advisory}", ctx -> json(ctx, 200, advisoryView(advisories.withdraw(ctx.pathParam("advisory"),
                who(ctx), rid(ctx)))));
        r.post("/v1/campaigns", this::propose);
        r.get("/v1/campaigns", ctx -> json(ctx, 200, Map.of("items", campaigns.list().stream().map(this::campaignView).toList())));
        r.get("/v1/campaigns/{campaign}", ctx -> json(ctx, 200, campaignView(campaigns.row(ctx.pathParam("campaign")))));
        r.get("/v1/campaigns/{campaign}/steps", this::steps);
        r.get("/v1/campaigns/{campaign}/stream", ctx -> {
            Campaigns.Row row = campaigns.row(ctx.pathParam("campaign")); // 404 before the stream starts
            streams.campaign(ctx, row);
        });
        r.get("/v1/campaigns/{campaign}/plan", this::plan);
        r.get("/v1/campaigns/{campaign}/timeline", ctx -> json(ctx, 200, timeline.of(ctx.pathParam("campaign"))));
        r.post("/v1/campaigns/{campaign}/approve", ctx -> json(ctx, 200,
                campaignView(campaigns.approve(ctx.pathParam("campaign"), who(ctx), rid(ctx)))));
        r.post("/v1/campaigns/{campaign}/pause", ctx -> operatorCommand(ctx, new Command.Pause(who(ctx).actor(), rid(ctx))));
        r.post("/v1/campaigns/{campaign}/resume", ctx -> operatorCommand(ctx, new Command.Resume(who(ctx).actor(), rid(ctx))));
        r.post("/v1/campaigns/{campaign}/abort", ctx -> {
            Bodies.Reason body = read(ctx, Bodies.Reason.class);
            if (body.reason() == null || body.reason().isBlank()) {
                throw Refused.invalid("reason is required");
            }
            operatorCommand(ctx, new Command.Abort(body.reason(), who(ctx).actor(), rid(ctx)));
        });
        r.get("/v1/history", ctx -> json(ctx, 200, historyPage(queries.history(ctx.queryParam("campaign"), ctx.queryParam("target"),
                ctx.queryParam("tenant"), ctx.queryParam("cursor"), limit(ctx)))));
        r.get("/v1/audit", ctx -> json(ctx, 200, audit.page(ctx.queryParam("actor"), ctx.queryParam("target"),
                ctx.queryParam("action"), ctx.queryParam("cursor"), limit(ctx))));
        r.get("/v1/model", ctx -> json(ctx, 200, forecasts.model().orElseThrow(() -> Refused.notFound(
                "model (it is learnt when the first campaign on host agents ends, or imported with PUT /v1/model)"))));
        r.put("/v1/model", ctx -> json(ctx, 200, forecasts.importModel(HttpApi.body(ctx), who(ctx), rid(ctx))));
        r.get("/v1/agents", ctx -> {
            var page = agents.page(ctx.queryParam("cursor"), limit(ctx));
            json(ctx, 200, new Page<>(page.items().stream().map(this::agentView).toList(), page.next()));
        });
        r.post("/v1/tokens", this::createToken);
        r.get("/v1/tokens", ctx -> json(ctx, 200, Map.of("items", tokens.list())));
        r.delete("/v1/tokens/{token}", ctx -> {
            tokens.revoke(ctx.pathParam("token"), who(ctx), rid(ctx));
            ctx.status(204);
        });
        // host agents
        r.post("/v1/agent/report", ctx -> {
            Bodies.AgentReport b = read(ctx, Bodies.AgentReport.class);
            json(ctx, 200, agentView(agents.record(who(ctx), b.host(), b.version(), b.instances(), rid(ctx))));
        });
        tenantRoutes.register(r);
    }

    // ------------------------------------------------------------------ operators

    /** Who the token is: the dashboard asks after sign-in to choose its views (any role). */
    private void me(Context ctx) {
        Principal p = who(ctx);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", p.role().name().toLowerCase(Locale.ROOT));
        m.put("tenant", p.role() == Principal.Role.TENANT ? p.tenant() : null);
        m.put("host", p.host());
        m.put("name", p.name());
        json(ctx, 200, m);
    }

    private static Map<String, Object> inventoryView(Inventory.Current c) {
        return Map.of("version", c.version(), "hosts", c.fleet().hosts().size(), "instances", c.fleet().instances().size(),
                "zones", c.fleet().zones());
    }

    private void hosts(Context ctx) {
        Fleet fleet = inventory.current().fleet();
        String zone = ctx.queryParam("zone");
        String after = ctx.queryParam("cursor");
        int limit = limit(ctx);
        EngineSnapshot live = liveSnapshot();
        Map<String, AgentReports.Health> health = agents.healthByHost();
        List<Map<String, Object>> items = new ArrayList<>();
        String next = null;
        int[] byId = fleet.hostsById(); // pages follow the ids' order, whatever the inventory's order is
        for (int k = 0; k < byId.length; k++) {
            int h = byId[k];
            var host = fleet.host(h);
            if (zone != null && !zone.equals(host.zone()) || after != null && host.id().compareTo(after) <= 0) {
                continue;
            }
            if (items.size() == limit) {
                next = (String) items.get(limit - 1).get("id");
                break;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", host.id());
            m.put("zone", host.zone());
            m.put("rack", host.rack());
            m.put("hypervisor", host.hypervisor());
            m.put("state", host.state().wireName());
            m.put("instances", fleet.instanceCountOn(h));
            if (live != null && h < live.phases().length) {
                m.put("phase", live.phases()[h].name().toLowerCase(Locale.ROOT));
            }
            AgentReports.Health hh = health.get(host.id());
            if (hh != null) {
                m.put("health", hh.state());
                m.put("lastReport", hh.lastReportAt() == null ? null : Instant.ofEpochMilli(hh.lastReportAt()).toString());
            }
            items.add(m);
        }
        json(ctx, 200, new Page<>(items, next));
    }

    /** The snapshot of the campaign running on the current inventory, if any. */
    private EngineSnapshot liveSnapshot() {
        for (CampaignEngine e : campaigns.engines().values()) {
            EngineSnapshot s = e.snapshot();
            if (s != null && !s.done()) {
                return s;
            }
        }
        return null;
    }

    private void cordon(Context ctx, boolean cordon) throws IOException {
        Bodies.Reason body = read(ctx, Bodies.Reason.class);
        json(ctx, 200, inventoryView(inventory.cordon(ctx.pathParam("host"), cordon, body.reason(), who(ctx), rid(ctx))));
    }

    private static Map<String, Object> advisoryView(Advisories.Registered r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", r.advisory().id());
        m.put("title", r.advisory().title());
        m.put("fixedVersion", r.advisory().fixedVersion());
        if (!r.advisory().fixedIn().isEmpty()) {
            m.put("fixedIn", r.advisory().fixedIn().stream().map(f -> Map.of("branch", f.branch().toString(), "version", f.version()))
                    .toList());
        }
        m.put("disclosure", r.advisory().disclosure() == null ? null : r.advisory().disclosure().toString());
        m.put("state", r.withdrawnAt() != null ? "withdrawn" : r.amendedAt() != null ? "amended" : "registered");
        m.put("amendedAt", r.amendedAt() == null ? null : Instant.ofEpochMilli(r.amendedAt()).toString());
        m.put("withdrawnAt", r.withdrawnAt() == null ? null : Instant.ofEpochMilli(r.withdrawnAt()).toString());
        m.put("affectedHosts", r.affectedHosts().size());
        m.put("affected", r.affectedHosts().size() <= 1000 ? r.affectedHosts() : r.affectedHosts().subList(0, 1000));
        return m;
    }

    private void propose(Context ctx) throws IOException {
        Bodies.ProposeCampaign b = read(ctx, Bodies.ProposeCampaign.class);
        if (b.advisory() == null) {
            throw Refused.invalid("advisory is required");
        }
        int runs = b.forecast() == null ? forecasts.defaultRuns() : b.forecast();
        if (runs < 0 || runs > dev.ferry.server.Forecasts.MAX_RUNS) {
            throw Refused.invalid("forecast must be 0 (none) to " + dev.ferry.server.Forecasts.MAX_RUNS + " runs");
        }
        Campaigns.Row row = campaigns.create(b.advisory(), b.policy(), b.strategy(), b.accel(), b.seed(), b.hypervisors(),
                forecasts.tenants(), who(ctx), rid(ctx));
        forecasts.start(row.id(), runs, () -> campaigns.load(row.id()));
        json(ctx, 201, campaignView(row));
    }

    private Map<String, Object> campaignView(Campaigns.Row r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", r.id());
        m.put("advisory", r.advisory());
        m.put("inventoryVersion", r.inventoryVersion());
        m.put("strategy", r.strategy());
        m.put("state", r.state().wireName());
        m.put("createdAt", Instant.ofEpochMilli(r.createdAt()).toString());
        m.put("startedAt", r.startedAt() == null ? null : Instant.ofEpochMilli(r.startedAt()).toString());
        m.put("accel", r.accel());
        m.put("hypervisors", r.hypervisors());
        m.put("predictedSeconds", r.predictedSeconds());
        m.put("expectedSeconds", r.expectedSeconds());
        m.put("lowerBoundSeconds", r.lowerBoundSeconds());
        m.put("deadlineSlackSeconds", r.slackSeconds());
        m.put("steps", r.steps());
        m.put("affectedHosts", r.affectedHosts());
        m.put("hostsPatched", r.hostsPatched());
        m.put("hostsFailed", r.hostsFailed());
        m.put("virtualSeconds", r.virtualMs() / 1000);
        m.put("endReason", r.endReason());
        m.put("forecast", forecasts.view(r.id()));
        CampaignEngine e = campaigns.engine(r.id());
        EngineSnapshot s = e == null ? null : e.snapshot();
        if (s != null) {
            Map<String, Object> live = new LinkedHashMap<>();
            live.put("state", s.state().name().toLowerCase(Locale.ROOT));
            live.put("virtualSeconds", s.virtualMs() / 1000);
            live.put("hostsPatched", s.hostsPatched());
            live.put("hostsFailed", s.hostsFailed());
            live.put("hostsSkipped", s.hostsSkipped());
            live.put("liveMigrations", s.liveMigrations());
            live.put("relocations", s.relocations());
            live.put("rebootsInPlace", s.rebootsInPlace());
            live.put("failedMigrations", s.failedMigrations());
            live.put("eventsCompleted", s.completedEvents());
            Map<String, Integer> phases = new LinkedHashMap<>();
            s.hostsByPhase().forEach((p, n) -> phases.put(p.name().toLowerCase(Locale.ROOT), n));
            live.put("hostsByPhase", phases);
            live.put("violations", s.violations());
            live.put("replayMillis", e.replayMillis());
            live.put("waitingForDatabase", s.waitingForStore());
            m.put("live", live);
        }
        return m;
    }

    private void steps(Context ctx) {
        Campaigns.Loaded l = campaigns.load(ctx.pathParam("campaign"));
        CampaignEngine e = campaigns.engine(l.row().id());
        EngineSnapshot s = e == null ? null : e.snapshot();
        Fleet fleet = l.problem().fleet();
        int after = -1;
        String cursor = ctx.queryParam("cursor");
        if (cursor != null) {
            try {
                after = Integer.parseInt(cursor);
            } catch (NumberFormatException x) {
                throw Refused.invalid("cursor is not one this server gave out");
            }
        }
        int limit = limit(ctx);
        List<Map<String, Object>> items = new ArrayList<>();
        Plan plan = l.plan();
        int k = after + 1;
        for (; k < plan.steps().size() && items.size() < limit; k++) {
            Step st = plan.steps().get(k);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("index", k);
            m.put("host", st.host());
            m.put("zone", st.zone());
            m.put("plannedStartSeconds", st.start());
            m.put("plannedEndSeconds", st.end());
            m.put("canary", st.canary());
            m.put("moves", st.moves().size());
            HostPhase phase = s == null ? HostPhase.WAITING : s.phases()[fleet.hostIndex(st.host())];
            m.put("state", phase.name().toLowerCase(Locale.ROOT));
            items.add(m);
        }
        json(ctx, 200, new Page<>(items, k < plan.steps().size() ? Integer.toString(k - 1) : null));
    }

    private void plan(Context ctx) {
        Campaigns.Loaded l = campaigns.load(ctx.pathParam("campaign"));
        ctx.status(200).contentType("application/json").result(PlanJsonWriter.json(l.plan()));
    }

    private void operatorCommand(Context ctx, Command c) {
        String id = ctx.pathParam("campaign");
        campaigns.row(id);
        Command.Outcome o = campaigns.command(id, c);
        if (!o.accepted()) {
            throw Refused.conflict(o.message());
        }
        json(ctx, 200, campaignView(campaigns.row(id)));
    }

    /** A page of stored facts: each a history/v2 line's fields, with its campaign, position and a sentence for people. */
    private static Page<Map<String, Object>> historyPage(Page<HistoryStore.Stored> p) {
        List<Map<String, Object>> items = new ArrayList<>();
        for (HistoryStore.Stored f : p.items()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("campaign", f.campaign());
            m.put("seq", f.seq());
            m.put("t", f.record().timeMs());
            m.put("actor", f.record().actor().wireName());
            m.putAll(dev.ferry.formats.HistoryJson.fields(f.record().fact()));
            m.put("summary", dev.ferry.formats.HistoryText.describe(f.record().fact()));
            items.add(m);
        }
        return new Page<>(items, p.next());
    }

    private Map<String, Object> agentView(AgentStore.Report r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("host", r.host());
        m.put("version", r.version());
        m.put("reportedAt", Instant.ofEpochMilli(r.reportedAt()).toString());
        m.put("health", agents.health(r.host(), r.reportedAt()).state());
        try {
            m.put("instances", HttpApi.JSON.readTree(r.instances()));
        } catch (IOException e) {
            m.put("instances", List.of());
        }
        return m;
    }

    private void createToken(Context ctx) throws IOException {
        Bodies.CreateToken b = read(ctx, Bodies.CreateToken.class);
        Principal.Role role = switch (b.role() == null ? "" : b.role()) {
            case "operator" -> Principal.Role.OPERATOR;
            case "tenant" -> Principal.Role.TENANT;
            case "agent" -> Principal.Role.AGENT;
            default -> throw Refused.invalid("role must be operator, tenant or agent");
        };
        if (role == Principal.Role.AGENT && (b.host() == null || inventory.current().fleet().hostIndex(b.host()) < 0)) {
            throw Refused.invalid("an agent token names a host of the inventory (host)");
        }
        if (role != Principal.Role.AGENT && b.host() != null || role == Principal.Role.AGENT && b.tenant() != null) {
            throw Refused.invalid("only an agent token names a host, and it names no tenant");
        }
        if (b.name() == null || b.name().isBlank() || b.name().length() > 200) {
            throw Refused.invalid("name is required (at most 200 characters)");
        }
        if (b.ttlSeconds() != null && !(b.ttlSeconds() >= 60 && b.ttlSeconds() <= 10L * 366 * 86_400)) {
            throw Refused.invalid("ttlSeconds must be 60 to 316224000 (ten years), or left out (valid until revoked)");
        }
        String token = tokens.create(role, role == Principal.Role.AGENT ? b.host() : b.tenant(), b.name(),
                b.ttlSeconds() == null ? null : java.time.Duration.ofSeconds(b.ttlSeconds()));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("token", token);
        m.put("role", b.role());
        m.put("tenant", b.tenant());
        m.put("host", b.host());
        m.put("name", b.name());
        m.put("ttlSeconds", b.ttlSeconds());
        json(ctx, 201, m);
    }
}

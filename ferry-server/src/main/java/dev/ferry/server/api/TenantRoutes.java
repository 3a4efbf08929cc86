package dev.ferry.server.api;

import static dev.ferry.server.api.HttpApi.json;
import static dev.ferry.server.api.HttpApi.read;
import static dev.ferry.server.api.Requests.limit;
import static dev.ferry.server.api.Requests.rid;
import static dev.ferry.server.api.Requests.state;
import static dev.ferry.server.api.Requests.tenant;
import static dev.ferry.server.api.Requests.who;

import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.OnHostMaintenance;
import dev.ferry.server.AgentReports;
import dev.ferry.server.Campaigns;
import dev.ferry.server.Instances;
import dev.ferry.server.Inventory;
import dev.ferry.server.Page;
import dev.ferry.server.Principal;
import dev.ferry.server.Refused;
import dev.ferry.server.TenantData;
import dev.ferry.server.engine.Command;
import dev.ferry.server.webhook.Webhooks;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The tenants' endpoints under {@code /v1/tenant} (docs/openapi.yaml): their instances, their
 * maintenance events and webhooks. Every read goes through {@link TenantData}, which filters by
 * the caller's tenant.
 */
final class TenantRoutes {
    private final Inventory inventory;
    private final Campaigns campaigns;
    private final TenantData tenants;
    private final Instances instances;
    private final Webhooks webhooks;
    private final EventStreams streams;
    private final AgentReports agents;

    TenantRoutes(Inventory inventory, Campaigns campaigns, TenantData tenants, Instances instances, Webhooks webhooks,
                 EventStreams streams, AgentReports agents) {
        this.agents = agents;
        this.inventory = inventory;
        this.campaigns = campaigns;
        this.tenants = tenants;
        this.instances = instances;
        this.webhooks = webhooks;
        this.streams = streams;
    }

    void register(RoutesConfig r) {
        r.get("/v1/tenant/instances", ctx -> json(ctx, 200, tenants.instances(tenant(ctx), ctx.queryParam("cursor"), limit(ctx))));
        r.get("/v1/tenant/instances/{instance}", ctx -> json(ctx, 200, tenants.instance(tenant(ctx), ctx.pathParam("instance"))));
        r.patch("/v1/tenant/instances/{instance}", this::instanceSettings);
        r.post("/v1/tenant/instances", ctx -> {
            Bodies.LaunchInstance b = read(ctx, Bodies.LaunchInstance.class);
            json(ctx, 201, instances.launch(who(ctx), new Instances.Launch(b.cpus(), b.memoryMiB(), b.group(),
                    b.onHostMaintenance()), rid(ctx)));
        });
        r.post("/v1/tenant/instances/{instance}/stop", ctx -> json(ctx, 200,
                instances.stop(who(ctx), ctx.pathParam("instance"), rid(ctx))));
        r.post("/v1/tenant/instances/{instance}/start", ctx -> json(ctx, 200,
                instances.start(who(ctx), ctx.pathParam("instance"), rid(ctx))));
        r.post("/v1/tenant/instances/{instance}/reboot", ctx -> json(ctx, 200,
                instances.reboot(who(ctx), ctx.pathParam("instance"), rid(ctx))));
        r.delete("/v1/tenant/instances/{instance}", ctx -> {
            instances.terminate(who(ctx), ctx.pathParam("instance"), rid(ctx));
            ctx.status(204);
        });
        r.get("/v1/tenant/events", ctx -> json(ctx, 200, eventPage(tenants.events(tenant(ctx), state(ctx), ctx.queryParam("cursor"),
                limit(ctx)))));
        r.get("/v1/tenant/events/{event}", ctx -> json(ctx, 200, eventView(tenants.event(tenant(ctx), ctx.pathParam("event")))));
        r.get("/v1/tenant/stream", ctx -> streams.tenant(ctx, tenant(ctx)));
        r.post("/v1/tenant/events/{event}/reschedule", this::reschedule);
        r.post("/v1/tenant/events/{event}/now", this::now);
        r.post("/v1/agent/instances/{instance}/events/{event}/now", this::guestNow);
        r.post("/v1/tenant/webhooks", ctx -> {
            Bodies.RegisterWebhook body = read(ctx, Bodies.RegisterWebhook.class);
            json(ctx, 201, webhooks.register(who(ctx), body.url(), rid(ctx)));
        });
        r.get("/v1/tenant/webhooks", ctx -> json(ctx, 200, Map.of("items", webhooks.list(tenant(ctx)))));
        r.get("/v1/tenant/webhooks/{webhook}", ctx -> json(ctx, 200, webhooks.get(tenant(ctx), ctx.pathParam("webhook"))));
        r.delete("/v1/tenant/webhooks/{webhook}", ctx -> {
            webhooks.delete(who(ctx), ctx.pathParam("webhook"), rid(ctx));
            ctx.status(204);
        });
    }

    private void instanceSettings(Context ctx) throws IOException {
        Bodies.InstanceSettings b = read(ctx, Bodies.InstanceSettings.class);
        OnHostMaintenance value = null;
        for (OnHostMaintenance o : OnHostMaintenance.values()) {
            if (o.wireName().equals(b.onHostMaintenance())) {
                value = o;
            }
        }
        String id = ctx.pathParam("instance");
        tenants.instance(tenant(ctx), id); // 404 for another tenant's instance before the body is judged
        if (value == null) {
            throw Refused.invalid("onHostMaintenance must be migrate, restart or reboot-in-place");
        }
        inventory.onHostMaintenance(tenant(ctx), id, value, who(ctx), rid(ctx));
        json(ctx, 200, tenants.instance(tenant(ctx), id));
    }

    private void reschedule(Context ctx) throws IOException {
        TenantData.EventView e = tenants.event(tenant(ctx), ctx.pathParam("event"));
        informationalRefused(e, "rescheduled");
        Bodies.Reschedule b = read(ctx, Bodies.Reschedule.class);
        Instant at;
        try {
            at = Instant.parse(b.notBefore() == null ? "" : b.notBefore());
        } catch (DateTimeParseException x) {
            throw Refused.invalid("notBefore must be an ISO-8601 instant, e.g. 2026-11-28T10:00:00Z");
        }
        if (at.toEpochMilli() > e.deadline()) {
            throw Refused.conflict("notBefore is after the event's deadline " + Instant.ofEpochMilli(e.deadline()));
        }
        tenantCommand(ctx, tenant(ctx), e, new Command.TenantReschedule(e.instance(), at.toEpochMilli(), who(ctx).actor(), rid(ctx)));
    }

    private void now(Context ctx) {
        TenantData.EventView e = tenants.event(tenant(ctx), ctx.pathParam("event"));
        informationalRefused(e, "done now");
        tenantCommand(ctx, tenant(ctx), e, new Command.TenantNow(e.instance(), who(ctx).actor(), rid(ctx)));
    }

    /**
     * A guest acknowledged its event through its metadata listener (Azure's StartRequests), passed
     * on by the agent of the host it runs on: the tenant's "now", asked from inside the instance. The
     * agent's token names its host; the campaign must have the instance there (its own placement, not
     * the agent's word) and that host's last report must show it running; the event must still wait
     * to start (scheduled or rescheduled).
     */
    private void guestNow(Context ctx) {
        Principal agent = who(ctx);
        String instance = ctx.pathParam("instance");
        Fleet fleet = inventory.current().fleet();
        int i = fleet.instanceIndex(instance);
        TenantData.EventView e = i < 0 ? null : tenants.event(fleet.instance(i).tenant(), ctx.pathParam("event"));
        var engine = e == null || !e.instance().equals(instance) ? null : campaigns.engine(e.campaign());
        if (e == null || !e.instance().equals(instance)) {
            throw Refused.notFound("event");
        }
        if (!campaigns.live(e.campaign())) {
            throw Refused.conflict("the campaign of this event is not running");
        }
        // the loop's placement where it runs on this controller; the agents' reports (stored) on any
        var placement = engine == null ? null : engine.snapshot();
        if (engine != null && (placement == null || !agent.host().equals(placement.hostOf(instance)))
                || !agents.reportsRunning(agent.host(), instance)) {
            throw Refused.forbidden("instance " + instance + " does not run on host " + agent.host());
        }
        informationalRefused(e, "done now");
        if (!e.state().equals("scheduled") && !e.state().equals("rescheduled")) {
            throw Refused.conflict("event " + e.id() + " is " + e.state() + ": only an event that waits to start can be started now");
        }
        tenantCommand(ctx, fleet.instance(i).tenant(), e, new Command.TenantNow(instance, "guest:" + instance + "@" + agent.host(),
                rid(ctx)));
    }

    /** A live migration's event tells; it cannot be moved (the instance's own stop and start moves it to a patched host). */
    private static void informationalRefused(TenantData.EventView e, String what) {
        if (e.informational()) {
            throw Refused.conflict("event " + e.id() + " is informational (a live migration: the instance keeps running) and cannot be "
                    + what + "; stopping and starting the instance moves it to a patched host");
        }
    }

    private void tenantCommand(Context ctx, String tenant, TenantData.EventView e, Command c) {
        if (!campaigns.live(e.campaign())) {
            throw Refused.conflict("the campaign of this event is not running");
        }
        Command.Outcome o = campaigns.command(e.campaign(), c);
        if (!o.accepted()) {
            throw Refused.byCampaign(o.message(), null, o.reason());
        }
        json(ctx, 202, eventView(tenants.event(tenant, e.id())));
    }

    static Map<String, Object> eventView(TenantData.EventView e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", e.id());
        m.put("instance", e.instance());
        m.put("state", e.state());
        m.put("kind", e.kind());
        m.put("informational", e.informational());
        m.put("notBefore", Instant.ofEpochMilli(e.notBefore()).toString());
        m.put("notBeforeDeadline", Instant.ofEpochMilli(e.deadline()).toString());
        m.put("deadline", Instant.ofEpochMilli(e.deadline()).toString());
        m.put("notAfter", e.notAfter() == 0 ? null : Instant.ofEpochMilli(e.notAfter()).toString());
        m.put("fallbackAfter", e.fallbackAfter() == null ? null : Instant.ofEpochMilli(e.fallbackAfter()).toString());
        m.put("expectedDowntimeMs", e.expectedDowntimeMs());
        m.put("detail", e.detail());
        m.put("newHost", e.newHost());
        m.put("downtimeMs", e.downtimeMs());
        m.put("updatedAt", Instant.ofEpochMilli(e.updatedAt()).toString());
        return m;
    }

    static Page<Map<String, Object>> eventPage(Page<TenantData.EventView> p) {
        return new Page<>(p.items().stream().map(TenantRoutes::eventView).toList(), p.next());
    }
}

package dev.ferry.server;

import dev.ferry.core.planner.MoveKind;
import dev.ferry.store.TenantStore;
import java.util.List;

/**
 * Everything a tenant reads goes through here, and every query is filtered by the caller's tenant:
 * another tenant's object is not found, exactly like an object that does not exist. Hosts are shown
 * as per-tenant opaque ids. Thread-safe.
 */
public final class TenantData {
    /** An instance as its tenant sees it: the host is a per-tenant opaque id. */
    public record InstanceView(String id, String state, String group, int cpus, long memoryMiB, String onHostMaintenance,
                               String host) {
    }

    /** A maintenance event as its tenant sees it. Times are wall-clock milliseconds ({@code notAfter} 0: unknown). */
    public record EventView(String id, String campaign, String instance, String state, long notBefore, long deadline,
                            String detail, String newHost, Long downtimeMs, long updatedAt, String kind, long notAfter,
                            Long fallbackAfter, Long expectedDowntimeMs) {
        /** A live migration's event: the instance keeps running; there is nothing to reschedule or do now. */
        public boolean informational() {
            return MoveKind.LIVE_MIGRATE.wireName().equals(kind);
        }
    }

    private final TenantStore store;
    private final OpaqueHosts hosts;

    public TenantData(TenantStore store, OpaqueHosts hosts) {
        this.store = store;
        this.hosts = hosts;
    }

    public Page<InstanceView> instances(String tenant, String after, int limit) {
        List<InstanceView> out = store.instances(tenant, after, limit + 1).stream().map(i -> view(tenant, i)).toList();
        return Page.of(out, limit, InstanceView::id);
    }

    public InstanceView instance(String tenant, String id) {
        return store.instance(tenant, id).map(i -> view(tenant, i)).orElseThrow(() -> Refused.notFound("instance"));
    }

    private InstanceView view(String tenant, TenantStore.Instance i) {
        return new InstanceView(i.id(), i.state(), i.group(), i.cpus(), i.memoryMiB(), i.onHostMaintenance(), hosts.of(tenant, i.host()));
    }

    public Page<EventView> events(String tenant, String state, String after, int limit) {
        return Page.of(store.events(tenant, state, after, limit + 1).stream().map(TenantData::view).toList(), limit, EventView::id);
    }

    /** Changes whenever one of the tenant's events is added or changes. */
    public String eventsSignature(String tenant) {
        return store.eventsSignature(tenant);
    }

    public EventView event(String tenant, String id) {
        return store.event(tenant, id).map(TenantData::view).orElseThrow(() -> Refused.notFound("event"));
    }

    private static EventView view(TenantStore.Event e) {
        return new EventView(e.id(), e.campaign(), e.instance(), e.state(), e.notBefore(), e.deadline(), e.detail(), e.newHost(),
                e.downtimeMs(), e.updatedAt(), e.kind(), e.notAfter(), e.fallbackAfter(), e.expectedDowntimeMs());
    }
}

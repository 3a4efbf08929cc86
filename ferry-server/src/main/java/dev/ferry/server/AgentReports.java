package dev.ferry.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.core.model.Fleet;
import dev.ferry.store.AgentStore;
import dev.ferry.store.Audit;
import dev.ferry.store.InventoryStore;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Host agents' reports (heartbeats with the hypervisor version and the instances running): the
 * latest per host. An agent's token names its host, and a report for any other host is refused, so
 * an agent reports only for its own host. A change of version is audited; heartbeats are not.
 *
 * <p>The version an agent reports is the truth about its host: when it differs from the
 * inventory's, the inventory follows (a {@code hypervisor} change, audited as
 * {@code inventory.reconcile}), so a host patched outside Ferry stops counting as affected and a
 * host rolled back counts again. Not while a campaign runs: it verifies and records the versions
 * of the hosts it patches itself, and the next report after it ends reconciles the others (while
 * it runs, a refused host and version is tried again every {@value #RECONCILE_RETRY_MS} ms); a
 * running campaign is told of the version instead ({@link #onVersionDuringCampaign}: a host fixed
 * outside it leaves it before its step).
 *
 * <p>Health: a host whose agent reported within the suspect threshold (a quarter of the down
 * threshold, at most 30 s) is {@code up}; silent longer, {@code suspect}; silent past the down
 * threshold ({@code ferry server --host-down-after}, 2 minutes by default), {@code down} (silence
 * counted from this controller's start at the earliest); never
 * heard of, {@code unknown} (agents report every 5 s by default). {@link #watch} audits every
 * change of a host's health ({@code host.health}) and returns it; the server calls it every few
 * seconds and tells a running campaign of each host that went down.
 */
public final class AgentReports {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AgentStore store;
    private final InventoryStore inventoryStore;
    private final Inventory inventory;
    private final AuditLog audit;
    private final InstantSource clock;
    private final long suspectAfterMs;
    private final long downAfterMs;
    private final ReportBatches batches;
    /** When this controller started: silence before it is not counted. */
    private final long startedAt;

    public AgentReports(AgentStore store, InventoryStore inventoryStore, Inventory inventory, AuditLog audit, InstantSource clock,
                        Duration downAfter) {
        this.store = store;
        this.audit = audit;
        this.inventoryStore = inventoryStore;
        this.inventory = inventory;
        this.clock = clock;
        this.downAfterMs = downAfter.toMillis();
        this.suspectAfterMs = Math.min(30_000, downAfterMs / 4);
        this.batches = new ReportBatches(store);
        this.startedAt = clock.millis();
    }

    /** A campaign ended: the versions it refused to take into the inventory are tried again at their next report. */
    public void campaignEnded() {
        refusedAt.clear();
    }

    /** The server is stopping: reports are no longer stored. */
    public void close() {
        batches.close();
    }

    public AgentStore.Report record(Principal agent, String host, String version, List<Map<String, Object>> instances,
                                    String requestId) {
        if (host == null || !host.equals(agent.host())) {
            throw Refused.forbidden("this token reports for host " + agent.host() + " only");
        }
        if (version == null || version.isBlank() || version.length() > 200 || instances == null) {
            throw Refused.invalid("version and instances are required");
        }
        if (inventory.current().fleet().hostIndex(host) < 0) {
            throw Refused.notFound("host");
        }
        String list;
        try {
            list = JSON.writeValueAsString(instances);
        } catch (JsonProcessingException e) {
            throw Refused.invalid("instances: " + e.getOriginalMessage());
        }
        AgentStore.Report r = new AgentStore.Report(host, version, list, clock.millis());
        batches.store(new AgentStore.Entry(r, agent.actor(), requestId));
        reconcile(agent, host, version, requestId);
        return r;
    }

    private void reconcile(Principal agent, String host, String version, String requestId) {
        Fleet fleet = inventory.current().fleet();
        String recorded = fleet.host(fleet.hostIndex(host)).hypervisor();
        if (recorded.equals(version)) {
            return;
        }
        Long refused = refusedAt.get(host + " " + version);
        if (refused != null && clock.millis() - refused < RECONCILE_RETRY_MS) {
            return; // a campaign refused it lately: its own hosts report the fixed version every heartbeat until it ends
        }
        synchronized (inventory.writes()) {
            long v = inventoryStore.hypervisor(host, version, new Audit(clock.millis(), agent.actor(), requestId, "inventory.reconcile",
                    host, "its agent reports " + version + "; the inventory said " + recorded));
            if (v >= 0) {
                inventory.changed(List.of(new InventoryStore.Change("hypervisor", host, version)), v);
                toldCampaigns.remove(host);
                refusedAt.remove(host + " " + version);
                return;
            }
            refusedAt.put(host + " " + version, clock.millis());
            if (!version.equals(toldCampaigns.put(host, version))) {
                duringCampaign.accept(host, version); // a campaign runs: it is told once per version
            }
        }
    }

    private final Map<String, String> toldCampaigns = new HashMap<>();
    /**
     * While a campaign runs the inventory does not follow a version (the store refuses): the same
     * host and version are tried again after {@value #RECONCILE_RETRY_MS} ms, not at every heartbeat
     * (at 10,000 hosts that would be a transaction under the inventory's lock for each).
     */
    static final long RECONCILE_RETRY_MS = 30_000;
    private final Map<String, Long> refusedAt = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile java.util.function.BiConsumer<String, String> duringCampaign = (host, version) -> {
    };

    /** Told of a version an agent reports while a campaign runs (the inventory follows only after it), once per host and version. */
    public void onVersionDuringCampaign(java.util.function.BiConsumer<String, String> listener) {
        this.duringCampaign = listener;
    }

    public List<AgentStore.Report> all() {
        return store.all();
    }

    /** A page of the reports in host order, after {@code cursor} (a host id; null: from the first). */
    public Page<AgentStore.Report> page(String cursor, int limit) {
        return Page.of(store.page(cursor, limit + 1), limit, AgentStore.Report::host);
    }

    /** The host's agent last reported the instance alive there, running or migrating out. */
    public boolean reportsRunning(String host, String instance) {
        for (AgentStore.Report r : store.all()) {
            if (r.host().equals(host)) {
                try {
                    for (var i : JSON.readTree(r.instances())) {
                        if (i.path("id").asText().equals(instance) && dev.ferry.agent.driver.Adoption.runsHere(i)) {
                            return true;
                        }
                    }
                } catch (JsonProcessingException e) {
                    return false; // stored by this class as JSON: not reached
                }
            }
        }
        return false;
    }

    /** A host's health as its agent's reports tell it: up, suspect, down or unknown. */
    public record Health(String host, String state, Long lastReportAt) {
    }

    /**
     * The health of a host whose agent last reported at {@code lastReportAt} (null: never), now. Silence
     * counts from this controller's start at the earliest: it was not listening before (a restarted
     * controller under 5,000 agents called hosts down whose reports had not got through in its first
     * minutes, and fenced them; Kubernetes' node controller has a startup grace for the same reason).
     */
    public Health health(String host, Long lastReportAt) {
        if (lastReportAt == null) {
            return new Health(host, "unknown", null);
        }
        long silent = clock.millis() - Math.max(lastReportAt, startedAt);
        String state = silent <= suspectAfterMs ? "up" : silent <= downAfterMs ? "suspect" : "down";
        return new Health(host, state, lastReportAt);
    }

    /** Every host that has an agent (in the inventory) or has reported, by host id. */
    public Map<String, Health> healthByHost() {
        Map<String, Long> last = store.reportedAt();
        Map<String, Health> out = new TreeMap<>();
        for (var h : inventory.current().fleet().hosts()) {
            if (h.agent() != null || last.containsKey(h.id())) {
                out.put(h.id(), health(h.id(), last.get(h.id())));
            }
        }
        return out;
    }

    private final Map<String, String> lastSeen = new HashMap<>();

    /** Audits each host whose health changed since the last call ({@code host.health}); returns those changes. */
    public synchronized List<Health> watch() {
        List<Health> changed = new ArrayList<>();
        for (Health h : healthByHost().values()) {
            String before = lastSeen.put(h.host(), h.state());
            if (before != null && !before.equals(h.state()) || before == null && !h.state().equals("up") && !h.state().equals("unknown")) {
                changed.add(h);
                audit.done(clock.millis(), "ferry", null, "host.health", h.host(), (before == null ? "" : before + " → ") + h.state()
                        + (h.lastReportAt() == null ? "" : ", last report " + (clock.millis() - h.lastReportAt()) / 1000 + " s ago"));
            }
        }
        return changed;
    }
}

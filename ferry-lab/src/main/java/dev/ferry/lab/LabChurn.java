package dev.ferry.lab;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.agent.AgentClient;
import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.Instance;
import dev.ferry.core.model.OnHostMaintenance;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * {@code ferry lab --churn}: tenants keep using their guests while the campaign runs, over the
 * controller's tenant API as they would: right after the approval a stop (a guest on the last
 * affected host, one the campaign live-migrates if there is one), a reboot (a guest on a host the
 * advisory leaves alone), a launch
 * and a terminate; once a host is patched (or the campaign is over), the stopped guest is started
 * again. A request the campaign refuses for now (409: a move in flight) is asked again after the
 * campaign's loop has committed again. What it did
 * is kept, so the lab can check every guest's boots against it.
 */
final class LabChurn implements Runnable {
    /** What the tenants did: boots each guest gained (a reboot, a start), guests terminated, guests launched, operations done. */
    record Done(Map<String, Integer> extraBoots, Set<String> terminated, List<String> launched, List<String> started, int operations) {
    }

    private final Fleet fleet;
    private final int affected;
    private final int memoryMiB;
    private final Function<String, AgentClient> tenantApi;
    private final AgentClient operator;
    private final String campaign;
    private final PrintWriter out;
    private final Lab.Changes changes;
    private final Map<String, Integer> extraBoots = new HashMap<>();
    private final Set<String> terminated = new HashSet<>();
    private final List<String> launched = new ArrayList<>();
    private final List<String> started = new ArrayList<>();
    private int operations;
    private volatile Exception failure;

    LabChurn(Fleet fleet, int affected, int memoryMiB, Function<String, AgentClient> tenantApi, AgentClient operator, String campaign,
             PrintWriter out, Lab.Changes changes) {
        this.changes = changes;
        this.fleet = fleet;
        this.affected = affected;
        this.memoryMiB = memoryMiB;
        this.tenantApi = tenantApi;
        this.operator = operator;
        this.campaign = campaign;
        this.out = out;
    }

    @Override
    public void run() {
        try {
            List<Instance> safe = on(false);
            List<Instance> waiting = on(true);
            Instance reboot = safe.get(0);
            Instance terminate = safe.get(safe.size() - 1);
            // first, on the last affected host (not the canary's, when there are two: its step waits), one the campaign
            // would live-migrate if there is one: a guest stopped the moment a restart brought it up may not have
            // printed its boot yet, and the checks count boots
            String last = waiting.get(waiting.size() - 1).host();
            List<Instance> onLast = waiting.stream().filter(i -> i.host().equals(last)).toList();
            Instance stop = onLast.stream().filter(i -> i.onHostMaintenance() == OnHostMaintenance.MIGRATE).findFirst()
                    .orElse(onLast.get(onLast.size() - 1));
            act(stop, "stop", "POST", "/v1/tenant/instances/" + stop.id() + "/stop");
            act(reboot, "reboot", "POST", "/v1/tenant/instances/" + reboot.id() + "/reboot");
            extraBoots.merge(reboot.id(), 1, Integer::sum);
            String id = act(reboot, "launch", "POST", "/v1/tenant/instances").path("id").asText();
            launched.add(id);
            if (terminate != reboot) {
                act(terminate, "terminate", "DELETE", "/v1/tenant/instances/" + terminate.id());
                terminated.add(terminate.id());
            }
            awaitAPatchedHost();
            act(stop, "start", "POST", "/v1/tenant/instances/" + stop.id() + "/start");
            extraBoots.merge(stop.id(), 1, Integer::sum);
            started.add(stop.id());
        } catch (Exception e) {
            failure = e;
        }
    }

    Done done() throws Exception {
        if (failure != null) {
            throw failure;
        }
        return new Done(extraBoots, terminated, launched, started, operations);
    }

    /** The guests on the affected hosts (or on the others), in fleet order. */
    private List<Instance> on(boolean affectedHosts) {
        List<Instance> out = new ArrayList<>();
        for (Instance i : fleet.instances()) {
            if ((fleet.hostIndex(i.host()) < affected) == affectedHosts) {
                out.add(i);
            }
        }
        if (out.isEmpty()) {
            throw new IllegalStateException("the lab's churn needs guests on both affected and unaffected hosts");
        }
        return out;
    }

    /** One tenant request, asked again while the campaign says "not now" (409), for up to two minutes. */
    private JsonNode act(Instance as, String what, String method, String path) throws Exception {
        AgentClient api = tenantApi.apply(as.tenant());
        long deadline = System.nanoTime() + 120_000_000_000L;
        long seen = changes.await(-1, 0);
        while (true) {
            try {
                JsonNode r = what.equals("launch") ? api.post(path, Map.of("cpus", 1, "memoryMiB", memoryMiB))
                        : api.send(method, path, method.equals("POST") ? "{}" : null, "application/json");
                operations++;
                out.printf(Locale.ROOT, "  churn: %s %s%n", what, what.equals("launch") ? r.path("id").asText() : as.id());
                out.flush();
                return r;
            } catch (AgentClient.Refused e) {
                if (e.status() != 409 || System.nanoTime() > deadline) {
                    throw new IOException("tenant " + as.tenant() + ": " + what + " " + as.id() + " refused: " + e.getMessage(), e);
                }
                seen = changes.await(seen, 2000); // what is in flight ends with a commit of the loop; then ask again
            }
        }
    }

    /** Until the campaign has patched a host or ended: a start then lands on a patched host. */
    private void awaitAPatchedHost() throws Exception {
        long seen = changes.await(-1, 0);
        while (true) {
            JsonNode c = operator.get("/v1/campaigns/" + campaign);
            if (c.path("hostsPatched").asInt() > 0 || List.of("completed", "halted", "aborted").contains(c.path("state").asText())) {
                return;
            }
            seen = changes.await(seen, 1000); // its loop's next commit
        }
    }
}

package dev.ferry.server;

import dev.ferry.core.history.Fact;
import dev.ferry.core.history.HistoryRecord;
import dev.ferry.core.lifecycle.HostPhase;
import dev.ferry.core.model.Advisory;
import dev.ferry.core.model.Fleet;
import dev.ferry.server.engine.EngineSnapshot;
import dev.ferry.store.HistoryStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The state of every host, for the dashboard's fleet map: grouped by zone and rack, each host with
 * one of {@link #STATES} and its instance count. Built in one pass over the inventory (10,000 hosts
 * are one small response): while a campaign runs, from its loop's latest snapshot; otherwise from
 * the advisories against the current inventory and the last finished campaign's stored facts.
 */
public final class FleetMap {
    /** Map states, in the legend's order; hosts carry an index into this list. */
    public static final List<String> STATES =
            List.of("ok", "vulnerable", "cordoned", "draining", "patching", "verifying", "patched", "failed");
    private static final int OK = 0;
    private static final int VULNERABLE = 1;
    private static final int CORDONED = 2;
    private static final int DRAINING = 3;
    private static final int PATCHING = 4;
    private static final int VERIFYING = 5;
    private static final int PATCHED = 6;
    private static final int FAILED = 7;

    /** One rack: host ids with, at the same positions, their state index and instance count. */
    public record Rack(String rack, List<String> hosts, int[] state, int[] instances) {
    }

    public record Zone(String zone, List<Rack> racks) {
    }

    /** The whole map; {@code campaign} is the running campaign it shows, or the last finished one, or null. */
    public record View(long inventoryVersion, String campaign, boolean live, List<String> states, Map<String, Integer> counts,
                       int hosts, List<Zone> zones) {
    }

    private final HistoryStore history;
    private final Inventory inventory;
    private final Advisories advisories;
    private final Campaigns campaigns;

    public FleetMap(HistoryStore history, Inventory inventory, Advisories advisories, Campaigns campaigns) {
        this.history = history;
        this.inventory = inventory;
        this.advisories = advisories;
        this.campaigns = campaigns;
    }

    public View view() {
        Inventory.Current current = inventory.current();
        Fleet fleet = current.fleet();
        int n = fleet.hosts().size();
        int[] state = new int[n];
        int[] instances = new int[n];
        String campaign = null;
        boolean live = false;
        EngineSnapshot s = null;
        for (var e : campaigns.engines().entrySet()) {
            EngineSnapshot candidate = e.getValue().snapshot();
            if (candidate != null && !candidate.done() && candidate.phases().length == n) {
                s = candidate;
                campaign = e.getKey();
            }
        }
        if (s != null) {
            live = true;
            for (int h = 0; h < n; h++) {
                state[h] = fromPhase(s.phases()[h], s.vulnerable()[h], fleet.host(h).cordoned());
                instances[h] = s.instancesOn()[h];
            }
        } else {
            boolean[] affected = new boolean[n];
            for (Advisory a : advisories.all()) {
                for (String id : Advisories.affected(a, fleet)) {
                    affected[fleet.hostIndex(id)] = true;
                }
            }
            String starting = campaigns.list().stream().filter(Campaigns.Row::active).map(Campaigns.Row::id).findFirst().orElse(null);
            campaign = starting != null ? starting : campaigns.lastFinished();
            live = starting != null; // approved, its loop not publishing yet: watchers follow its stream from now
            Map<String, HostPhase> ended = starting != null || campaign == null ? Map.of() : finalPhases(campaign);
            for (int h = 0; h < n; h++) {
                HostPhase last = ended.get(fleet.host(h).id());
                if (last == HostPhase.FAILED) {
                    state[h] = FAILED;
                } else if (affected[h]) {
                    state[h] = VULNERABLE;
                } else if (fleet.host(h).cordoned()) {
                    state[h] = CORDONED;
                } else {
                    state[h] = last == HostPhase.RETURNED ? PATCHED : OK;
                }
                instances[h] = fleet.instanceCountOn(h);
            }
        }
        return group(current.version(), campaign, live, fleet, state, instances);
    }

    private static int fromPhase(HostPhase p, boolean vulnerable, boolean cordonedByHand) {
        return switch (p) {
            case WAITING, SKIPPED -> vulnerable ? VULNERABLE : cordonedByHand ? CORDONED : OK;
            case CORDONED -> CORDONED;
            case DRAINING, PARKED -> DRAINING;
            case PATCHING, REBOOTING -> PATCHING;
            case VERIFYING -> VERIFYING;
            case RETURNED -> PATCHED;
            case FAILED -> FAILED;
        };
    }

    private static View group(long version, String campaign, boolean live, Fleet fleet, int[] state, int[] instances) {
        Map<String, Map<String, List<Integer>>> byZone = new TreeMap<>();
        int[] counts = new int[STATES.size()];
        for (int h = 0; h < state.length; h++) {
            var host = fleet.host(h);
            String rack = host.rack() == null ? "" : host.rack();
            byZone.computeIfAbsent(host.zone(), z -> new TreeMap<>()).computeIfAbsent(rack, r -> new ArrayList<>()).add(h);
            counts[state[h]]++;
        }
        List<Zone> zones = new ArrayList<>();
        byZone.forEach((zone, racks) -> {
            List<Rack> out = new ArrayList<>();
            racks.forEach((rack, hosts) -> {
                List<String> ids = new ArrayList<>(hosts.size());
                int[] st = new int[hosts.size()];
                int[] in = new int[hosts.size()];
                for (int k = 0; k < hosts.size(); k++) {
                    ids.add(fleet.host(hosts.get(k)).id());
                    st[k] = state[hosts.get(k)];
                    in[k] = instances[hosts.get(k)];
                }
                out.add(new Rack(rack, ids, st, in));
            });
            zones.add(new Zone(zone, out));
        });
        Map<String, Integer> byState = new LinkedHashMap<>();
        for (int k = 0; k < counts.length; k++) {
            byState.put(STATES.get(k), counts[k]);
        }
        return new View(version, campaign, live, STATES, byState, state.length, zones);
    }

    /** Each host's last phase in a campaign's stored history. */
    private Map<String, HostPhase> finalPhases(String campaign) {
        Map<String, HostPhase> out = new HashMap<>();
        for (HistoryRecord r : history.facts(campaign, List.of(Fact.PhaseChanged.class, Fact.HostFailed.class, Fact.HostSkipped.class,
                Fact.Parked.class))) {
            switch (r.fact()) {
                case Fact.PhaseChanged p -> out.put(p.host(), p.phase());
                case Fact.HostFailed f -> out.put(f.host(), HostPhase.FAILED);
                case Fact.HostSkipped k -> out.put(k.host(), HostPhase.SKIPPED);
                case Fact.Parked p -> out.put(p.host(), HostPhase.PARKED);
                default -> {
                }
            }
        }
        return out;
    }
}

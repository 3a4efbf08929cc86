package dev.ferry.server.engine;

import dev.ferry.core.campaign.CampaignRuntime;
import dev.ferry.core.campaign.state.CampaignStats;
import dev.ferry.core.lifecycle.CampaignState;
import dev.ferry.core.lifecycle.HostPhase;
import dev.ferry.core.model.Fleet;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** What other threads may read of a running campaign: a copy its loop makes at the end of each round. */
public record EngineSnapshot(CampaignState state, String endReason, long virtualMs, int hostsPatched, int hostsFailed,
                             int hostsSkipped, int liveMigrations, int relocations, int rebootsInPlace, int failedMigrations,
                             int completedEvents, Map<HostPhase, Integer> hostsByPhase, HostPhase[] phases,
                             boolean[] vulnerable, int[] instancesOn, int[] hostOfInstance, Fleet fleet, List<String> violations,
                             boolean done, boolean waitingForStore) {

    /** Where the campaign has the instance run, as of this round; null for an instance not in it. */
    public String hostOf(String instance) {
        int i = fleet.instanceIndex(instance);
        return i < 0 ? null : fleet.host(hostOfInstance[i]).id();
    }

    /** The runtime's state now; call on the loop's thread. */
    static EngineSnapshot of(CampaignRuntime runtime, Fleet fleet, long virtualMs, List<String> violations, boolean done,
                             boolean waitingForStore) {
        CampaignStats s = runtime.stats();
        Map<HostPhase, Integer> byPhase = new EnumMap<>(HostPhase.class);
        HostPhase[] phases = new HostPhase[fleet.hosts().size()];
        boolean[] vulnerable = new boolean[phases.length];
        for (int h = 0; h < phases.length; h++) {
            phases[h] = runtime.phase(h);
            vulnerable[h] = runtime.vulnerable(h);
            byPhase.merge(phases[h], 1, Integer::sum);
        }
        int[] instancesOn = new int[phases.length];
        int[] hostOf = new int[fleet.instances().size()];
        for (int i = 0; i < hostOf.length; i++) {
            hostOf[i] = runtime.currentHost(i);
            instancesOn[hostOf[i]]++;
        }
        return new EngineSnapshot(runtime.state(), runtime.endReason(), virtualMs, s.hostsPatched(), s.hostsFailed(),
                s.hostsSkipped(), s.liveMigrations(), s.relocations(), s.rebootsInPlace(), s.failedMigrations(), s.completedEvents(),
                byPhase, phases, vulnerable, instancesOn, hostOf, fleet, violations, done, waitingForStore);
    }
}

package dev.ferry.core.planner;

import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.Group;
import dev.ferry.core.model.Host;
import dev.ferry.core.model.Instance;
import dev.ferry.core.model.LiveMigrationPolicy;
import dev.ferry.core.model.OnHostMaintenance;
import dev.ferry.core.model.OnTimeout;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * How each instance on an affected host will be handled, decided from the snapshot alone:
 * live-migrate, relocate (stop/start elsewhere) or reboot in place, with the reason whenever that
 * differs from what the instance asked for. Both the planners and {@link LowerBounds} read it.
 *
 * <p>A planner that must deviate at planning time (a zone where nothing can move) records that with
 * {@link #reclassify}, so the bound is computed for the plan's actual kinds. Not thread-safe.
 */
public final class Classification {
    private final boolean[] affected;
    private final MoveKind[] kind;
    private final String[] reason;
    private final double[] liveSeconds;
    private final Set<Integer> strandedZones = new HashSet<>();

    private Classification(boolean[] affected, MoveKind[] kind, String[] reason, double[] liveSeconds) {
        this.affected = affected;
        this.kind = kind;
        this.reason = reason;
        this.liveSeconds = liveSeconds;
    }

    public static Classification of(PlanningProblem problem) {
        Fleet fleet = problem.fleet();
        int hosts = fleet.hosts().size();
        boolean[] affected = new boolean[hosts];
        for (int h = 0; h < hosts; h++) {
            affected[h] = problem.advisory().affects(fleet.host(h));
        }
        Shapes shapes = new Shapes(fleet);
        GroupRoom room = new GroupRoom(fleet);
        int n = fleet.instances().size();
        MoveKind[] kind = new MoveKind[n];
        String[] reason = new String[n];
        double[] liveSeconds = new double[n];
        for (int i = 0; i < n; i++) {
            int h = fleet.hostOf(i);
            if (!affected[h]) {
                continue;
            }
            Instance inst = fleet.instance(i);
            Host host = fleet.host(h);
            int zone = fleet.zoneOf(h);
            int g = fleet.groupOf(i);
            if (inst.onHostMaintenance() == OnHostMaintenance.REBOOT_IN_PLACE) {
                kind[i] = MoveKind.REBOOT_IN_PLACE;
            } else if (!shapes.anyOtherFits(zone, -1, h, inst)) {
                kind[i] = MoveKind.REBOOT_IN_PLACE;
                reason[i] = "no other host in zone " + host.zone() + " is large enough";
            } else if (g >= 0 && room.everyPlaceTaken(g, zone)) {
                Group group = fleet.groups().get(g);
                kind[i] = MoveKind.REBOOT_IN_PLACE;
                reason[i] = "group " + group.id() + " has a member on every " + group.antiAffinity().wireName()
                        + " of zone " + host.zone();
            } else if (inst.onHostMaintenance() == OnHostMaintenance.RESTART) {
                kind[i] = MoveKind.RELOCATE;
            } else if (!host.liveMigration()) {
                kind[i] = MoveKind.RELOCATE;
                reason[i] = "host " + host.id() + " cannot live-migrate";
            } else if (!shapes.anyOtherFits(zone, shapes.modelIndex(host.cpuModel()), h, inst)) {
                kind[i] = MoveKind.RELOCATE;
                reason[i] = "no other live-capable " + host.cpuModel() + " host in zone " + host.zone() + " fits it";
            } else {
                classifyLive(i, inst, problem.policy().liveMigrationFor(inst), kind, reason, liveSeconds);
            }
        }
        return new Classification(affected, kind, reason, liveSeconds);
    }

    /** Live migration when pre-copy converges (or post-copy is allowed), else relocation. */
    private static void classifyLive(int i, Instance inst, LiveMigrationPolicy lm, MoveKind[] kind, String[] reason,
                                     double[] liveSeconds) {
        double share = lm.bandwidthMiBps() / lm.perHost();
        double timeout = lm.timeoutPerGiB().toMillis() / 1000.0 * inst.memoryMiB() / 1024.0;
        MigrationModel.Estimate e = MigrationModel.estimate(inst.memoryMiB(), inst.dirtyRateMiBps(), share,
                lm.maxDowntime().toMillis(), timeout);
        if (e.converges()) {
            kind[i] = MoveKind.LIVE_MIGRATE;
            liveSeconds[i] = e.seconds();
        } else if (lm.onTimeout() == OnTimeout.POSTCOPY) {
            kind[i] = MoveKind.LIVE_MIGRATE;
            liveSeconds[i] = MigrationModel.postCopySeconds(inst.memoryMiB(), share, timeout);
            reason[i] = "pre-copy would not converge (dirty rate " + inst.dirtyRateMiBps() + " MiB/s); post-copy";
        } else {
            kind[i] = MoveKind.RELOCATE;
            reason[i] = "live migration would not converge (dirty rate " + inst.dirtyRateMiBps()
                    + " MiB/s against " + share + " MiB/s per migration)";
        }
    }

    public boolean affected(int host) {
        return affected[host];
    }

    /** Null for an instance that is not on an affected host. */
    public MoveKind kind(int instance) {
        return kind[instance];
    }

    public String reason(int instance) {
        return reason[instance];
    }

    /** Predicted live-migration time in seconds (0 unless the kind is live-migrate). */
    public double liveSeconds(int instance) {
        return liveSeconds[instance];
    }

    /** Records a kind decided at planning time, with its reason. */
    public void reclassify(int instance, MoveKind newKind, String why) {
        if (kind[instance] != newKind) {
            kind[instance] = newKind;
            reason[instance] = why;
        }
    }

    /**
     * Records that a bootstrapped instance stays (reboots in place) on a host that is not its
     * snapshot host: load the capacity bound assumes leaves the host stays on it, so that zone's
     * capacity bound no longer holds.
     */
    public void markStrandedArrival(int zone) {
        strandedZones.add(zone);
    }

    public boolean hasStrandedArrivals(int zone) {
        return strandedZones.contains(zone);
    }

    /**
     * Where a group's anti-affinity leaves room in a zone: the usable (not cordoned) hosts and racks
     * of each zone, and for each group and zone the usable hosts and racks its members already occupy
     * (a member on a cordoned host occupies its rack, not a usable host).
     */
    private static final class GroupRoom {
        private final Fleet fleet;
        private final int[] usableHosts;
        private final int[] usableRacks;
        /** (group, zone) → usable hosts, and usable racks, holding a member. */
        private final Map<Long, Integer> hostsTaken = new HashMap<>();
        private final Map<Long, Integer> racksTaken = new HashMap<>();

        GroupRoom(Fleet fleet) {
            this.fleet = fleet;
            usableHosts = new int[fleet.zones().size()];
            usableRacks = new int[fleet.zones().size()];
            boolean[] rackUsable = new boolean[fleet.rackCount()];
            for (int h = 0; h < fleet.hosts().size(); h++) {
                if (!fleet.host(h).cordoned()) {
                    usableHosts[fleet.zoneOf(h)]++;
                    if (!rackUsable[fleet.rackOf(h)]) {
                        rackUsable[fleet.rackOf(h)] = true;
                        usableRacks[fleet.zoneOf(h)]++;
                    }
                }
            }
            // per group, each usable host and rack once: stamps instead of sets (no boxing over millions of members)
            int[] hostStamp = new int[fleet.hosts().size()];
            int[] rackStamp = new int[fleet.rackCount()];
            for (int g = 0; g < fleet.groups().size(); g++) {
                for (int i : fleet.membersOf(g)) {
                    int h = fleet.hostOf(i);
                    long key = key(g, fleet.zoneOf(h));
                    if (!fleet.host(h).cordoned() && hostStamp[h] != g + 1) {
                        hostStamp[h] = g + 1;
                        hostsTaken.merge(key, 1, Integer::sum);
                    }
                    int rack = fleet.rackOf(h);
                    if (rackUsable[rack] && rackStamp[rack] != g + 1) {
                        rackStamp[rack] = g + 1;
                        racksTaken.merge(key, 1, Integer::sum);
                    }
                }
            }
        }

        private static long key(int group, int zone) {
            return ((long) group << 20) | zone;
        }

        /** Every usable host (host anti-affinity) or rack (rack anti-affinity) of the zone holds a member of the group. */
        boolean everyPlaceTaken(int g, int zone) {
            return switch (fleet.groups().get(g).antiAffinity()) {
                case HOST -> hostsTaken.getOrDefault(key(g, zone), 0) >= usableHosts[zone];
                case RACK -> racksTaken.getOrDefault(key(g, zone), 0) >= usableRacks[zone];
                case NONE, ZONE -> false;
            };
        }
    }

    /**
     * Distinct host shapes per zone (and per zone and cpu model for live-capable hosts), to answer
     * "could any other usable host ever take this instance" without scanning hosts.
     */
    private static final class Shapes {
        private final Fleet fleet;
        private final Map<String, Integer> models = new HashMap<>();
        // key: zone << 20 | (model + 1) (model -1 = any host), value: shape -> count
        private final Map<Long, Map<Long, long[]>> shapes = new HashMap<>();

        Shapes(Fleet fleet) {
            this.fleet = fleet;
            for (int h = 0; h < fleet.hosts().size(); h++) {
                Host host = fleet.host(h);
                if (host.cordoned()) {
                    continue;
                }
                add(fleet.zoneOf(h), -1, host);
                if (host.liveMigration()) {
                    add(fleet.zoneOf(h), modelIndex(host.cpuModel()), host);
                }
            }
        }

        int modelIndex(String model) {
            return models.computeIfAbsent(model, m -> models.size());
        }

        private void add(int zone, int model, Host host) {
            Map<Long, long[]> byShape = shapes.computeIfAbsent(((long) zone << 20) | (model + 1), k -> new HashMap<>());
            long[] entry = byShape.computeIfAbsent(shapeKey(host), k -> new long[] {host.milliCpuCapacity(), host.memoryMiB(), 0});
            entry[2]++;
        }

        private static long shapeKey(Host host) {
            return host.milliCpuCapacity() * 31 + host.memoryMiB() * 1_000_003L;
        }

        boolean anyOtherFits(int zone, int model, int source, Instance inst) {
            Map<Long, long[]> byShape = shapes.get(((long) zone << 20) | (model + 1));
            if (byShape == null) {
                return false;
            }
            Host src = fleet.host(source);
            boolean srcCounted = !src.cordoned() && (model < 0 || src.liveMigration());
            long srcKey = shapeKey(src);
            for (Map.Entry<Long, long[]> e : byShape.entrySet()) {
                long[] s = e.getValue();
                long count = s[2] - (srcCounted && e.getKey() == srcKey ? 1 : 0);
                if (count > 0 && s[0] >= inst.milliCpus() && s[1] >= inst.memoryMiB()) {
                    return true;
                }
            }
            return false;
        }
    }
}

package dev.ferry.core.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An immutable snapshot of the inventory with dense integer indexes, so that decision code can
 * work on arrays at a million hosts. Host {@code h} is {@code hosts().get(h)}; instance {@code i}
 * is {@code instances().get(i)}. Thread-safe (immutable after construction).
 *
 * <p>The constructor checks referential integrity (every instance on a known host, every group
 * known and of the instance's tenant) and throws {@link IllegalArgumentException}; the file
 * readers report the same problems earlier with file and line.
 */
public final class Fleet {
    private final List<Host> hosts;
    private final List<Instance> instances;
    private final List<Group> groups;
    private final List<Tenant> tenants;
    private final Map<String, Integer> hostIndex;
    private final Map<String, Integer> groupIndex;
    private final List<String> zones;
    private final int[] hostZone;
    private final int[] hostRack;
    private final int rackCount;
    private final int[] instanceHost;
    private final int[] instanceGroup;
    private final int[] hostInstanceStart;
    private final int[] hostInstances;
    private final int[][] groupMembers;
    private final long[] usedMilliCpu;
    private final long[] usedMemoryMiB;

    public Fleet(List<Host> hosts, List<Instance> instances, List<Group> groups, List<Tenant> tenants) {
        this.hosts = List.copyOf(hosts);
        this.instances = List.copyOf(instances);
        this.groups = List.copyOf(groups);
        this.tenants = List.copyOf(tenants);

        hostIndex = new HashMap<>(hosts.size() * 2);
        Map<String, Integer> zoneIndex = new HashMap<>();
        Map<String, Integer> rackIndex = new HashMap<>();
        zones = new ArrayList<>();
        hostZone = new int[hosts.size()];
        hostRack = new int[hosts.size()];
        for (int h = 0; h < hosts.size(); h++) {
            Host host = hosts.get(h);
            if (hostIndex.put(host.id(), h) != null) {
                throw new IllegalArgumentException("duplicate host id " + host.id());
            }
            Integer z = zoneIndex.get(host.zone());
            if (z == null) {
                z = zones.size();
                zoneIndex.put(host.zone(), z);
                zones.add(host.zone());
            }
            hostZone[h] = z;
            // A host without a rack is its own rack: rack anti-affinity then degrades to host anti-affinity.
            String rackKey = host.rack() == null ? "\u0000host:" + host.id() : host.zone() + "\u0000" + host.rack();
            hostRack[h] = rackIndex.computeIfAbsent(rackKey, k -> rackIndex.size());
        }
        rackCount = rackIndex.size();

        groupIndex = new HashMap<>();
        for (int g = 0; g < groups.size(); g++) {
            if (groupIndex.put(groups.get(g).id(), g) != null) {
                throw new IllegalArgumentException("duplicate group id " + groups.get(g).id());
            }
        }

        instanceHost = new int[instances.size()];
        instanceGroup = new int[instances.size()];
        usedMilliCpu = new long[hosts.size()];
        usedMemoryMiB = new long[hosts.size()];
        int[] perHost = new int[hosts.size() + 1];
        int[] perGroup = new int[groups.size()];
        for (int i = 0; i < instances.size(); i++) {
            Instance inst = instances.get(i);
            Integer h = hostIndex.get(inst.host());
            if (h == null) {
                throw new IllegalArgumentException("instance " + inst.id() + " on unknown host " + inst.host());
            }
            instanceHost[i] = h;
            perHost[h + 1]++;
            usedMilliCpu[h] += inst.milliCpus();
            usedMemoryMiB[h] += inst.memoryMiB();
            if (inst.group() == null) {
                instanceGroup[i] = -1;
            } else {
                Integer g = groupIndex.get(inst.group());
                if (g == null) {
                    throw new IllegalArgumentException("instance " + inst.id() + " in unknown group " + inst.group());
                }
                if (!groups.get(g).tenant().equals(inst.tenant())) {
                    throw new IllegalArgumentException("instance " + inst.id() + " in group of another tenant");
                }
                instanceGroup[i] = g;
                perGroup[g]++;
            }
        }
        for (int h = 0; h < hosts.size(); h++) {
            perHost[h + 1] += perHost[h];
        }
        hostInstanceStart = perHost;
        hostInstances = bucketed(instanceHost, perHost);
        groupMembers = membersByGroup(instanceGroup, perGroup);
    }

    /** The instances ordered by host: host h's are at [start[h], start[h + 1]). */
    private static int[] bucketed(int[] instanceHost, int[] start) {
        int[] out = new int[instanceHost.length];
        int[] fill = start.clone();
        for (int i = 0; i < instanceHost.length; i++) {
            out[fill[instanceHost[i]]++] = i;
        }
        return out;
    }

    /** Each group's members, in instance order ({@code sizes}: members per group). */
    private static int[][] membersByGroup(int[] instanceGroup, int[] sizes) {
        int[][] out = new int[sizes.length][];
        int[] next = new int[sizes.length];
        for (int g = 0; g < sizes.length; g++) {
            out[g] = new int[sizes[g]];
        }
        for (int i = 0; i < instanceGroup.length; i++) {
            int g = instanceGroup[i];
            if (g >= 0) {
                out[g][next[g]++] = i;
            }
        }
        return out;
    }

    public List<Host> hosts() {
        return hosts;
    }

    public List<Instance> instances() {
        return instances;
    }

    public List<Group> groups() {
        return groups;
    }

    public List<Tenant> tenants() {
        return tenants;
    }

    public Host host(int h) {
        return hosts.get(h);
    }

    public Instance instance(int i) {
        return instances.get(i);
    }

    private volatile int[] byId;

    /** The hosts' indices in the order of their ids (pages of a host list; computed once per fleet). */
    public int[] hostsById() {
        int[] order = byId;
        if (order == null) {
            order = java.util.stream.IntStream.range(0, hosts.size()).boxed()
                    .sorted(java.util.Comparator.comparing(h -> hosts.get(h).id())).mapToInt(Integer::intValue).toArray();
            byId = order;
        }
        return order;
    }

    /** Index of the host with this id, or -1. */
    public int hostIndex(String id) {
        Integer h = hostIndex.get(id);
        return h == null ? -1 : h;
    }

    /**
     * Index of the instance with this id, or -1. The index is built on first use: an open-addressing
     * table of ints (8 bytes per instance instead of a map entry's ~80), safe to build from any thread.
     */
    public int instanceIndex(String id) {
        int[] table = instanceTable;
        if (table == null) {
            table = buildInstanceTable();
        }
        int mask = table.length - 1;
        for (int slot = spread(id.hashCode()) & mask; ; slot = (slot + 1) & mask) {
            int i = table[slot] - 1;
            if (i < 0) {
                return -1;
            }
            if (instances.get(i).id().equals(id)) {
                return i;
            }
        }
    }

    private volatile int[] instanceTable;

    private synchronized int[] buildInstanceTable() {
        if (instanceTable != null) {
            return instanceTable;
        }
        int capacity = Integer.highestOneBit(Math.max(4, instances.size() * 2 - 1)) << 1;
        int[] table = new int[capacity];
        int mask = capacity - 1;
        for (int i = 0; i < instances.size(); i++) {
            int slot = spread(instances.get(i).id().hashCode()) & mask;
            while (table[slot] != 0) {
                slot = (slot + 1) & mask;
            }
            table[slot] = i + 1;
        }
        instanceTable = table;
        return table;
    }

    private static int spread(int h) {
        return (h ^ (h >>> 16)) * 0x45d9f3b;
    }

    /** Index of the group with this id, or -1. */
    public int groupIndex(String id) {
        Integer g = groupIndex.get(id);
        return g == null ? -1 : g;
    }

    public List<String> zones() {
        return zones;
    }

    public int zoneOf(int host) {
        return hostZone[host];
    }

    /** A dense rack number, unique across zones. */
    public int rackOf(int host) {
        return hostRack[host];
    }

    public int rackCount() {
        return rackCount;
    }

    public int hostOf(int instance) {
        return instanceHost[instance];
    }

    /** Group index of the instance, or -1. */
    public int groupOf(int instance) {
        return instanceGroup[instance];
    }

    /** CPU the snapshot's instances use on the host, in thousandths of a vCPU. */
    public long usedMilliCpu(int host) {
        return usedMilliCpu[host];
    }

    /** Memory the snapshot's instances use on the host. */
    public long usedMemoryMiB(int host) {
        return usedMemoryMiB[host];
    }

    public int instanceCountOn(int host) {
        return hostInstanceStart[host + 1] - hostInstanceStart[host];
    }

    /** The {@code k}-th instance initially on {@code host}, {@code 0 <= k < instanceCountOn(host)}. */
    public int instanceOn(int host, int k) {
        return hostInstances[hostInstanceStart[host] + k];
    }

    /** Instance indexes of the group's members; do not modify. */
    public int[] membersOf(int group) {
        return groupMembers[group];
    }
}

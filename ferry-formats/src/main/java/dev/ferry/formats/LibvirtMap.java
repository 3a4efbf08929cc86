package dev.ferry.formats;

import dev.ferry.core.model.OnHostMaintenance;
import java.util.Map;

/**
 * What a fleet read from libvirt daemons cannot learn from them (libvirt-map/v1, docs/formats.md):
 * per daemon URI, the host's id, zone, rack and agent; per domain name, its tenant, group and
 * maintenance preference (which the domain's own Ferry metadata may carry instead).
 */
public record LibvirtMap(Map<String, HostEntry> hosts, Map<String, InstanceEntry> instances) {
    public static final LibvirtMap EMPTY = new LibvirtMap(Map.of(), Map.of());

    /** A daemon's host; null fields: what libvirt says (the id: the daemon's host name) or the defaults. */
    public record HostEntry(String id, String zone, String rack, String agent, Double cpuAllocationRatio) {
    }

    /** A domain's owner; null fields: from the domain's metadata. */
    public record InstanceEntry(String tenant, String group, OnHostMaintenance onHostMaintenance) {
    }
}

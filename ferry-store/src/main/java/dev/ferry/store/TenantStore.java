package dev.ferry.store;

import java.util.List;
import java.util.Optional;

/**
 * What tenants read, every query filtered by the tenant: another tenant's object is not found,
 * exactly like one that does not exist. Hosts are as stored; the caller makes them opaque.
 * Thread-safe.
 */
public interface TenantStore {
    record Instance(String id, String state, String group, int cpus, long memoryMiB, String onHostMaintenance, String host) {
    }

    /**
     * A maintenance event as its tenant sees it; times are wall-clock milliseconds. {@code kind}: null
     * for events stored before kinds were; {@code notAfter}: 0 when unknown (stored before).
     */
    record Event(String id, String campaign, String instance, String state, long notBefore, long deadline, String detail,
                 String newHost, Long downtimeMs, long updatedAt, String kind, long notAfter, Long fallbackAfter,
                 Long expectedDowntimeMs) {
    }

    /** The tenant's instances after {@code after} (by id), at most {@code limit}. */
    List<Instance> instances(String tenant, String after, int limit);

    Optional<Instance> instance(String tenant, String id);

    /** The tenant's events after {@code after} (by id) in {@code state} (null: any), at most {@code limit}. */
    List<Event> events(String tenant, String state, String after, int limit);

    Optional<Event> event(String tenant, String id);

    /** Changes whenever one of the tenant's events is added or changes. */
    String eventsSignature(String tenant);
}

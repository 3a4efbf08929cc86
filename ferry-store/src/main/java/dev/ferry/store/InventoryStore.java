package dev.ferry.store;

import dev.ferry.core.model.Host;
import dev.ferry.core.model.Instance;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The fleet as stored: the last imported document (fleet/v1 JSON) and the changes after it, each
 * with its version, written with its query rows and audit line in one transaction under the
 * inventory lock; an import supersedes the proposals still waiting for approval (a change is
 * judged at approval against the proposal's plan: {@link #changesAfter}). Also each
 * instance's lifecycle state and each host's capacity ledger, which placements reserve from with
 * a conditional update. Thread-safe.
 */
public interface InventoryStore {
    /**
     * A change after the last imported document: {@code host-state} (active|cordoned),
     * {@code hypervisor} (the version a host runs), {@code on-host-maintenance}, {@code move} (an
     * instance's host), {@code add} (an instance, see {@link InventoryChanges#instance}),
     * {@code remove} (an instance).
     */
    record Change(String kind, String target, String value) {
    }

    /** The newest imported document (version {@code documentVersion}, null when none) and the changes after it, up to {@code version}. */
    record Stored(long documentVersion, String document, List<Change> changes, long version) {
    }

    /** An import: its version, or (nothing written) the campaign that holds the inventory. */
    record Imported(long version, String runningCampaign) {
    }

    /** An instance and its state ({@code running}, {@code stopped}). */
    record InstanceRow(Instance instance, String state) {
    }

    /** Where a placement may go, as the caller decided from each host's free room; {@code host} null: nowhere, {@code whyNot}. */
    record Choice(String host, String whyNot) {
    }

    /** A placement: the host and the inventory's new version, or why not ({@code raced}: the hosts chosen filled up meanwhile, try again). */
    record Placed(String host, String whyNot, boolean raced, long version) {
    }

    Stored load();

    /** The newest version stored (an import or a change). */
    long version();

    /** The changes recorded after {@code version}, in order (an import after it is not a change: it supersedes). */
    List<Change> changesAfter(long version);

    /** Replaces the inventory, unless a campaign is running on it. */
    Imported importFleet(String document, List<Host> hosts, List<Instance> instances, Audit audit);

    /** Cordons or uncordons a host by hand, with the reason; returns the new version. */
    long cordon(String host, boolean cordon, String reason, Audit audit);

    /**
     * The host runs {@code hypervisor} (its agent says so): a change with its audit line; the new
     * version, or −1 (nothing written) when the inventory says so already or a campaign is running
     * (it verifies and records the versions of the hosts it patches; the next report after it ends
     * reconciles the rest).
     */
    long hypervisor(String host, String hypervisor, Audit audit);

    /** A tenant sets what happens to its instance in maintenance; the new version, or −1 (nothing written) when it has no such instance. */
    long onHostMaintenance(String tenant, String instance, String value, Audit audit);

    /** One tenant's setting of an instance's onHostMaintenance, with its audit line. */
    record MaintenanceSetting(String tenant, String instance, String value, Audit audit) {
    }

    /**
     * Several settings in one transaction (a group commit), in their order: each as
     * {@link #onHostMaintenance} would do it, with its own version and audit line. Returns each one's
     * version, or -1 for an instance the tenant does not have.
     */
    long[] onHostMaintenanceAll(List<MaintenanceSetting> settings);

    /** The tenant's instance, or empty (another tenant's looks the same as none). */
    Optional<InstanceRow> instance(String tenant, String id);

    /**
     * Places a launch or a start under the inventory lock: reads each host's free room
     * (milli-cpu, MiB by host id), asks {@code choose} for a host, takes the room with a
     * conditional update (asking again, up to five times, when another placement took it first)
     * and records the instance running there, with its change and audit line ({@code how} says who
     * chose), all in one transaction, with the start for the chosen host's agent
     * ({@code dispatch}: the host's operation, or null when it has no agent). This is placement outside campaigns: when a campaign is
     * running by the time the lock is held, nothing is written and the answer is {@code raced}
     * with {@link #CAMPAIGN_STARTED} as the reason (ask again: the campaign places it now).
     */
    Placed place(Instance wanted, boolean launch, Function<Map<String, long[]>, Choice> choose, String how, Audit audit,
                 Function<String, OperationStore.Operation> dispatch);

    /**
     * Records an instance a running campaign placed (it chose the host and holds the room): the room
     * is taken, the instance runs there, and {@code dispatch} (or null) is written for its agent;
     * the new version.
     */
    long placedByCampaign(Instance placed, boolean launch, String how, Audit audit, OperationStore.Operation dispatch);

    /**
     * A stop (the row stays, stopped) or a terminate (the row goes): a running instance gives its
     * room back; the version after it. {@code outsideCampaigns}: the caller decided without a
     * campaign, so when one is running by the time the lock is held nothing is written and the
     * answer is −2 (ask again: the campaign decides now). {@code dispatch} (or null): the stop for
     * the host's agent, written in the same transaction.
     */
    long release(Instance instance, boolean running, boolean terminate, boolean outsideCampaigns, Audit audit,
                 OperationStore.Operation dispatch);

    /** A reboot in place: its audit line and the reset for the host's agent ({@code dispatch}, or null), in one transaction. */
    void reboot(Audit audit, OperationStore.Operation dispatch);

    /** Why a placement outside campaigns was not done: a campaign started meanwhile. */
    String CAMPAIGN_STARTED = "a campaign started meanwhile";

    /**
     * Why a start, stop or terminate was not done: the instance's row is no longer what the caller
     * read (another request started, stopped, moved or deleted it); nothing was written. Placements
     * answer it as {@code raced}; releases and the campaign's placements answer −3.
     */
    String INSTANCE_CHANGED = "the instance changed meanwhile; try again";
}

package dev.ferry.core.campaign.state;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A campaign's counters for its summary, kept as its facts are applied ({@link RuntimeState#apply});
 * read after (or during) the run on the runtime's thread.
 */
public final class CampaignStats {
    /** Samples of the vulnerable-hosts curve kept at most (a report's chart needs no more). */
    static final int MAX_SAMPLES = 100_000;

    int hostsPatched;
    int hostsFailed;
    /** Hosts an amended advisory added to the campaign, and hosts it dropped before their step (fixed outside, or no longer affected). */
    int hostsJoined;
    int hostsDropped;
    int hostsSkipped;
    int liveMigrations;
    int relocations;
    int rebootsInPlace;
    int failedMigrations;
    int replaced;
    int rescued;
    int noticed;
    int informational;
    int rescheduled;
    /** Events Ferry could not start by their latest start: their tenants were told of a later one, and why. */
    int delayed;
    int tenantInitiated;
    int forced;
    int completedEvents;
    int tenantStops;
    int tenantTerminations;
    int tenantStarts;
    /** Tenant starts that landed on a host the campaign had patched. */
    int startsOnPatched;
    int tenantReboots;
    final Map<String, long[]> perTenant = new HashMap<>(); // tenant -> {disruptions, downtimeMs}
    long makespanMs;
    final List<long[]> vulnerableOverTime = new ArrayList<>(); // {t, vulnerable hosts left, hosts in maintenance}

    public int hostsPatched() {
        return hostsPatched;
    }

    public int hostsFailed() {
        return hostsFailed;
    }

    /** A halted or aborted campaign settled at {@code t}: its makespan ends there. Returns true. */
    boolean settledAt(long t) {
        makespanMs = t;
        return true;
    }

    public int hostsJoined() {
        return hostsJoined;
    }

    public int hostsDropped() {
        return hostsDropped;
    }

    public int hostsSkipped() {
        return hostsSkipped;
    }

    public int liveMigrations() {
        return liveMigrations;
    }

    public int relocations() {
        return relocations;
    }

    public int rebootsInPlace() {
        return rebootsInPlace;
    }

    public int failedMigrations() {
        return failedMigrations;
    }

    /** Instances whose destination or kind at run time differs from the plan (or that tenants moved away already). */
    public int replaced() {
        return replaced;
    }

    /** Instances of lost hosts restarted elsewhere. */
    public int rescued() {
        return rescued;
    }

    /** Events scheduled (non-live disruptions announced with notice). */
    public int noticed() {
        return noticed;
    }

    /** Informational notices of live migrations. */
    public int informational() {
        return informational;
    }

    public int rescheduled() {
        return rescheduled;
    }

    /** Events Ferry could not start by their latest start (their tenants told of a later one, and why). */
    public int delayed() {
        return delayed;
    }

    public int tenantInitiated() {
        return tenantInitiated;
    }

    public int forced() {
        return forced;
    }

    public int completedEvents() {
        return completedEvents;
    }

    /** Instances of the campaign that tenants stopped (terminations not counted) while it ran. */
    public int tenantStops() {
        return tenantStops;
    }

    public int tenantTerminations() {
        return tenantTerminations;
    }

    /** Stopped instances that tenants started again while the campaign ran. */
    public int tenantStarts() {
        return tenantStarts;
    }

    /** Of {@link #tenantStarts}, those placed on a host the campaign had patched. */
    public int startsOnPatched() {
        return startsOnPatched;
    }

    public int tenantReboots() {
        return tenantReboots;
    }

    /** Tenant → {non-live disruptions, total downtime in ms}, by tenant id. */
    public Map<String, long[]> perTenant() {
        return Collections.unmodifiableMap(perTenant);
    }

    /** When the campaign ended (completed, or settled after a halt or abort); 0 before. */
    public long makespanMs() {
        return makespanMs;
    }

    /** Samples {virtual ms, vulnerable hosts left, hosts in maintenance}. */
    public List<long[]> vulnerableOverTime() {
        return Collections.unmodifiableList(vulnerableOverTime);
    }

    void tenantStopped(boolean terminated) {
        if (terminated) {
            tenantTerminations++;
        } else {
            tenantStops++;
        }
    }

    void tenantStarted(boolean onPatched) {
        tenantStarts++;
        if (onPatched) {
            startsOnPatched++;
        }
    }

    void tenantDisruption(String tenant, long downtimeMs) {
        long[] t = perTenant.computeIfAbsent(tenant, k -> new long[2]);
        t[0]++;
        t[1] += downtimeMs;
    }

    void sample(long now, int vulnerable, int inMaintenance) {
        if (vulnerableOverTime.size() < MAX_SAMPLES) {
            vulnerableOverTime.add(new long[] {now, vulnerable, inMaintenance});
        }
    }

    String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append(List.of(hostsPatched, hostsFailed, hostsSkipped, liveMigrations, relocations, rebootsInPlace, failedMigrations,
                replaced, rescued, noticed, informational, rescheduled, tenantInitiated, forced, completedEvents, tenantStops, tenantTerminations, tenantStarts, startsOnPatched, tenantReboots,
                hostsJoined, hostsDropped))
                .append(" makespan ")
                .append(makespanMs).append(" tenants");
        new TreeMap<>(perTenant).forEach((k, v) -> sb.append(' ').append(k).append('=').append(v[0]).append('/').append(v[1]));
        sb.append(" samples");
        for (long[] s : vulnerableOverTime) {
            sb.append(' ').append(s[0]).append(':').append(s[1]).append(':').append(s[2]);
        }
        return sb.toString();
    }
}

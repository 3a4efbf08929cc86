package dev.ferry.core.campaign;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A campaign's counters for its summary; read after (or during) the run. Written by the runtime's thread only. */
public final class CampaignStats {
    public int hostsPatched;
    public int hostsFailed;
    public int hostsSkipped;
    public int liveMigrations;
    public int relocations;
    public int rebootsInPlace;
    public int failedMigrations;
    public int replaced;
    public int rescued;
    public int noticed;
    public int informational;
    public int rescheduled;
    public int tenantInitiated;
    public int forced;
    public int completedEvents;
    public final Map<String, long[]> perTenant = new HashMap<>(); // tenant -> {disruptions, downtimeMs}
    public long makespanMs;
    public final List<long[]> vulnerableOverTime = new ArrayList<>(); // {t, vulnerable hosts left, hosts in maintenance}
}

package dev.ferry.core.campaign;

import dev.ferry.core.model.Tenant;
import dev.ferry.core.model.Window;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Tenants' preferred maintenance windows (UTC), as times in milliseconds from the campaign start. Immutable. */
final class TenantWindows {
    private final Map<String, Window> byTenant = new HashMap<>();
    private final Instant start;

    TenantWindows(List<Tenant> tenants, Instant campaignStart) {
        for (Tenant t : tenants) {
            if (t.window() != null) {
                byTenant.put(t.id(), t.window());
            }
        }
        this.start = campaignStart;
    }

    /**
     * When the tenant's next window opens at or after {@code earliestMs} (or {@code earliestMs} itself
     * if a window is open then); {@code earliestMs} when the tenant has no window or the next one would
     * not open before {@code deadlineMs}.
     */
    long firstStart(String tenant, long earliestMs, long deadlineMs) {
        Window w = byTenant.get(tenant);
        if (w == null) {
            return earliestMs;
        }
        ZonedDateTime t = start.plusMillis(earliestMs).atZone(ZoneOffset.UTC);
        for (int d = -1; d <= 7; d++) {
            ZonedDateTime open = t.toLocalDate().plusDays(d).atTime(w.start()).atZone(ZoneOffset.UTC);
            ZonedDateTime close = open.plusHours(w.hours());
            if (!w.days().contains(open.getDayOfWeek()) || !close.isAfter(t)) {
                continue;
            }
            long ms = (open.isAfter(t) ? open : t).toInstant().toEpochMilli() - start.toEpochMilli();
            return ms < deadlineMs ? ms : earliestMs;
        }
        return earliestMs;
    }
}

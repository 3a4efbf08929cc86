package dev.ferry.core.scheduler.filters;

import dev.ferry.core.scheduler.HostFilter;
import dev.ferry.core.scheduler.PlacementRequest;
import dev.ferry.core.scheduler.PlacementView;
import dev.ferry.core.scheduler.Veto;
import dev.ferry.core.scheduler.VetoReason;

/** Nothing is placed on a host in maintenance. */
public final class MaintenanceFilter implements HostFilter {
    @Override
    public Veto check(PlacementView view, PlacementRequest request, int host) {
        return view.inMaintenance(host) ? Veto.notNow(VetoReason.IN_MAINTENANCE, "in maintenance") : null;
    }
}

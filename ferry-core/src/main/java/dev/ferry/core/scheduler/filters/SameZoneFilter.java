package dev.ferry.core.scheduler.filters;

import dev.ferry.core.scheduler.HostFilter;
import dev.ferry.core.scheduler.PlacementRequest;
import dev.ferry.core.scheduler.PlacementView;
import dev.ferry.core.scheduler.Veto;
import dev.ferry.core.scheduler.VetoReason;

/** Storage and network are zonal: an instance never leaves its zone. */
public final class SameZoneFilter implements HostFilter {
    @Override
    public Veto check(PlacementView view, PlacementRequest request, int host) {
        if (request.sourceHost() < 0) {
            return null;
        }
        int zone = view.fleet().zoneOf(request.sourceHost());
        return view.fleet().zoneOf(host) == zone ? null
                : Veto.never(VetoReason.OTHER_ZONE, "instances never leave zone " + view.fleet().zones().get(zone));
    }
}

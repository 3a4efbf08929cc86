package dev.ferry.core.scheduler.filters;

import dev.ferry.core.scheduler.HostFilter;
import dev.ferry.core.scheduler.PlacementRequest;
import dev.ferry.core.scheduler.PlacementView;
import dev.ferry.core.scheduler.Veto;
import dev.ferry.core.scheduler.VetoReason;

/** Nothing is placed on a cordoned host. */
public final class CordonFilter implements HostFilter {
    @Override
    public Veto check(PlacementView view, PlacementRequest request, int host) {
        return view.cordoned(host) ? Veto.notNow(VetoReason.CORDONED, "cordoned") : null;
    }
}

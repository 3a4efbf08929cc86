package dev.ferry.core.scheduler.filters;

import dev.ferry.core.scheduler.HostFilter;
import dev.ferry.core.scheduler.PlacementRequest;
import dev.ferry.core.scheduler.PlacementView;
import dev.ferry.core.scheduler.Veto;
import dev.ferry.core.scheduler.VetoReason;

/** A move must leave its host. */
public final class SourceHostFilter implements HostFilter {
    @Override
    public Veto check(PlacementView view, PlacementRequest request, int host) {
        return host == request.sourceHost()
                ? Veto.never(VetoReason.SOURCE_HOST, "the instance already runs there") : null;
    }
}

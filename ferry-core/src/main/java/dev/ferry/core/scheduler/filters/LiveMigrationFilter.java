package dev.ferry.core.scheduler.filters;

import dev.ferry.core.model.Host;
import dev.ferry.core.scheduler.HostFilter;
import dev.ferry.core.scheduler.PlacementRequest;
import dev.ferry.core.scheduler.PlacementView;
import dev.ferry.core.scheduler.Veto;
import dev.ferry.core.scheduler.VetoReason;

/** Live migration needs both ends live-capable and the same cpuModel (guest CPU features must not change). */
public final class LiveMigrationFilter implements HostFilter {
    @Override
    public Veto check(PlacementView view, PlacementRequest request, int host) {
        if (!request.live()) {
            return null;
        }
        Host source = view.fleet().host(view.currentHost(request.instance()));
        if (!source.liveMigration()) {
            return Veto.never(VetoReason.NO_LIVE_MIGRATION, "the instance's host " + source.id() + " cannot live-migrate");
        }
        Host dest = view.fleet().host(host);
        if (!dest.liveMigration()) {
            return Veto.never(VetoReason.NO_LIVE_MIGRATION, "liveMigration: false");
        }
        if (!dest.cpuModel().equals(source.cpuModel())) {
            return Veto.never(VetoReason.CPU_MODEL, dest.cpuModel() + " != " + source.cpuModel());
        }
        return null;
    }
}

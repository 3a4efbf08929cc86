package dev.ferry.core.scheduler.filters;

import dev.ferry.core.model.Host;
import dev.ferry.core.model.Instance;
import dev.ferry.core.scheduler.HostFilter;
import dev.ferry.core.scheduler.PlacementRequest;
import dev.ferry.core.scheduler.PlacementView;
import dev.ferry.core.scheduler.Veto;
import dev.ferry.core.scheduler.VetoReason;

/** CPU (cpus × allocation ratio) and memory, counting reservations; "never" when even an empty host is too small. */
public final class CapacityFilter implements HostFilter {
    @Override
    public Veto check(PlacementView view, PlacementRequest request, int host) {
        Instance inst = view.fleet().instance(request.instance());
        Host h = view.fleet().host(host);
        if (inst.milliCpus() > h.milliCpuCapacity() || inst.memoryMiB() > h.memoryMiB()) {
            return Veto.never(VetoReason.CAPACITY, "too small for " + inst.cpus() + " cpus / " + inst.memoryMiB() + " MiB");
        }
        if (inst.milliCpus() > view.freeMilliCpu(host) || inst.memoryMiB() > view.freeMemoryMiB(host)) {
            return Veto.notNow(VetoReason.CAPACITY, "full");
        }
        return null;
    }
}

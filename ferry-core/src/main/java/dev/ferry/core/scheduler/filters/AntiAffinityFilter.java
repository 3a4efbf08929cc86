package dev.ferry.core.scheduler.filters;

import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.Group;
import dev.ferry.core.scheduler.HostFilter;
import dev.ferry.core.scheduler.PlacementRequest;
import dev.ferry.core.scheduler.PlacementView;
import dev.ferry.core.scheduler.Veto;
import dev.ferry.core.scheduler.VetoReason;

/** No two members of a group in the same host, rack or zone, per the group's antiAffinity. */
public final class AntiAffinityFilter implements HostFilter {
    @Override
    public Veto check(PlacementView view, PlacementRequest request, int host) {
        Fleet fleet = view.fleet();
        int g = fleet.groupOf(request.instance());
        if (g < 0) {
            return null;
        }
        Group group = fleet.groups().get(g);
        for (int member : fleet.membersOf(g)) {
            if (member == request.instance()) {
                continue;
            }
            int other = view.currentHost(member);
            boolean clash = switch (group.antiAffinity()) {
                case NONE -> false;
                case HOST -> other == host;
                case RACK -> fleet.rackOf(other) == fleet.rackOf(host);
                case ZONE -> fleet.zoneOf(other) == fleet.zoneOf(host);
            };
            if (clash) {
                return Veto.notNow(VetoReason.ANTI_AFFINITY,
                        group.antiAffinity().wireName() + " anti-affinity with " + fleet.instance(member).id()
                                + " of group " + group.id());
            }
        }
        return null;
    }
}

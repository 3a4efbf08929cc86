package dev.ferry.server.engine;

import dev.ferry.core.campaign.Input;
import dev.ferry.core.model.Advisory;
import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.Host;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a running campaign knows of its advisory and its hosts' versions since it was approved: the
 * advisory as last amended, and the versions agents reported for hosts the campaign did not patch.
 * Turns an amendment or a reported version into the hosts that join the campaign (affected now) or
 * leave it (affected no more); the runtime ignores those it cannot act on (a host in maintenance,
 * patched, down). Runs on the loop's thread, the same on a replay.
 */
final class AdvisoryView {
    private final Fleet fleet;
    private Advisory current;
    private final Map<Integer, String> reported = new HashMap<>();

    AdvisoryView(Fleet fleet, Advisory advisory) {
        this.fleet = fleet;
        this.current = advisory;
    }

    /** The advisory is amended: the hosts whose status changes. */
    List<Input> amended(Advisory next) {
        List<Input> out = new ArrayList<>();
        for (int h = 0; h < fleet.hosts().size(); h++) {
            Host host = host(h);
            boolean before = current.affects(host);
            boolean after = next.affects(host);
            if (!before && after) {
                out.add(new Input.HostJoined(h, next.fixedVersionFor(host)));
            } else if (before && !after) {
                out.add(new Input.HostLeft(h, null));
            }
        }
        current = next;
        return out;
    }

    /** A host's agent reports {@code version}: the host joins or leaves when that changes whether it is affected. */
    List<Input> reported(int h, String version) {
        Host before = host(h);
        reported.put(h, version);
        Host after = host(h);
        boolean was = current.affects(before);
        boolean is = current.affects(after);
        return was && !is ? List.of(new Input.HostLeft(h, version))
                : !was && is ? List.of(new Input.HostJoined(h, current.fixedVersionFor(after))) : List.of();
    }

    private Host host(int h) {
        String v = reported.get(h);
        return v == null ? fleet.host(h) : fleet.host(h).withHypervisor(v);
    }
}

package dev.ferry.core.scheduler;

import java.util.EnumMap;
import java.util.Map;

/**
 * The scheduler's answer: a host, or why none was found.
 *
 * @param host            chosen host index, or -1
 * @param vetoes          how many candidates each reason refused (in the scanned window)
 * @param firstVeto       the first refusal seen, for messages; null when a host was found or nothing was scanned
 * @param onlyPermanent   every refusal was permanent: this request never fits among the scanned hosts
 */
public record Placement(int host, Map<VetoReason, Integer> vetoes, Veto firstVeto, boolean onlyPermanent) {

    public boolean found() {
        return host >= 0;
    }

    static Placement of(int host) {
        return new Placement(host, Map.of(), null, false);
    }

    /** Summary like "no room on 12 hosts, anti-affinity on 2 hosts". */
    public String describe() {
        if (found()) {
            return "placed";
        }
        if (vetoes.isEmpty()) {
            return "no candidate host in the zone";
        }
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<VetoReason, Integer> e : new EnumMap<>(vetoes).entrySet()) {
            if (!sb.isEmpty()) {
                sb.append(", ");
            }
            sb.append(e.getValue()).append(e.getValue() == 1 ? " host " : " hosts ").append(e.getKey().phrase());
        }
        return sb.toString();
    }
}

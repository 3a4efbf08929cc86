package dev.ferry.lab;

import dev.ferry.agent.host.Guest;
import dev.ferry.core.history.Fact;
import dev.ferry.core.history.HistoryRecord;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * The lab's check of in-guest notice: every event the campaign told (its first {@code event-changed}
 * fact) against the guest's console across the hosts. A notice is seen before its disruption when
 * the guest echoed {@code notice <event> ...} before the first sign of a disruption after the
 * event was told: a new {@code boot}, or its lines coming from another host.
 */
public record LabNotices(int sent, int seen) {
    public String line() {
        return String.format(Locale.ROOT, "notices: %d sent, %d seen in guests before their disruption", sent, seen);
    }

    /** A console line and the host it came from. */
    private record Line(long atMicros, String host, String text) {
    }

    /**
     * @param startedAt the campaign's approval, wall ms (facts' times count from it)
     * @param serialLog the serial log of an instance on a host
     */
    static LabNotices of(List<HistoryRecord> facts, long startedAt, List<String> hosts, BiFunction<String, String, Path> serialLog) {
        Map<String, HistoryRecord> told = new LinkedHashMap<>(); // event → its first change
        for (HistoryRecord r : facts) {
            if (r.fact() instanceof Fact.EventChanged c) {
                told.putIfAbsent(c.event(), r);
            }
        }
        Map<String, List<Line>> consoles = new LinkedHashMap<>();
        int seen = 0;
        for (HistoryRecord r : told.values()) {
            Fact.EventChanged c = (Fact.EventChanged) r.fact();
            List<Line> lines = consoles.computeIfAbsent(c.instance(), i -> console(i, hosts, serialLog));
            if (seenBeforeDisruption(lines, c.event(), (startedAt + r.timeMs()) * 1000)) {
                seen++;
            }
        }
        return new LabNotices(told.size(), seen);
    }

    private static List<Line> console(String instance, List<String> hosts, BiFunction<String, String, Path> serialLog) {
        List<Line> out = new ArrayList<>();
        for (String h : hosts) {
            Guest.SerialLine.read(serialLog.apply(h, instance)).forEach(l -> out.add(new Line(l.atMicros(), h, l.text())));
        }
        out.sort(Comparator.comparingLong(Line::atMicros));
        return out;
    }

    private static boolean seenBeforeDisruption(List<Line> lines, String event, long toldMicros) {
        String prefix = "notice " + event + " ";
        String host = null;
        for (Line l : lines) {
            if (l.atMicros() < toldMicros) {
                host = l.host();
                continue;
            }
            if (l.text().startsWith(prefix)) {
                return true;
            }
            if (l.text().endsWith("boot") || host != null && !host.equals(l.host())) {
                return false; // disrupted first
            }
            host = l.host();
        }
        return false;
    }
}

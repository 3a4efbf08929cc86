package dev.ferry.agent.host;

import dev.ferry.agent.Poll;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * One heartbeat guest's serial output across the hosts it ran on ({@code serial.log} of each), in
 * the order the lines arrived: how often it booted, and whether its counter ever skipped — a live
 * migration goes on from the last value, a new boot starts again at 1.
 */
public record GuestSerial(List<QemuVm.SerialLine> lines) {
    public static GuestSerial read(List<Path> logs) {
        List<QemuVm.SerialLine> lines = new ArrayList<>();
        for (Path log : logs) {
            lines.addAll(QemuVm.SerialLine.read(log));
        }
        lines.sort(Comparator.comparingLong(QemuVm.SerialLine::atMicros));
        return new GuestSerial(List.copyOf(lines));
    }

    /**
     * Reads the logs until they show at least {@code boots} boots and a beat after the last (a guest
     * just started is still in its BIOS), or {@code timeout} passes; then what they show.
     */
    public static GuestSerial await(List<Path> logs, int boots, Duration timeout) throws Exception {
        GuestSerial seen = Poll.until(timeout.toMillis(), 20, () -> {
            GuestSerial s = read(logs);
            return s.beatingAfter(boots) ? s : null;
        });
        return seen != null ? seen : read(logs);
    }

    public int boots() {
        return (int) lines.stream().filter(l -> l.text().equals("boot")).count();
    }

    /** Counter values that do not follow the one before them (after a boot, the next is 1). */
    public int breaks() {
        int breaks = 0;
        long prev = -1;
        for (QemuVm.SerialLine l : lines) {
            if (l.text().equals("boot")) {
                prev = 0;
            } else if (l.text().matches("\\d+")) {
                long v = Long.parseLong(l.text());
                if (prev >= 0 && v != prev + 1) {
                    breaks++;
                }
                prev = v;
            }
        }
        return breaks;
    }

    /** At least {@code boots} boots, and a beat after the last line of all. */
    public boolean beatingAfter(int boots) {
        return boots() >= boots && !lines.isEmpty() && !lines.get(lines.size() - 1).text().equals("boot");
    }
}

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
public record GuestSerial(List<Guest.SerialLine> lines) {
    public static GuestSerial read(List<Path> logs) {
        List<Guest.SerialLine> lines = new ArrayList<>();
        for (Path log : logs) {
            lines.addAll(Guest.SerialLine.read(log));
        }
        return of(lines);
    }

    /**
     * The lines in the order they arrived, a piece a stop or a migration cut off ({@code ~11}) joined
     * with the line that follows it where the guest went on ({@code 26}: {@code 1126}), or dropped
     * when what follows is a new boot (the rest of that line was never printed).
     */
    public static GuestSerial of(List<Guest.SerialLine> arrived) {
        List<Guest.SerialLine> lines = new ArrayList<>(arrived);
        lines.sort(Comparator.comparingLong(Guest.SerialLine::atMicros));
        List<Guest.SerialLine> out = new ArrayList<>();
        for (int k = 0; k < lines.size(); k++) {
            Guest.SerialLine l = lines.get(k);
            if (!l.text().startsWith("~")) {
                out.add(l);
            } else if (k + 1 < lines.size() && !isBoot(lines.get(k + 1).text())) {
                Guest.SerialLine rest = lines.get(++k);
                out.add(new Guest.SerialLine(rest.atMicros(), l.text().substring(1) + rest.text()));
            }
        }
        return new GuestSerial(List.copyOf(out));
    }

    /** A boot, or a line a reset cut short that ends in the next boot's message ({@code 8boot}). */
    private static boolean isBoot(String text) {
        return text.endsWith("boot");
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
        return (int) lines.stream().filter(l -> isBoot(l.text())).count();
    }

    /** Counter values that do not follow the one before them (after a boot, the next is 1). */
    public int breaks() {
        int breaks = 0;
        long prev = -1;
        for (Guest.SerialLine l : lines) {
            if (isBoot(l.text())) {
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
        return boots() >= boots && !lines.isEmpty() && !isBoot(lines.get(lines.size() - 1).text());
    }
}

package dev.ferry.agent.host;

import dev.ferry.agent.Poll;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One heartbeat guest's serial output across the hosts it ran on ({@code serial.log} of each), in
 * the order the lines arrived: how often it booted, and whether its counter ever skipped — a live
 * migration goes on from the last value, a new boot starts again at 1.
 */
public record GuestSerial(List<Guest.SerialLine> lines) {
    public static GuestSerial read(List<Path> logs) {
        List<List<Guest.SerialLine>> perLog = new ArrayList<>();
        for (Path log : logs) {
            perLog.add(Guest.SerialLine.read(log));
        }
        return of(merge(perLog));
    }

    /**
     * The logs of several hosts as one: each log is in the order its lines came, but between hosts
     * the times they were stamped with can be out by a reader's delay on a busy machine (a source's
     * last beats stamped after the destination's first). So where one log's next line goes on with
     * the counter from the line before ({@code n + 1}) and the others' do not, it comes first;
     * otherwise the earliest. Two copies running at once still show: their counters cannot both go on.
     */
    static List<Guest.SerialLine> merge(List<List<Guest.SerialLine>> perLog) {
        int[] next = new int[perLog.size()];
        List<Guest.SerialLine> out = new ArrayList<>();
        long prev = -1;
        while (true) {
            int pick = -1;
            int continuing = 0;
            int goesOn = -1;
            for (int k = 0; k < perLog.size(); k++) {
                if (next[k] >= perLog.get(k).size()) {
                    continue;
                }
                Guest.SerialLine head = perLog.get(k).get(next[k]);
                if (pick < 0 || head.atMicros() < perLog.get(pick).get(next[pick]).atMicros()) {
                    pick = k;
                }
                if (prev >= 0 && head.text().equals(Long.toString(prev + 1))) {
                    continuing++;
                    goesOn = k;
                }
            }
            if (pick < 0) {
                return out;
            }
            if (continuing == 1) {
                pick = goesOn;
            }
            Guest.SerialLine l = perLog.get(pick).get(next[pick]++);
            out.add(l);
            prev = isBoot(l.text()) ? 0 : l.text().matches("\\d+") ? Long.parseLong(l.text()) : prev;
        }
    }

    /**
     * The lines in the order given (one log's, or {@link #merge}'s), a piece a stop or a migration cut off ({@code ~11}) joined
     * with the line that follows it where the guest went on ({@code 26}: {@code 1126}), or dropped
     * when what follows is a new boot (the rest of that line was never printed).
     */
    public static GuestSerial of(List<Guest.SerialLine> arrived) {
        List<Guest.SerialLine> lines = new ArrayList<>(arrived);
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

package dev.ferry.cli;

/** Human-readable durations for the terminal: "1d 4h 12m", "3m 20s". */
public final class Durations {
    private Durations() {
    }

    public static String human(long seconds) {
        if (seconds < 0) {
            return "-" + human(-seconds);
        }
        long d = seconds / 86400;
        long h = seconds % 86400 / 3600;
        long m = seconds % 3600 / 60;
        long s = seconds % 60;
        if (d > 0) {
            return d + "d " + h + "h " + m + "m";
        }
        if (h > 0) {
            return h + "h " + m + "m";
        }
        if (m > 0) {
            return m + "m " + s + "s";
        }
        return s + "s";
    }
}

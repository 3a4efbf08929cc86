package dev.ferry.core.campaign;

/**
 * One line of a campaign's history (DESIGN.md: time, actor, operation, target, outcome, epoch).
 * Append-only; the invariant checker decides the safety rules over a list of these.
 *
 * @param timeMs    milliseconds from campaign start
 * @param actor     "ferry", "tenant:&lt;id&gt;", "driver" or "runner"
 * @param operation see {@link Op}
 * @param target    instance or host id (or the campaign id)
 * @param outcome   what happened: a host id, a state, "ok", a reason
 * @param epoch     the instance's placement epoch where relevant, else 0
 */
public record HistoryRecord(long timeMs, String actor, String operation, String target, String outcome, long epoch) {

    /** Operation names. */
    public static final class Op {
        public static final String CAMPAIGN = "campaign";
        public static final String APPLY = "apply";
        public static final String CORDON = "cordon";
        public static final String MAINTENANCE_BEGIN = "maintenance-begin";
        public static final String MAINTENANCE_END = "maintenance-end";
        public static final String HOST_PHASE = "host-phase";
        public static final String RESERVE = "reserve";
        public static final String RELEASE = "release";
        public static final String RUN = "run";
        public static final String STOP = "stop";
        public static final String DISRUPT_BEGIN = "disrupt-begin";
        public static final String DISRUPT_END = "disrupt-end";
        public static final String EVENT = "event";
        public static final String MOVE = "move";
        /** Room a tenant's instance took outside the plan while the campaign ran (target: the instance; outcome: "host milliCpu memoryMiB"). */
        public static final String HOLD = "hold";
        /** That room given back (the instance stopped or was terminated). */
        public static final String UNHOLD = "unhold";

        private Op() {
        }
    }

    /** One JSON line, fields in a fixed order, so that identical histories are identical bytes. */
    public String toJson() {
        return "{\"t\":" + timeMs + ",\"actor\":\"" + esc(actor) + "\",\"op\":\"" + esc(operation) + "\",\"target\":\""
                + esc(target) + "\",\"outcome\":\"" + esc(outcome) + "\",\"epoch\":" + epoch + "}";
    }

    private static String esc(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.toString();
    }
}

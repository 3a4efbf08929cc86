package dev.ferry.formats;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.ferry.core.admission.Refusal;
import dev.ferry.core.history.Actor;
import dev.ferry.core.history.EventCause;
import dev.ferry.core.history.Fact;
import dev.ferry.core.history.HistoryRecord;
import dev.ferry.core.history.RefusalReason;
import dev.ferry.core.lifecycle.CampaignState;
import dev.ferry.core.lifecycle.EventState;
import dev.ferry.core.lifecycle.HostPhase;
import dev.ferry.core.model.WireName;
import dev.ferry.core.planner.MoveKind;
import java.io.IOException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * history/v1, the format before typed facts: one JSON line per record with {@code t, actor, op,
 * target, outcome, epoch}, the outcome a sentence. Stored v1 histories still load: {@link Reader}
 * turns each line into the typed fact it describes (fields v1 never had, such as a move's id, are
 * −1, 0 or null). {@link #line} renders a typed fact as the v1 line it would have been, or null for
 * facts v1 had no line for (they record decisions v1 kept to itself): a v2 history and the v1
 * history of the same campaign are then the same, line for line. This is the one place that reads
 * the sentences of v1. Thread-safe ({@link Reader}: one per history).
 */
public final class HistoryV1 {
    /** One v1 line's fields. */
    public record Line(long timeMs, String actor, String op, String target, String outcome, long epoch) {
        /** The v1 JSON line, fields in a fixed order, exactly as v1 wrote it. */
        public String toJson() {
            return "{\"t\":" + timeMs + ",\"actor\":\"" + esc(actor) + "\",\"op\":\"" + esc(op) + "\",\"target\":\"" + esc(target)
                    + "\",\"outcome\":\"" + esc(outcome) + "\",\"epoch\":" + epoch + "}";
        }
    }

    private static final JsonFactory JSON = new JsonFactory();
    private static final String SKIPPED = "could not be emptied (no destination or group budget) with nothing else in flight";

    private HistoryV1() {
    }

    // ---------------------------------------------------------------- v2 -> v1

    /** The v1 line of a typed fact, or null when v1 had no line for it. */
    public static Line line(HistoryRecord r) {
        String actor = r.actor().wireName();
        long t = r.timeMs();
        return switch (r.fact()) {
            case Fact.CampaignChanged c -> new Line(t, actor, "campaign", c.campaign(), campaignText(c), 0);
            case Fact.SoakEnded s -> new Line(t, actor, "campaign", s.campaign(), "soak over", 0);
            case Fact.CampaignSettled s -> new Line(t, actor, "campaign", s.campaign(), "ended " + s.state().wireName() + ": "
                    + s.reason(), 0);
            case Fact.Cordoned c -> new Line(t, actor, "cordon", c.host(), "cordoned", 0);
            case Fact.MaintenanceBegan b -> new Line(t, actor, "maintenance-begin", b.host(), b.zone(), 0);
            case Fact.MaintenanceEnded e -> new Line(t, actor, "maintenance-end", e.host(), e.phase().name(), 0);
            case Fact.PhaseChanged p -> new Line(t, actor, "host-phase", p.host(), p.phase().name(), 0);
            case Fact.Parked p -> new Line(t, actor, "host-phase", p.host(), HostPhase.PARKED.name(), 0);
            case Fact.HostFailed f -> new Line(t, actor, "host-phase", f.host(), "FAILED: " + failure(f), 0);
            case Fact.HostSkipped s -> new Line(t, actor, "host-phase", s.host(), "SKIPPED: " + SKIPPED, 0);
            case Fact.Reserved res -> new Line(t, actor, "reserve", res.instance(), res.host() + switch (res.reservation()) {
                case SAFE -> "";
                case BOOTSTRAP -> " bootstrap";
                case RESCUE -> " rescue";
            }, 0);
            case Fact.Released rel -> new Line(t, actor, "release", rel.instance(), rel.host(), 0);
            case Fact.MoveStarted m -> new Line(t, actor, "move", m.instance(), m.kind().wireName() + " " + m.from() + " -> " + m.to(),
                    m.epoch());
            case Fact.SwitchedOver s -> new Line(t, actor, "move", s.instance(), "switched over to " + s.to(), s.epoch());
            case Fact.RolledBack b -> new Line(t, actor, "move", b.instance(), "rolled back: " + b.reason(), b.epoch());
            case Fact.AnswerIgnored a -> new Line(t, actor, "move", "move-" + a.move(), "ignored duplicate or late answer", 0);
            case Fact.RebootsInPlace rip -> new Line(t, actor, "event", rip.instance(), "no host in zone " + rip.zone()
                    + " can take it: reboots in place", 0);
            case Fact.MigrationMeasured m -> new Line(t, actor, "move", m.instance(), "qemu: downtime " + m.downtimeMs() + " ms, total "
                    + m.totalMs() + " ms, " + m.from() + " -> " + m.to(), m.epoch());
            case Fact.DisruptionBegan b -> new Line(t, actor, "disrupt-begin", b.instance(), b.byTenant() ? "tenant"
                    : b.kind() == MoveKind.REBOOT_IN_PLACE ? "reboot-in-place" : "ferry", 0);
            case Fact.DisruptionEnded e -> new Line(t, actor, "disrupt-end", e.instance(), switch (e.end()) {
                case MOVED, REBOOTED_IN_PLACE -> "ok";
                case ROLLED_BACK -> "rolled back";
                case RESCUED -> "rescued";
                case STARTED -> "started by its tenant";
                case STOPPED -> "stopped by its tenant";
            }, 0);
            case Fact.RescueNeeded n -> new Line(t, actor, "event", n.instance(), "host " + n.lostHost() + " lost: restarting it elsewhere",
                    0);
            case Fact.Ran ran -> new Line(t, actor, "run", ran.instance(), ran.host(), ran.epoch());
            case Fact.Stopped s -> new Line(t, actor, "stop", s.instance(), s.host(), s.epoch());
            case Fact.Held h -> new Line(t, actor, "hold", h.instance(), h.host() + " " + h.milliCpu() + " " + h.memoryMiB(), 0);
            case Fact.Unheld h -> new Line(t, actor, "unhold", h.instance(), h.host() + " " + h.milliCpu() + " " + h.memoryMiB(), 0);
            case Fact.Informed inf -> new Line(t, actor, "event", inf.instance(), "INFORMED live-migrate planned at " + inf.plannedAtMs(),
                    0);
            case Fact.EventChanged e -> new Line(t, actor, "event", e.instance(), e.state().name() + " notBefore=" + e.notBeforeMs()
                    + ": " + e.cause().detail(e.kind(), e.downtimeMs()), 0);
            case Fact.Refused f -> new Line(t, actor, "event", f.instance(), f.request() == Fact.TenantRequest.RESCHEDULE
                    ? "reschedule refused" : "tenant move refused: " + (f.reason() == RefusalReason.NO_ROOM
                    ? "no patched host has room yet" : "nothing to do now"), 0);
            case Fact.EffectApplied a -> new Line(t, actor, "apply", a.key(), a.effect(), 0);
            case Fact.Legacy l -> new Line(t, actor, l.op(), l.target(), l.outcome(), l.epoch());
            case Fact.StepsQueued s -> null;
            case Fact.CanariesGivenUp c -> null;
            case Fact.StepStarted s -> null;
            case Fact.BudgetTaken b -> null;
            case Fact.BudgetReleased b -> null;
            case Fact.MoveCreated m -> null;
            case Fact.MoveRerouted m -> null;
            case Fact.TenantStopped ts -> null; // v1 had no tenant lifecycle during a campaign
            case Fact.TenantStarted ts -> null;
            case Fact.TenantRebooted tr -> null;
            case Fact.HostDown d -> null; // v1 had no host health
            case Fact.HostFenced f -> null;
            case Fact.StepAdded a -> null; // v1 had no amended advisories
            case Fact.HostDropped d -> null;
        };
    }

    private static String campaignText(Fact.CampaignChanged c) {
        return switch (c.to()) {
            case APPROVED -> "approved";
            case RUNNING -> c.from() == CampaignState.PAUSED ? "resumed by operator" : "running";
            case PAUSED -> "paused by operator";
            default -> c.to().wireName() + ": " + c.reason();
        };
    }

    private static String failure(Fact.HostFailed f) {
        return HistoryText.failure(f);
    }

    /** The v1 op under which facts of this type were stored before history/v2; null when v1 had no line for them. */
    public static String op(Class<? extends Fact> type) {
        String name = type.getSimpleName();
        return switch (name) {
            case "CampaignChanged", "SoakEnded", "CampaignSettled" -> "campaign";
            case "Cordoned" -> "cordon";
            case "MaintenanceBegan" -> "maintenance-begin";
            case "MaintenanceEnded" -> "maintenance-end";
            case "PhaseChanged", "Parked", "HostFailed", "HostSkipped" -> "host-phase";
            case "Reserved" -> "reserve";
            case "Released" -> "release";
            case "MoveStarted", "SwitchedOver", "RolledBack", "AnswerIgnored", "MigrationMeasured" -> "move";
            case "RebootsInPlace", "RescueNeeded", "Informed", "EventChanged", "Refused" -> "event";
            case "DisruptionBegan" -> "disrupt-begin";
            case "DisruptionEnded" -> "disrupt-end";
            case "Ran" -> "run";
            case "Stopped" -> "stop";
            case "Held" -> "hold";
            case "Unheld" -> "unhold";
            case "EffectApplied" -> "apply";
            default -> null;
        };
    }

    // ---------------------------------------------------------------- v1 -> v2

    /**
     * Reads the lines of one v1 history in order (it follows the campaign's state, which a v1 line
     * about it does not name). Not thread-safe.
     */
    public static final class Reader {
        private CampaignState campaign = CampaignState.PROPOSED;

        /** The typed fact of one v1 JSON line; {@link IllegalArgumentException} when it is not one. */
        public HistoryRecord parse(String json) {
            return fact(fields(json));
        }

        /** The typed fact of one v1 line's fields (a line the converter does not know becomes a {@link Fact.Legacy}). */
        public HistoryRecord fact(Line l) {
            Actor actor = Actor.parse(l.actor());
            return new HistoryRecord(l.timeMs(), actor == null ? Actor.FERRY : actor, typed(l));
        }

        private Fact typed(Line l) {
            String o = l.outcome();
            String x = l.target();
            Fact f = switch (l.op()) {
                case "campaign" -> campaign(x, o);
                case "cordon" -> new Fact.Cordoned(x);
                case "maintenance-begin" -> new Fact.MaintenanceBegan(x, o);
                case "maintenance-end" -> phase(o) == null ? null : new Fact.MaintenanceEnded(x, phase(o));
                case "host-phase" -> hostPhase(x, o);
                case "reserve" -> reserve(x, o);
                case "release" -> new Fact.Released(x, o, -1);
                case "move" -> move(x, o, l.epoch());
                case "disrupt-begin" -> new Fact.DisruptionBegan(x, o.equals("tenant"), o.equals("reboot-in-place")
                        ? MoveKind.REBOOT_IN_PLACE : MoveKind.RELOCATE);
                case "disrupt-end" -> switch (o) {
                    case "ok" -> new Fact.DisruptionEnded(x, Fact.DisruptionEnd.MOVED, null, 0);
                    case "rolled back" -> new Fact.DisruptionEnded(x, Fact.DisruptionEnd.ROLLED_BACK, null, 0);
                    case "rescued" -> new Fact.DisruptionEnded(x, Fact.DisruptionEnd.RESCUED, null, 0);
                    default -> null;
                };
                case "event" -> event(x, o);
                case "run" -> new Fact.Ran(x, o, l.epoch());
                case "stop" -> new Fact.Stopped(x, o, l.epoch());
                case "hold", "unhold" -> hold(l.op().equals("hold"), x, o);
                case "apply" -> new Fact.EffectApplied(x, o);
                default -> null;
            };
            return f != null ? f : new Fact.Legacy(l.op(), x, o, l.epoch());
        }

        private Fact campaign(String c, String o) {
            CampaignState from = campaign;
            CampaignState to;
            String reason = "";
            if (o.equals("soak over")) {
                return new Fact.SoakEnded(c);
            }
            Matcher ended = ENDED.matcher(o);
            if (ended.matches()) {
                return new Fact.CampaignSettled(c, CampaignState.parse(ended.group(1)), ended.group(2));
            }
            switch (o) {
                case "approved" -> to = CampaignState.APPROVED;
                case "running", "resumed by operator" -> to = CampaignState.RUNNING;
                case "paused by operator" -> to = CampaignState.PAUSED;
                default -> {
                    int colon = o.indexOf(": ");
                    to = colon < 0 ? null : CampaignState.parse(o.substring(0, colon));
                    if (to == null) {
                        return null;
                    }
                    reason = o.substring(colon + 2);
                }
            }
            campaign = to;
            return new Fact.CampaignChanged(c, from, to, reason);
        }

        private static Fact hostPhase(String host, String o) {
            if (o.equals("PARKED")) {
                return new Fact.Parked(host, 0);
            }
            if (o.startsWith("SKIPPED: ")) {
                return new Fact.HostSkipped(host, Refusal.of(Refusal.Kind.NO_ROOM, o.substring("SKIPPED: ".length())));
            }
            Matcher unpatched = UNPATCHED.matcher(o);
            if (unpatched.matches()) {
                return new Fact.HostFailed(host, Fact.HostFailure.CAME_BACK_UNPATCHED, unpatched.group(1));
            }
            if (o.equals("FAILED: did not come back after reboot")) {
                return new Fact.HostFailed(host, Fact.HostFailure.DID_NOT_COME_BACK, null);
            }
            if (o.equals("FAILED: went down")) {
                return new Fact.HostFailed(host, Fact.HostFailure.WENT_DOWN, null);
            }
            HostPhase p = phase(o);
            return p == null ? null : new Fact.PhaseChanged(host, p);
        }

        private static Fact reserve(String instance, String o) {
            if (o.endsWith(" bootstrap")) {
                return new Fact.Reserved(instance, o.substring(0, o.length() - 10), Fact.Reservation.BOOTSTRAP, -1);
            }
            if (o.endsWith(" rescue")) {
                return new Fact.Reserved(instance, o.substring(0, o.length() - 7), Fact.Reservation.RESCUE, -1);
            }
            return new Fact.Reserved(instance, o, Fact.Reservation.SAFE, -1);
        }

        private static Fact move(String x, String o, long epoch) {
            Matcher m;
            if (o.equals("ignored duplicate or late answer") && x.startsWith("move-")) {
                return new Fact.AnswerIgnored(Long.parseLong(x.substring(5)));
            }
            if (o.startsWith("switched over to ")) {
                return new Fact.SwitchedOver(-1, x, o.substring("switched over to ".length()), epoch, 0);
            }
            if (o.startsWith("rolled back: ")) {
                return new Fact.RolledBack(-1, x, o.substring("rolled back: ".length()), false, epoch);
            }
            if ((m = QEMU.matcher(o)).matches()) {
                return new Fact.MigrationMeasured(x, m.group(3), m.group(4), Long.parseLong(m.group(1)), Long.parseLong(m.group(2)),
                        epoch);
            }
            if ((m = STARTED.matcher(o)).matches() && WireName.parse(MoveKind.class, m.group(1)) != null) {
                return new Fact.MoveStarted(-1, x, WireName.parse(MoveKind.class, m.group(1)), m.group(2), m.group(3), epoch, false,
                        false);
            }
            return null;
        }

        private static Fact event(String instance, String o) {
            Matcher m;
            if ((m = INFORMED.matcher(o)).matches()) {
                return new Fact.Informed(instance, Long.parseLong(m.group(1)));
            }
            if ((m = LOST.matcher(o)).matches()) {
                return new Fact.RescueNeeded(instance, m.group(1));
            }
            if ((m = NOWHERE.matcher(o)).matches()) {
                return new Fact.RebootsInPlace(instance, null, m.group(1), -1);
            }
            if (o.equals("reschedule refused")) {
                return new Fact.Refused(instance, Fact.TenantRequest.RESCHEDULE, RefusalReason.NOTHING_TO_DO_NOW);
            }
            if (o.startsWith("tenant move refused: ")) {
                return new Fact.Refused(instance, Fact.TenantRequest.MOVE_NOW, o.endsWith("no patched host has room yet")
                        ? RefusalReason.NO_ROOM : RefusalReason.NOTHING_TO_DO_NOW);
            }
            if ((m = CHANGED.matcher(o)).matches()) {
                return eventChanged(instance, m);
            }
            return null;
        }

        private static Fact eventChanged(String instance, Matcher m) {
            EventState state;
            try {
                state = EventState.valueOf(m.group(1));
            } catch (IllegalArgumentException e) {
                return null;
            }
            long notBefore = Long.parseLong(m.group(2));
            String detail = m.group(3);
            Matcher d;
            MoveKind kind = MoveKind.RELOCATE;
            long downtime = 0;
            EventCause cause = null;
            for (EventCause c : EventCause.values()) {
                if (c.detail(MoveKind.RELOCATE, 0).equals(detail) && c != EventCause.STARTED_BY_TENANT) {
                    cause = c;
                }
            }
            if ((d = LIVE_PLANNED.matcher(detail)).matches()) {
                kind = MoveKind.LIVE_MIGRATE;
                cause = EventCause.PLANNED;
                downtime = Long.parseLong(d.group(1));
            } else if ((d = KIND_DETAIL.matcher(detail)).matches() && WireName.parse(MoveKind.class, d.group(2)) != null) {
                kind = WireName.parse(MoveKind.class, d.group(2));
                cause = d.group(1).equals("scheduled") ? EventCause.PLANNED : EventCause.STARTED_BY_FERRY;
            } else if ((d = MOVED.matcher(detail)).matches()) {
                cause = EventCause.MOVED;
                downtime = Long.parseLong(d.group(1));
            }
            return cause == null ? null : new Fact.EventChanged(instance, null, state, kind, notBefore, 0, 0, cause, downtime, null, null, null);
        }

        private static Fact hold(boolean hold, String instance, String o) {
            String[] f = o.split(" ");
            if (f.length != 3) {
                return null;
            }
            try {
                long cpu = Long.parseLong(f[1]);
                long mem = Long.parseLong(f[2]);
                return hold ? new Fact.Held(instance, f[0], cpu, mem) : new Fact.Unheld(instance, f[0], cpu, mem);
            } catch (NumberFormatException e) {
                return null;
            }
        }

        private static HostPhase phase(String name) {
            try {
                return HostPhase.valueOf(name);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
    }

    private static final Pattern ENDED = Pattern.compile("ended (halted|aborted): (.*)", Pattern.DOTALL);
    private static final Pattern UNPATCHED = Pattern.compile("FAILED: came back unpatched \\((.*)\\)", Pattern.DOTALL);
    private static final Pattern QEMU = Pattern.compile("qemu: downtime (\\d+) ms, total (\\d+) ms, (\\S+) -> (\\S+)");
    private static final Pattern STARTED = Pattern.compile("(\\S+) (\\S+) -> (\\S+)");
    private static final Pattern INFORMED = Pattern.compile("INFORMED live-migrate planned at (-?\\d+)");
    private static final Pattern LOST = Pattern.compile("host (\\S+) lost: restarting it elsewhere");
    private static final Pattern NOWHERE = Pattern.compile("no host in zone (\\S+) can take it: reboots in place");
    private static final Pattern CHANGED = Pattern.compile("([A-Z]+) notBefore=(-?\\d+): (.*)", Pattern.DOTALL);
    private static final Pattern KIND_DETAIL = Pattern.compile("(scheduled|started) (\\S+)");
    private static final Pattern MOVED = Pattern.compile("moved, down (-?\\d+) ms");
    private static final Pattern LIVE_PLANNED = Pattern.compile(
            "scheduled live-migrate \\(informational: the instance keeps running, paused up to (\\d+) ms as it switches over\\)");

    /** The fields of one v1 JSON line. */
    public static Line fields(String json) {
        long t = 0;
        long epoch = 0;
        String actor = null;
        String op = null;
        String target = null;
        String outcome = null;
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("a history line is a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                switch (name) {
                    case "t" -> t = p.getLongValue();
                    case "epoch" -> epoch = p.getLongValue();
                    case "actor" -> actor = p.getText();
                    case "op" -> op = p.getText();
                    case "target" -> target = p.getText();
                    case "outcome" -> outcome = p.getText();
                    default -> p.skipChildren();
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
        }
        if (actor == null || op == null || target == null || outcome == null) {
            throw new IllegalArgumentException("a history/v1 line needs t, actor, op, target, outcome and epoch");
        }
        return new Line(t, actor, op, target, outcome, epoch);
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
                        sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.toString();
    }
}

package dev.ferry.server.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.core.campaign.Effect;
import dev.ferry.core.campaign.Input;
import dev.ferry.core.campaign.WakeupReason;
import dev.ferry.core.history.Actor;
import dev.ferry.core.history.Fact;
import dev.ferry.core.history.HistoryRecord;
import dev.ferry.core.model.Fleet;
import dev.ferry.formats.HistoryJson;
import dev.ferry.formats.HistoryV1;
import java.util.ArrayList;
import java.util.List;

/**
 * What a campaign on real hypervisors heard back — an agent's answer with the facts it implies, or
 * a wake-up — as stored in the {@code answers} table, and which sent effect an answer settles.
 */
final class AgentAnswers {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One stored answer: the agents' facts (they take the answer's time) and the input. */
    record Answer(long seq, long timeMs, List<Fact> facts, Input input) {
        String body() {
            ObjectNode o = JSON.createObjectNode();
            ObjectNode in = o.putObject("input");
            switch (input) {
                case Input.MoveCompleted c -> in.put("kind", "move-completed").put("move", c.moveId()).put("downtimeMs", c.downtimeMs());
                case Input.MoveFailed f -> in.put("kind", "move-failed").put("move", f.moveId()).put("reason", f.reason())
                        .put("notConverging", f.notConverging()).put("runsAtEpoch", f.runsAtEpoch());
                case Input.HostPatched p -> in.put("kind", "host-patched").put("host", p.host());
                case Input.HostRebooted r -> in.put("kind", "host-rebooted").put("host", r.host()).put("version", r.version());
                case Input.HostVerified v -> in.put("kind", "host-verified").put("host", v.host()).put("version", v.version());
                case Input.InstanceStarted s -> in.put("kind", "instance-started").put("instance", s.instance()).put("host", s.host())
                        .put("epoch", s.epoch());
                case Input.InstanceStopped t -> in.put("kind", "instance-stopped").put("instance", t.instance()).put("host", t.host());
                case Input.InstanceReset t -> in.put("kind", "instance-reset").put("instance", t.instance()).put("host", t.host());
                case Input.Wakeup w -> in.put("kind", "wakeup").put("at", w.atMs()).put("reason", w.reason().kind().wireName())
                        .put("subject", w.reason().subject());
                case Input.TenantMoveNow n -> throw new IllegalArgumentException("tenant requests are stored as inputs");
                case Input.TenantReschedule r -> throw new IllegalArgumentException("tenant requests are stored as inputs");
                case Input.TenantStop t -> throw new IllegalArgumentException("tenant requests are stored as inputs");
                case Input.TenantStart t -> throw new IllegalArgumentException("tenant requests are stored as inputs");
                case Input.TenantReboot t -> throw new IllegalArgumentException("tenant requests are stored as inputs");
                case Input.HostDown d -> throw new IllegalArgumentException("the health watch's word is stored as an input");
                case Input.HostJoined j -> throw new IllegalArgumentException("advisory changes are stored as inputs");
                case Input.HostLeft l -> throw new IllegalArgumentException("advisory changes are stored as inputs");
                case Input.HostFenced f -> in.put("kind", "host-fenced").put("host", f.host()).put("how", f.how().name());
            }
            ArrayNode facts = o.putArray("facts");
            try {
                for (Fact f : this.facts) {
                    facts.add(JSON.readTree(HistoryJson.line(new HistoryRecord(0, Actor.AGENT, f))));
                }
                return JSON.writeValueAsString(o);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }

        /** A stored answer; {@code fleet} reads the host indexes of answers stored before history/v2. */
        static Answer parse(long seq, long timeMs, String body, Fleet fleet) {
            JsonNode o;
            try {
                o = JSON.readTree(body);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("stored answer " + seq + " is not JSON: " + e.getOriginalMessage());
            }
            JsonNode in = o.path("input");
            Input input = switch (in.path("kind").asText()) {
                case "move-completed" -> new Input.MoveCompleted(in.path("move").asLong(), in.path("downtimeMs").asLong());
                case "move-failed" -> new Input.MoveFailed(in.path("move").asLong(), in.path("reason").asText(),
                        in.path("notConverging").asBoolean(), in.path("runsAtEpoch").asLong(-1));
                case "host-patched" -> new Input.HostPatched(in.path("host").asInt());
                case "host-rebooted" -> new Input.HostRebooted(in.path("host").asInt(), in.path("version").asText());
                case "host-verified" -> new Input.HostVerified(in.path("host").asInt(), in.path("version").asText());
                case "instance-started" -> new Input.InstanceStarted(in.path("instance").asInt(), in.path("host").asInt(),
                        in.path("epoch").asLong());
                case "instance-stopped" -> new Input.InstanceStopped(in.path("instance").asInt(), in.path("host").asInt());
                case "instance-reset" -> new Input.InstanceReset(in.path("instance").asInt(), in.path("host").asInt());
                case "wakeup" -> new Input.Wakeup(in.path("at").asLong(), reason(in, fleet));
                case "host-fenced" -> new Input.HostFenced(in.path("host").asInt(), Fact.Fence.valueOf(in.path("how").asText()));
                default -> throw new IllegalStateException("stored answer " + seq + " has an unknown kind");
            };
            List<Fact> facts = new ArrayList<>();
            HistoryV1.Reader v1 = new HistoryV1.Reader();
            for (JsonNode f : o.path("facts")) {
                if (f.has("fact")) {
                    facts.add(HistoryJson.parse(f.toString()).fact());
                } else { // stored before history/v2
                    facts.add(v1.fact(new HistoryV1.Line(0, f.path("actor").asText(), f.path("op").asText(), f.path("target").asText(),
                            f.path("outcome").asText(), f.path("epoch").asLong())).fact());
                }
            }
            return new Answer(seq, timeMs, facts, input);
        }
    }

    private AgentAnswers() {
    }

    /** A wake-up's reason: kind and subject; before history/v2 one string, "kind:subject" (a reboot time-out named the host's index). */
    private static WakeupReason reason(JsonNode in, Fleet fleet) {
        String text = in.path("reason").asText();
        if (in.has("subject") || WakeupReason.Kind.parse(text) != null && !text.contains(":")) {
            return new WakeupReason(WakeupReason.Kind.parse(text), in.path("subject").isNull() || in.path("subject").isMissingNode()
                    ? null : in.path("subject").asText());
        }
        int colon = text.indexOf(':');
        WakeupReason.Kind kind = WakeupReason.Kind.parse(colon < 0 ? text : text.substring(0, colon));
        if (kind == null) {
            throw new IllegalStateException("a stored wake-up has an unknown reason: " + text);
        }
        String subject = colon < 0 ? null : text.substring(colon + 1);
        if (kind == WakeupReason.Kind.REBOOT_TIMEOUT && subject != null && subject.matches("\\d+")) {
            subject = fleet.host(Integer.parseInt(subject)).id();
        }
        return new WakeupReason(kind, subject);
    }

    /** The answer an effect waits for, as a key both sides compute; null for effects nobody answers. */
    static String awaited(Effect e) {
        return switch (e) {
            case Effect.StartMove m -> "move " + m.moveId();
            case Effect.PatchHost p -> "patch " + p.host();
            case Effect.RebootHost r -> "reboot " + r.host();
            case Effect.VerifyHost v -> "verify " + v.host();
            case Effect.StartInstance s -> "start " + s.instance();
            case Effect.StopInstance s -> "stop " + s.instance();
            case Effect.RebootInstance r -> "reset " + r.instance();
            case Effect.FenceHost f -> "fence " + f.host();
            default -> null;
        };
    }

    static String settles(Input in) {
        return switch (in) {
            case Input.MoveCompleted c -> "move " + c.moveId();
            case Input.MoveFailed f -> "move " + f.moveId();
            case Input.HostPatched p -> "patch " + p.host();
            case Input.HostRebooted r -> "reboot " + r.host();
            case Input.HostVerified v -> "verify " + v.host();
            case Input.InstanceStarted s -> "start " + s.instance();
            case Input.InstanceStopped s -> "stop " + s.instance();
            case Input.InstanceReset r -> "reset " + r.instance();
            case Input.HostFenced f -> "fence " + f.host();
            default -> null;
        };
    }
}

package dev.ferry.cli.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.cli.Durations;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code ferry campaigns watch}: a campaign's event stream as progress lines — a bar of the hosts
 * patched, the state, the hosts in each maintenance phase, the moves — one line each time it
 * changes, a line of its own for each new failure, and the end. As JSON: each event's data, one
 * per line. Not thread-safe.
 */
final class Watch {
    private static final int BAR = 30;
    /** The phases a host is in maintenance in (failed and skipped hosts are counted apart). */
    private static final java.util.Set<String> IN_MAINTENANCE = java.util.Set.of("cordoned", "draining", "parked", "patching",
            "rebooting", "verifying");

    private final ClientOptions.Output out;
    private String lastLine;
    private long failedHosts;
    private long failedMoves;
    private JsonNode last;
    private boolean ended;

    Watch(ClientOptions.Output out) {
        this.out = out;
    }

    /**
     * Follows the campaign until it ends: 0 when it completed, 4 when it halted or was aborted; a
     * campaign that does not run (proposed, superseded) is invalid input.
     */
    int follow(ServerApi api, String id) throws ClientError {
        api.stream("/v1/campaigns/" + ServerApi.segment(id) + "/stream", (event, data) -> {
            JsonNode view;
            try {
                view = ServerApi.JSON.readTree(data);
            } catch (IOException e) {
                return true; // not a view: nothing to show
            }
            if (out.json()) {
                out.out().println(view.toString());
            } else {
                show(view);
            }
            out.out().flush();
            last = view;
            ended = event.equals("end");
            return !ended;
        });
        if (!ended || last == null) {
            throw new ClientError(ClientError.UNAVAILABLE, "the event stream ended before the campaign did; watch again to go on");
        }
        String state = last.path("state").asText();
        if (!state.equals("completed") && !state.equals("halted") && !state.equals("aborted")) {
            throw new ClientError(ClientError.INVALID, id + " is " + state + ": it does not run" + (state.equals("proposed")
                    ? " (approve it first)" : ""));
        }
        if (!out.json()) {
            out.out().println(id + " " + state + ": " + last.path("hostsPatched").asLong() + " of " + last.path("affectedHosts").asLong()
                    + " hosts patched, " + last.path("hostsFailed").asLong() + " failed" + (last.hasNonNull("endReason")
                    && !last.get("endReason").asText().isBlank() ? " (" + last.get("endReason").asText() + ")" : ""));
        }
        return state.equals("completed") ? 0 : 4;
    }

    private void show(JsonNode v) {
        JsonNode live = v.path("live");
        long affected = v.path("affectedHosts").asLong();
        long patched = live.path("hostsPatched").asLong(v.path("hostsPatched").asLong());
        long failed = live.path("hostsFailed").asLong(v.path("hostsFailed").asLong());
        long moveFailures = live.path("failedMigrations").asLong();
        if (failed > failedHosts) {
            out.out().println("! " + (failed - failedHosts) + " more host" + (failed - failedHosts == 1 ? "" : "s") + " failed ("
                    + failed + " in all)");
        }
        if (moveFailures > failedMoves) {
            out.out().println("! " + (moveFailures - failedMoves) + " more move" + (moveFailures - failedMoves == 1 ? "" : "s")
                    + " failed (" + moveFailures + " in all)");
        }
        failedHosts = Math.max(failedHosts, failed);
        failedMoves = Math.max(failedMoves, moveFailures);
        int filled = affected == 0 ? BAR : (int) Math.min(BAR, patched * BAR / affected);
        StringBuilder line = new StringBuilder(String.format("%-9s [%s%s] %d/%d patched", v.path("state").asText(), "#".repeat(filled),
                ".".repeat(BAR - filled), patched, affected));
        if (failed > 0) {
            line.append(", ").append(failed).append(" failed");
        }
        List<String> phases = new ArrayList<>();
        live.path("hostsByPhase").fields().forEachRemaining(e -> {
            if (e.getValue().asInt() > 0 && IN_MAINTENANCE.contains(e.getKey())) {
                phases.add(e.getKey() + " " + e.getValue().asInt());
            }
        });
        if (!phases.isEmpty()) {
            line.append(" | ").append(String.join(", ", phases));
        }
        if (!live.isMissingNode()) {
            line.append(" | moves: ").append(live.path("liveMigrations").asLong()).append(" live, ")
                    .append(live.path("relocations").asLong()).append(" relocated, ").append(live.path("rebootsInPlace").asLong())
                    .append(" rebooted in place | ").append(Durations.human(live.path("virtualSeconds").asLong())).append(" in");
        }
        if (!line.toString().equals(lastLine)) {
            out.out().println(line);
            lastLine = line.toString();
        }
    }
}

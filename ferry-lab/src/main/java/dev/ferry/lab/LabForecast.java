package dev.ferry.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.agent.AgentClient;
import dev.ferry.agent.Poll;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The lab's forecast and the model it learns from (docs/forecast.md). The lab's controller starts from
 * nothing at every run, so the learned model lives in a file of the lab's ({@code --model}, by default
 * {@code <dir>/model.json}): imported into the controller before the proposal ({@code PUT /v1/model}),
 * so that the proposal's forecast is timed with what earlier lab campaigns measured, and saved again
 * once the controller has added this campaign to it. The first run, with no model, forecasts with
 * the policy's durations and the simulator's assumptions; from the second on, with this machine's.
 */
final class LabForecast {
    /** Simulations in the lab's forecast unless {@code --forecast} says otherwise. */
    static final int RUNS = 200;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the forecast said and whether the campaign's time fell in its band (P10 to P99, whole seconds as the forecast counts). */
    record Judged(long p10Seconds, long p50Seconds, long p99Seconds, Integer model, boolean inBand) {
    }

    private final AgentClient api;
    private final Path file;
    private final PrintWriter out;
    private Integer imported;

    /** @param file the model file (null: none read or written) */
    LabForecast(AgentClient api, Path file, PrintWriter out) {
        this.api = api;
        this.file = file;
        this.out = out;
    }

    /** Imports the model file into the controller when there is one; a file the controller refuses stops the lab. */
    void importModel() throws IOException, InterruptedException {
        if (file == null || !Files.exists(file)) {
            out.printf(Locale.ROOT, "  model: none yet%s: the forecast uses the policy's durations and the simulator's assumptions%n",
                    file == null ? "" : " (" + file + " is written after this run)");
            return;
        }
        JsonNode v;
        try {
            v = api.send("PUT", "/v1/model", Files.readString(file), "application/json");
        } catch (AgentClient.Refused e) {
            throw new IOException("the model in " + file + " was refused: " + e.getMessage(), e);
        }
        imported = v.path("version").asInt();
        out.printf(Locale.ROOT, "  model: %s, learnt from %d earlier lab campaigns%n", file, v.path("campaigns").asInt());
    }

    /** Waits for the proposal's forecast (the controller's, in the background) and prints it; null when it failed or there is none. */
    JsonNode await(String campaign) throws Exception {
        JsonNode f = Poll.until(120_000, 50, () -> {
            JsonNode x = api.get("/v1/campaigns/" + campaign).path("forecast");
            return x.isObject() && !x.path("state").asText().equals("running") ? x : null;
        });
        if (f == null || !f.path("state").asText().equals("done")) {
            out.println("  forecast: " + (f == null ? "none within 2 minutes" : "failed: " + f.path("error").asText()));
            return null;
        }
        out.printf(Locale.ROOT, "  forecast (%d simulated campaigns, %s): P10 %d s, P50 %d s, P90 %d s, P99 %d s%n", f.path("runs").asInt(),
                f.path("model").isNull() ? "no learned model" : "model version " + f.path("model").asInt(), f.path("p10Seconds").asLong(),
                f.path("p50Seconds").asLong(), f.path("p90Seconds").asLong(), f.path("p99Seconds").asLong());
        out.flush();
        return f;
    }

    /** The campaign's measured time against the forecast's band: the forecast counts whole seconds, rounded up, as this does. */
    Judged judge(JsonNode forecast, long measuredMs) {
        if (forecast == null) {
            return null;
        }
        long measured = (measuredMs + 999) / 1000;
        long p10 = forecast.path("p10Seconds").asLong();
        long p99 = forecast.path("p99Seconds").asLong();
        boolean in = measured >= p10 && measured <= p99;
        out.printf(Locale.ROOT, "  forecast band P10-P99 %d-%d s; measured %.1f s (%d s): %s%n", p10, p99, measuredMs / 1000.0, measured,
                in ? "inside" : measured < p10 ? "below the band" : "above the band");
        return new Judged(p10, forecast.path("p50Seconds").asLong(), p99, forecast.path("model").isNull() ? null
                : forecast.path("model").asInt(), in);
    }

    /** Waits for the controller to add the ended campaign to the model, then writes the model to the file. */
    void save() throws Exception {
        if (file == null) {
            return;
        }
        JsonNode learnt = Poll.until(30_000, 50, () -> {
            try {
                JsonNode m = api.get("/v1/model");
                return imported == null || m.path("version").asInt() > imported ? m : null;
            } catch (AgentClient.Refused e) {
                return null; // not learnt yet
            }
        });
        if (learnt == null) {
            out.println("  model: the controller learnt nothing from this campaign within 30 s; " + file + " is left as it was");
            return;
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path part = file.resolveSibling(file.getFileName() + ".part");
        Files.writeString(part, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(learnt.path("model")) + "\n");
        Files.move(part, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        out.printf(Locale.ROOT, "  model: this campaign added (%d lab campaigns in all), saved to %s%n", learnt.path("campaigns").asInt(),
                file);
    }
}

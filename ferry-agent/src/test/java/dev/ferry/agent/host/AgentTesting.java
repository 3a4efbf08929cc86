package dev.ferry.agent.host;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/** Calls to an agent's HTTP API and reading a heartbeat guest's serial log, for the agent tests of both backends. */
public final class AgentTesting {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private AgentTesting() {
    }


    public static JsonNode awaitMigrationEnd(Agent a, String id) {
        return awaitMigrationEnd(a.port(), id);
    }

    public static JsonNode awaitMigrationEnd(int a, String id) {
        JsonNode[] last = new JsonNode[1];
        await("migration of " + id + " ended", () -> {
            last[0] = get(a, "/v1/instances/" + id + "/migration");
            String s = last[0].get("status").asText();
            return s.equals("completed") || s.equals("failed") || s.equals("cancelled");
        });
        return last[0];
    }

    public static List<JsonNode> instances(Agent a) {
        return instances(a.port());
    }

    public static List<JsonNode> instances(int a) {
        List<JsonNode> out = new ArrayList<>();
        get(a, "/v1/host").get("instances").forEach(out::add);
        return out;
    }

    public static List<Long> beats(Path serialLog) throws IOException {
        List<Long> out = new ArrayList<>();
        for (String l : Files.readAllLines(serialLog)) {
            String text = l.substring(l.indexOf(' ') + 1).trim();
            if (text.matches("\\d+")) {
                out.add(Long.parseLong(text));
            }
        }
        return out;
    }

    public static void awaitBeats(Path serialLog, int n) {
        await(n + " beats in " + serialLog, () -> {
            try {
                return Files.exists(serialLog) && beats(serialLog).size() >= n;
            } catch (IOException e) {
                return false;
            }
        });
    }

    /** Polls a condition (QEMU and the guest run at their own pace) for up to two minutes. */
    public static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            try {
                Thread.sleep(20); // polling an outside process
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    public static JsonNode get(Agent a, String path) {
        return get(a.port(), path);
    }

    public static JsonNode get(int port, String path) {
        return call(port, "GET", path, null, -1);
    }

    public static JsonNode post(Agent a, String path, String body, int expected) {
        return call(a.port(), "POST", path, body, expected);
    }

    public static JsonNode post(int port, String path, String body, int expected) {
        return call(port, "POST", path, body, expected);
    }

    public static JsonNode call(int port, String method, String path, String body, int expected) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(30))
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            if (expected > 0 && r.statusCode() != expected || expected < 0 && r.statusCode() != 200) {
                throw new AssertionError(method + " " + path + ": " + r.statusCode() + " " + r.body());
            }
            return r.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(r.body());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The destination's guest goes on counting where the source's stopped, without booting again. */
    public static void counterWentOn(Path srcLog, Path dstLog) throws IOException {
        awaitBeats(dstLog, 20);
        List<Long> before = beats(srcLog);
        List<Long> after = beats(dstLog);
        long first = after.get(0);
        // a line the switch-over cut ("~2" at the source) goes on at the destination ("93"): one beat, 293
        List<Guest.SerialLine> src = Guest.SerialLine.read(srcLog);
        List<Guest.SerialLine> dst = Guest.SerialLine.read(dstLog);
        String piece = src.isEmpty() ? "" : src.get(src.size() - 1).text();
        if (piece.startsWith("~") && !dst.isEmpty() && dst.get(0).text().matches("\\d+")) {
            first = Long.parseLong(piece.substring(1) + dst.get(0).text());
        }
        assertThat(first).as("the counter goes on where it was").isEqualTo(before.get(before.size() - 1) + 1);
        assertThat(Files.readString(dstLog)).doesNotContain("boot");
    }

    /** The port an agent in another process listens on (its first line of output). */
    public static int remote(Process p) throws IOException {
        java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()));
        String line;
        while ((line = r.readLine()) != null) {
            if (line.startsWith("port=")) {
                int port = Integer.parseInt(line.substring(5));
                Thread.ofVirtual().start(() -> r.lines().forEach(l -> { })); // drain its output
                return port;
            }
        }
        throw new AssertionError("the agent process ended before it listened");
    }
}

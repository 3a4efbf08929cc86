package dev.ferry.lab;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.agent.AgentClient;
import dev.ferry.agent.host.AgentProcess;
import dev.ferry.core.history.Fact;
import dev.ferry.core.history.HistoryRecord;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * {@code ferry lab --kill-host}: the last host's agent runs as a process of its own
 * ({@link AgentProcess}), and once the campaign has switched a first guest over it is killed with
 * {@code SIGKILL}, its QEMU processes with it, the way a host dies. The controller's health watch
 * then calls the host down, the campaign fences it and restarts its guests elsewhere.
 */
public final class LabKill implements AutoCloseable {
    /**
     * What became of the killed host: seconds from the kill until the controller called it down
     * (−1: never), how it was fenced (null: never), guests restarted elsewhere after the fence, and
     * restarts of its guests before the fence (always 0, or two copies could have run).
     */
    public record Loss(String host, double downAfterSeconds, String fence, int rescued, int rescuedBeforeFence) {
        public String line() {
            return String.format(Locale.ROOT, "host %s killed: down after %.1f s, fenced (%s), %d guests restarted elsewhere", host,
                    downAfterSeconds, fence, rescued);
        }
    }

    private final String host;
    private final Process agent;
    private final Path data;
    private final int port;
    private volatile long killedAtWallMs;
    private final java.time.InstantSource clock;

    private LabKill(String host, Process agent, Path data, int port, java.time.InstantSource clock) {
        this.clock = clock;
        this.host = host;
        this.agent = agent;
        this.data = data;
        this.port = port;
    }

    /** Starts the host's agent process (reporting to {@code controller} every second) and waits until it serves. */
    static LabKill start(String host, Path data, String version, String qemu, Duration reboot, String controller, String token,
                         java.time.InstantSource clock) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), AgentProcess.class.getName(), host,
                data.toString(), version, qemu, Long.toString(reboot.toMillis()), controller, token, "1000")
                .redirectError(ProcessBuilder.Redirect.appendTo(data.resolveSibling(host + "-agent.log").toFile())).start();
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = r.readLine(); // blocks until it serves, or it died
        if (line == null || !line.startsWith("listening ")) {
            p.destroyForcibly();
            throw new IOException("the agent process of " + host + " did not start (see " + data.resolveSibling(host + "-agent.log")
                    + ")");
        }
        return new LabKill(host, p, data, Integer.parseInt(line.substring("listening ".length()).trim()), clock);
    }

    int port() {
        return port;
    }

    /**
     * Waits until the campaign has switched a guest over (it is under way), then kills the agent and
     * its QEMU processes with SIGKILL.
     */
    void killMidCampaign(AgentClient api, String campaign, Lab.Changes changes, PrintWriter out) throws Exception {
        long seen = changes.await(-1, 0);
        while (!switchedOver(api, campaign)) {
            seen = changes.await(seen, 1000);
        }
        List<ProcessHandle> qemus = Stream.concat(agent.descendants(), pidFiles()).distinct().toList();
        agent.destroyForcibly(); // SIGKILL
        qemus.forEach(ProcessHandle::destroyForcibly);
        agent.waitFor();
        killedAtWallMs = clock.millis(); // the controller's clock: the history's times are measured on it
        out.printf(Locale.ROOT, "  killed host %s: its agent and %d QEMU processes (SIGKILL)%n", host, qemus.size());
        out.flush();
    }

    /** From the campaign's history ({@code startedAtWallMs}: its approval): when the host went down, its fence, its guests' restarts. */
    Loss loss(List<HistoryRecord> facts, long startedAtWallMs) {
        long downAt = -1;
        String fence = null;
        int rescued = 0;
        int early = 0;
        java.util.Set<String> lostHere = new java.util.HashSet<>();
        for (var r : facts) {
            var f = r.fact();
            if (f instanceof Fact.HostDown d && d.host().equals(host) && downAt < 0) {
                downAt = r.timeMs();
            } else if (f instanceof Fact.HostFenced fenced && fenced.host().equals(host)) {
                fence = fenced.how().name().toLowerCase(Locale.ROOT).replace('_', '-');
            } else if (f instanceof Fact.RescueNeeded n && n.lostHost().equals(host)) {
                lostHere.add(n.instance());
            } else if (f instanceof Fact.DisruptionEnded end && end.end() == Fact.DisruptionEnd.RESCUED
                    && lostHere.contains(end.instance())) {
                rescued++;
                early += fence == null ? 1 : 0;
            }
        }
        double downAfter = downAt < 0 || killedAtWallMs == 0 ? -1 : (startedAtWallMs + downAt - killedAtWallMs) / 1000.0;
        return new Loss(host, downAfter, fence, rescued, early);
    }

    private static boolean switchedOver(AgentClient api, String campaign) throws Exception {
        JsonNode page = api.get("/v1/history?campaign=" + campaign + "&limit=1000");
        for (JsonNode f : page.path("items")) {
            if (f.path("fact").asText().equals("switched-over")) {
                return true;
            }
        }
        String state = api.get("/v1/campaigns/" + campaign).path("state").asText();
        return List.of("completed", "halted", "aborted").contains(state); // over before any move: kill it anyway
    }

    /** The QEMU processes the agent started, by their pid files (they outlive an agent that is killed alone). */
    private Stream<ProcessHandle> pidFiles() throws IOException {
        Path instances = data.resolve("instances");
        if (!Files.isDirectory(instances)) {
            return Stream.empty();
        }
        try (Stream<Path> dirs = Files.list(instances)) {
            return dirs.map(d -> d.resolve("qemu.pid")).filter(Files::exists).map(f -> {
                try {
                    return ProcessHandle.of(Long.parseLong(Files.readString(f).trim()));
                } catch (IOException | NumberFormatException e) {
                    return java.util.Optional.<ProcessHandle>empty();
                }
            }).flatMap(java.util.Optional::stream).toList().stream();
        }
    }

    @Override
    public void close() {
        agent.descendants().forEach(ProcessHandle::destroyForcibly);
        agent.destroyForcibly();
    }
}

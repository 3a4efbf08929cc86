package dev.ferry.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.core.campaign.Effect;
import dev.ferry.core.campaign.HistoryRecord;
import dev.ferry.core.campaign.Input;
import dev.ferry.core.campaign.Ports;
import dev.ferry.core.model.Advisory;
import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.Instance;
import dev.ferry.core.model.Policy;
import dev.ferry.core.planner.MoveKind;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The campaign runtime's {@link Ports.Driver} for real hypervisors: each effect becomes calls to
 * the host agents, made on virtual threads; each answer comes back to the campaign loop (through
 * {@code loop}) as an {@link Input}, with the facts it implies ({@code stop}, {@code run}) recorded
 * first, so the invariant checker sees what the hosts did.
 *
 * <p>A live migration: the destination is prepared first (an incoming QEMU started with the move's
 * new placement epoch, which the agent refuses if it is not newer than any it has seen), then the
 * source migrates with the policy's downtime limit and bandwidth and auto-converge; once QEMU reports
 * it completed, the destination is confirmed running before the source is stopped. A failed
 * migration stops the prepared destination and leaves the source running.
 */
public final class AgentDriver implements Ports.Driver {
    /** What happened to an instance, for the lab's report. */
    public record Moved(String instance, String kind, String from, String to, long atMs, Long qemuDowntimeMs, long epoch,
                        boolean completed, String detail) {
    }

    private final Fleet fleet;
    private final Policy policy;
    private final Advisory advisory;
    private final List<AgentClient> agents;
    private final Ports.Store store;
    private final Executor loop;
    private final Consumer<Input> deliver;
    private final LongSupplier now;
    private final long[] epoch;
    private final int[] host;
    private final List<Moved> moved = Collections.synchronizedList(new ArrayList<>());

    public AgentDriver(Fleet fleet, Policy policy, Advisory advisory, List<AgentClient> agentsByHost, Ports.Store store,
                       Executor loop, Consumer<Input> deliver, LongSupplier now) {
        this.fleet = fleet;
        this.policy = policy;
        this.advisory = advisory;
        this.agents = agentsByHost;
        this.store = store;
        this.loop = loop;
        this.deliver = deliver;
        this.now = now;
        this.epoch = new long[fleet.instances().size()];
        this.host = new int[fleet.instances().size()];
        for (int i = 0; i < host.length; i++) {
            epoch[i] = 1;
            host[i] = fleet.hostOf(i);
        }
    }

    public List<Moved> moved() {
        synchronized (moved) {
            return List.copyOf(moved);
        }
    }

    /** Starts every instance where the inventory says it runs, with epoch 1 (the lab's set-up). */
    public void launchAll() throws IOException, InterruptedException {
        for (int i = 0; i < host.length; i++) {
            launch(i, host[i], 1);
        }
    }

    @Override
    public void apply(Effect effect) {
        switch (effect) {
            case Effect.Cordon c -> {
                // placement is the controller's: the agent has nothing to do
            }
            case Effect.StartMove m -> async(() -> move(m));
            case Effect.PatchHost p -> async(() -> {
                Thread.sleep(policy.durations().patch().toMillis()); // the fixed version is "installed"
                answer(List.of(), new Input.HostPatched(p.host()));
            });
            case Effect.RebootHost r -> async(() -> reboot(r.host()));
            case Effect.VerifyHost v -> async(() -> verify(v.host()));
            case Effect.StartInstance s -> async(() -> {
                launch(s.instance(), s.host(), s.epoch());
                answer(List.of(run(s.instance(), s.host(), s.epoch())), new Input.InstanceStarted(s.instance(), s.host(), s.epoch()));
            });
            case Effect.Notify n -> throw new IllegalArgumentException("notices go to the notifier");
            case Effect.Wakeup w -> throw new IllegalArgumentException("wake-ups go to the timer");
        }
    }

    private interface Work {
        void run() throws Exception;
    }

    private void async(Work w) {
        Thread.ofVirtual().name("driver").start(() -> {
            try {
                w.run();
            } catch (Exception e) {
                // an effect whose agent call failed outright: the campaign's timeouts notice the missing answer
                System.err.println("ferry: driver: " + e);
            }
        });
    }

    private void move(Effect.StartMove m) throws Exception {
        int i = m.instance();
        Instance inst = fleet.instance(i);
        String kind = m.kind().wireName();
        AgentClient src = agents.get(m.from());
        AgentClient dst = agents.get(m.to());
        long started = now.getAsLong();
        if (m.kind() != MoveKind.LIVE_MIGRATE) {
            // relocation (or restart in place): stop, then start where the plan says, with the new epoch
            src.post("/v1/instances/" + inst.id() + "/stop", Map.of());
            HistoryRecord stop = stop(i, m.from(), false);
            launch(i, m.to(), m.epoch());
            long downtime = now.getAsLong() - started;
            record(new Moved(inst.id(), kind, host(m.from()), host(m.to()), started, null, m.epoch(), true, downtime + " ms stopped"));
            answer(List.of(stop, run(i, m.to(), m.epoch())), new Input.MoveCompleted(m.moveId(), downtime));
            return;
        }
        JsonNode in;
        try {
            in = dst.post("/v1/instances/" + inst.id() + "/incoming", Map.of("id", inst.id(), "epoch", m.epoch(),
                    "memoryMiB", inst.memoryMiB(), "dirtyMiBPerSecond", dirty(inst)));
        } catch (IOException e) {
            fail(m, started, "destination refused: " + e.getMessage());
            return;
        }
        var lm = policy.liveMigration();
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("host", in.get("host").asText());
        settings.put("port", in.get("port").asInt());
        settings.put("downtimeLimitMs", lm.maxDowntime().toMillis());
        settings.put("maxBandwidthBytesPerSecond", (long) (lm.bandwidthMiBps() * (1 << 20)));
        settings.put("autoConverge", true);
        settings.put("postcopy", m.postCopy());
        try {
            src.post("/v1/instances/" + inst.id() + "/migrate", settings);
        } catch (IOException e) {
            dst.post("/v1/instances/" + inst.id() + "/stop", Map.of());
            fail(m, started, "source refused: " + e.getMessage());
            return;
        }
        long timeoutMs = lm.timeoutPerGiB().toMillis() * Math.max(1, inst.memoryMiB()) / 1024 + 10_000;
        JsonNode result = awaitMigration(src, inst.id(), timeoutMs);
        if (!result.path("status").asText().equals("completed")) {
            stopQuietly(dst, inst.id());
            fail(m, started, "migration " + result.path("status").asText() + ": " + result.path("error").asText(""));
            return;
        }
        // the destination is confirmed running before the source is stopped
        awaitRunning(dst, inst.id(), 30_000);
        src.post("/v1/instances/" + inst.id() + "/stop", Map.of());
        long downtime = result.path("downtimeMs").asLong();
        record(new Moved(inst.id(), kind, host(m.from()), host(m.to()), started, downtime, m.epoch(), true,
                result.path("totalTimeMs").asLong() + " ms in all"));
        answer(List.of(stop(i, m.from(), false), run(i, m.to(), m.epoch())), new Input.MoveCompleted(m.moveId(), downtime));
    }

    private void fail(Effect.StartMove m, long started, String reason) {
        Instance inst = fleet.instance(m.instance());
        record(new Moved(inst.id(), m.kind().wireName(), host(m.from()), host(m.to()), started, null, m.epoch(), false, reason));
        answer(List.of(), new Input.MoveFailed(m.moveId(), reason, false));
    }

    private void reboot(int h) throws Exception {
        List<HistoryRecord> stopped = new ArrayList<>();
        for (int i = 0; i < host.length; i++) {
            if (host[i] == h) {
                stopped.add(stop(i, h, true)); // still on the host's disk: restarted after the reboot
            }
        }
        AgentClient a = agents.get(h);
        a.post("/v1/reboot", Map.of("version", advisory.fixedVersion(), "force", !stopped.isEmpty()));
        String version = awaitBack(a, advisory.fixedVersion(), 120_000);
        answer(stopped, new Input.HostRebooted(h, version));
    }

    private void verify(int h) throws Exception {
        List<HistoryRecord> facts = new ArrayList<>();
        for (int i = 0; i < host.length; i++) {
            if (host[i] == -2 - h) {
                long e = epoch[i] + 1;
                launch(i, h, e); // the guests the reboot stopped start again
                facts.add(run(i, h, e));
                record(new Moved(fleet.instance(i).id(), "reboot-in-place", host(h), host(h), now.getAsLong(), null, e, true,
                        "restarted after the host's reboot"));
            }
        }
        String version = agents.get(h).get("/v1/host").path("version").asText();
        answer(facts, new Input.HostVerified(h, version));
    }

    private void launch(int i, int h, long e) throws IOException, InterruptedException {
        Instance inst = fleet.instance(i);
        agents.get(h).post("/v1/instances", Map.of("id", inst.id(), "epoch", e, "memoryMiB", inst.memoryMiB(),
                "dirtyMiBPerSecond", dirty(inst)));
    }

    private static int dirty(Instance inst) {
        return (int) Math.round(inst.dirtyRateMiBps());
    }

    private static JsonNode awaitMigration(AgentClient src, String id, long timeoutMs) throws Exception {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        while (true) {
            JsonNode m = src.get("/v1/instances/" + id + "/migration");
            String s = m.path("status").asText();
            if (s.equals("completed") || s.equals("failed") || s.equals("cancelled")) {
                return m;
            }
            if (System.nanoTime() > deadline) {
                src.post("/v1/instances/" + id + "/migration/cancel", Map.of());
            }
            Thread.sleep(20); // the agent has no blocking wait: poll
        }
    }

    private static void awaitRunning(AgentClient dst, String id, long timeoutMs) throws Exception {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        while (System.nanoTime() < deadline) {
            for (JsonNode i : dst.get("/v1/host").path("instances")) {
                if (i.path("id").asText().equals(id) && i.path("role").asText().equals("running")) {
                    return;
                }
            }
            Thread.sleep(20);
        }
        throw new IOException("the destination does not report " + id + " running");
    }

    /** Waits for a rebooting agent to answer again; returns the version it reports. */
    private static String awaitBack(AgentClient a, String expected, long timeoutMs) throws Exception {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        String seen = null;
        while (System.nanoTime() < deadline) {
            try {
                seen = a.get("/v1/host").path("version").asText();
                if (seen.equals(expected)) {
                    return seen;
                }
            } catch (IOException e) {
                // down while it reboots
            }
            Thread.sleep(100);
        }
        if (seen == null) {
            throw new IOException("the host did not come back");
        }
        return seen;
    }

    private static void stopQuietly(AgentClient a, String id) {
        try {
            a.post("/v1/instances/" + id + "/stop", Map.of());
        } catch (IOException | InterruptedException e) {
            // it may never have started, or died
        }
    }

    /** A stop fact; {@code byReboot}: the guest stays on the host's disk and starts again after the reboot. */
    private HistoryRecord stop(int i, int h, boolean byReboot) {
        synchronized (host) {
            HistoryRecord r = new HistoryRecord(now.getAsLong(), "agent", HistoryRecord.Op.STOP, fleet.instance(i).id(), host(h), epoch[i]);
            host[i] = byReboot ? -2 - h : -1;
            return r;
        }
    }

    private HistoryRecord run(int i, int h, long e) {
        synchronized (host) {
            host[i] = h;
            epoch[i] = e;
            return new HistoryRecord(now.getAsLong(), "agent", HistoryRecord.Op.RUN, fleet.instance(i).id(), host(h), e);
        }
    }

    private String host(int h) {
        return fleet.host(h).id();
    }

    private void record(Moved m) {
        moved.add(m);
    }

    /**
     * Facts first, then the answer, both on the campaign loop's thread; the facts take the time they
     * are recorded at, so the history's clock never runs backwards.
     */
    private void answer(List<HistoryRecord> facts, Input input) {
        loop.execute(() -> {
            long t = now.getAsLong();
            facts.forEach(f -> store.append(new HistoryRecord(t, f.actor(), f.operation(), f.target(), f.outcome(), f.epoch())));
            deliver.accept(input);
        });
    }

}

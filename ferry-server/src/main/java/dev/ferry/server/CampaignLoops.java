package dev.ferry.server;

import dev.ferry.agent.driver.AgentCalls;
import dev.ferry.agent.driver.AgentDriver;
import dev.ferry.agent.tls.FleetTls;
import dev.ferry.server.engine.CampaignEngine;
import dev.ferry.server.engine.EngineStore;
import dev.ferry.server.engine.Signal;
import dev.ferry.store.InventoryStore;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The campaign loops this controller runs: one {@link CampaignEngine} per running campaign while
 * it leads, started at its term (the loop's writes fenced by it, its commands to agents carrying
 * it), all stopped when it stops leading. Watchers (event streams) wait on their publications.
 * Thread-safe.
 */
final class CampaignLoops implements AutoCloseable {
    private final Map<String, CampaignEngine> engines = new ConcurrentHashMap<>();
    private final EngineStore engineStore;
    private final Inventory inventory;
    private final InstantSource clock;
    private final AgentDriver.Observer driverObserver;
    private final Cluster cluster;
    private final FleetTls tls;
    private final Predicate<String> active;
    private final Function<String, Campaigns.Loaded> load;
    private final Supplier<List<Campaigns.Row>> list;
    /** The agents' reports: a loop resumed here learns from those sent since what the agents run. */
    private final dev.ferry.store.AgentStore reports;
    private final Signal changes = new Signal();
    /** Told each loop round's time and each effect's dispatch latency, in nanoseconds (the metrics). */
    private volatile java.util.function.LongConsumer roundTimes = n -> {
    };
    private volatile java.util.function.LongConsumer dispatchTimes = n -> {
    };

    CampaignLoops(EngineStore engineStore, Inventory inventory, InstantSource clock, AgentDriver.Observer driverObserver,
                  Cluster cluster, FleetTls tls, Predicate<String> active, Function<String, Campaigns.Loaded> load,
                  Supplier<List<Campaigns.Row>> list, dev.ferry.store.AgentStore reports) {
        this.reports = reports;
        this.engineStore = engineStore;
        this.inventory = inventory;
        this.clock = clock;
        this.driverObserver = driverObserver;
        this.cluster = cluster;
        this.tls = tls;
        this.active = active;
        this.load = load;
        this.list = list;
    }

    /**
     * This controller leads from now on, at {@code term}: every campaign that is running or paused
     * is resumed here by replay (as after a restart).
     */
    void lead(long term) {
        for (Campaigns.Row r : list.get()) {
            if (r.active()) {
                try {
                    start(load.apply(r.id()), term);
                } catch (RuntimeException e) {
                    // one campaign that cannot be loaded does not keep the others from running; followUp tries it again
                    org.slf4j.LoggerFactory.getLogger(CampaignLoops.class).error("campaign {} could not be resumed", r.id(), e);
                }
            }
        }
    }

    /** This controller no longer leads: its loops stop at once (nothing is halted; the new leader resumes them). */
    synchronized void standBy() {
        List<CampaignEngine> running = List.copyOf(engines.values());
        engines.clear();
        for (CampaignEngine e : running) {
            e.close();
        }
    }

    CampaignEngine engine(String id) {
        return engines.get(id);
    }

    Map<String, CampaignEngine> engines() {
        return engines;
    }

    /** Starts the campaign's loop here at the leader's {@code term} (once: a loop already here is kept; not after the term). */
    synchronized void start(Campaigns.Loaded l, long term) {
        Campaigns.Row r = l.row();
        if (term == 0 || engines.containsKey(r.id()) || cluster.term() != term) {
            return; // not leading, already running here, or the term changed meanwhile
        }
        CampaignEngine e = new CampaignEngine(r.id(), l.problem(), l.plan(), r.seed(), r.startedAt(), r.accel(),
                engineStore.fenced(term), clock, new Reconciliation(), r.hypervisors().equals("agents")
                ? AgentCalls.clients(l.problem().fleet(), term, tls, cluster::mayAct) : null, new AgentDriver.Observer() {
                    @Override
                    public void switchedOver(dev.ferry.core.campaign.Effect.StartMove move) {
                        driverObserver.switchedOver(move);
                    }

                    @Override
                    public void dispatched(dev.ferry.core.campaign.Effect effect, long nanos) {
                        dispatchTimes.accept(nanos);
                        driverObserver.dispatched(effect, nanos);
                    }

                    @Override
                    public void failed(dev.ferry.core.campaign.Effect effect, Exception failure) {
                        driverObserver.failed(effect, failure);
                    }
                });
        engines.put(r.id(), e);
        e.start();
        synchronized (engines) {
            engines.notifyAll();
        }
    }

    /**
     * The loop of an approved campaign, waiting for it while it is being started; null when the
     * campaign does not run in this controller (a standby returns at once).
     */
    CampaignEngine await(String id, long timeoutMs) throws InterruptedException {
        if (!cluster.leading()) {
            return engines.get(id);
        }
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        synchronized (engines) {
            while (!engines.containsKey(id) && active.test(id)) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    break;
                }
                engines.wait(left);
            }
        }
        return engines.get(id);
    }

    /** A finished campaign's placements and patched hosts became the inventory (in its final round): the in-memory views follow. */
    private final class Reconciliation implements dev.ferry.server.engine.EngineHooks {
        @Override
        public void committed(String campaign, Map<String, String> moves, Map<String, String> versions, long inventoryVersion) {
            List<InventoryStore.Change> out = new ArrayList<>();
            moves.forEach((i, h) -> out.add(new InventoryStore.Change("move", i, h)));
            versions.forEach((h, v) -> out.add(new InventoryStore.Change("hypervisor", h, v)));
            if (!out.isEmpty()) {
                inventory.changed(out, inventoryVersion);
            }
            ended.accept(campaign);
        }

        @Override
        public void published(String campaign) {
            changes.bump();
        }

        @Override
        public void round(String campaign, long nanos) {
            roundTimes.accept(nanos);
        }

        @Override
        public List<dev.ferry.store.AgentStore.Report> reportedSince(long ms) {
            return reports.since(ms);
        }
    }

    private volatile java.util.function.Consumer<String> ended = campaign -> {
    };

    /** {@code listener} is told of each campaign after its final commit here. */
    void onEnded(java.util.function.Consumer<String> listener) {
        this.ended = listener;
    }

    /** From now on each loop round's time and each effect's dispatch latency (ns) go to these. */
    void timed(java.util.function.LongConsumer rounds, java.util.function.LongConsumer dispatches) {
        this.roundTimes = rounds;
        this.dispatchTimes = dispatches;
    }

    boolean closing() {
        return changes.released();
    }

    long awaitChange(long seen, long timeoutMs) throws InterruptedException {
        return changes.await(seen, timeoutMs);
    }

    void releaseWatchers() {
        changes.release();
        engines.values().forEach(CampaignEngine::releaseWatchers);
    }

    @Override
    public void close() {
        releaseWatchers();
        standBy();
    }
}

package dev.ferry.server;

import dev.ferry.core.planner.FerryStrategy;
import dev.ferry.core.planner.NaiveStrategy;
import dev.ferry.sim.ChurnModel;
import dev.ferry.sim.FaultSpec;
import dev.ferry.sim.Forecast;
import dev.ferry.sim.ForecastJson;
import dev.ferry.sim.TenantModel;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * Proposals' forecasts ({@link Forecast}): each proposal's plan simulated {@code runs} times with
 * {@code ferry simulate}'s default tenants and no faults (seeds 1 to runs, as {@code ferry plan
 * --forecast} does), one proposal after another on one background thread, so a forecast never takes
 * the controller's cores from its campaigns and requests. Kept in memory by the controller that made
 * the proposal. Thread-safe.
 */
public final class Forecasts implements AutoCloseable {
    /** Runs per proposal unless the proposal or {@code ferry server --forecast-runs} says otherwise. */
    public static final int DEFAULT_RUNS = 100;
    /** The most a proposal may ask for. */
    public static final int MAX_RUNS = 10_000;

    private static final class Entry {
        volatile int done;
        volatile int total;
        volatile Forecast.Result result;
        volatile String error;
    }

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final int defaultRuns;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "forecast");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        return t;
    });

    /** @param defaultRuns runs of a proposal that does not say (0: none) */
    public Forecasts(int defaultRuns) {
        if (defaultRuns < 0 || defaultRuns > MAX_RUNS) {
            throw new IllegalArgumentException("forecast runs must be 0 (none) to " + MAX_RUNS);
        }
        this.defaultRuns = defaultRuns;
    }

    public int defaultRuns() {
        return defaultRuns;
    }

    /** Forecasts proposal {@code id} with {@code runs} runs (0: none) in the background. */
    public void start(String id, int runs, Supplier<Campaigns.Loaded> proposal) {
        if (runs == 0) {
            return;
        }
        Entry e = new Entry();
        entries.put(id, e);
        worker.submit(() -> {
            try {
                Campaigns.Loaded l = proposal.get();
                var strategy = l.row().strategy().equals("naive") ? new NaiveStrategy() : new FerryStrategy();
                e.result = Forecast.run(l.problem(), l.plan(), strategy,
                        new Forecast.Settings(runs, 1, FaultSpec.NONE, TenantModel.DEFAULT, ChurnModel.NONE, true, 1), (done, total) -> {
                            e.done = done;
                            e.total = total;
                        });
            } catch (RuntimeException | Error x) {
                e.error = String.valueOf(x.getMessage());
            }
        });
    }

    /**
     * A proposal's forecast as the API shows it: {@code state} running (with {@code done} and
     * {@code total} runs), done (with the forecast's fields) or failed (with {@code error}); null
     * when there is none here.
     */
    public Map<String, Object> view(String id) {
        Entry e = entries.get(id);
        if (e == null) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        if (e.result != null) {
            m.put("state", "done");
            m.putAll(ForecastJson.map(e.result));
        } else if (e.error != null) {
            m.put("state", "failed");
            m.put("error", e.error);
        } else {
            m.put("state", "running");
            m.put("done", e.done);
            m.put("total", e.total);
        }
        return m;
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }
}

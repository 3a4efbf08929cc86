package dev.ferry.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.core.history.Fact;
import dev.ferry.core.planner.FerryStrategy;
import dev.ferry.core.planner.NaiveStrategy;
import dev.ferry.sim.ChurnModel;
import dev.ferry.sim.FaultSpec;
import dev.ferry.sim.Forecast;
import dev.ferry.sim.ForecastJson;
import dev.ferry.sim.LearnedModel;
import dev.ferry.sim.TenantModel;
import dev.ferry.store.Audit;
import dev.ferry.store.HistoryStore;
import dev.ferry.store.ModelStore;
import java.time.Instant;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Proposals' forecasts ({@link Forecast}), and the model they learn from finished campaigns.
 *
 * <p>Each proposal's plan is simulated {@code runs} times with {@code ferry simulate}'s default
 * tenants and no faults (seeds 1 to runs, as {@code ferry plan --forecast} does), timed and with
 * tenants as the latest learned model says where it has measurements; one proposal after another
 * on one background thread, so a forecast never takes the controller's cores from its campaigns and
 * requests. A forecast is kept in memory by the controller that made the proposal.
 *
 * <p>When a campaign on host agents ends, what it measured ({@link LearnedModel#measure}: patch,
 * reboot and verification per host model, migration transfer per GiB and overhead, restarts,
 * tenants' answers) is added to the model: a new version in the store, audited ({@code model.learn});
 * an operator can import one ({@link #importModel}). Campaigns on the simulated fleet teach
 * nothing (they would only learn the simulator back). Thread-safe.
 */
public final class Forecasts implements AutoCloseable {
    /** Runs per proposal unless the proposal or {@code ferry server --forecast-runs} says otherwise. */
    public static final int DEFAULT_RUNS = 100;
    /** The most a proposal may ask for. */
    public static final int MAX_RUNS = 10_000;
    /** The facts a model is measured from. */
    static final List<Class<? extends Fact>> MEASURED = List.of(Fact.PhaseChanged.class, Fact.StepStarted.class,
            Fact.RebootsInPlace.class, Fact.MoveStarted.class,
            Fact.MigrationMeasured.class, Fact.SwitchedOver.class, Fact.RolledBack.class, Fact.DisruptionBegan.class,
            Fact.DisruptionEnded.class, Fact.EventChanged.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final class Entry {
        volatile int done;
        volatile int total;
        volatile Forecast.Result result;
        volatile Integer model;
        volatile String error;
    }

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final int defaultRuns;
    private final ModelStore models;
    private final HistoryStore history;
    private final InstantSource clock;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "forecast");
        t.setDaemon(true);
        return t;
    });

    /** @param defaultRuns runs of a proposal that does not say (0: none) */
    public Forecasts(int defaultRuns, ModelStore models, HistoryStore history, InstantSource clock) {
        if (defaultRuns < 0 || defaultRuns > MAX_RUNS) {
            throw new IllegalArgumentException("forecast runs must be 0 (none) to " + MAX_RUNS);
        }
        this.defaultRuns = defaultRuns;
        this.models = models;
        this.history = history;
        this.clock = clock;
    }

    public int defaultRuns() {
        return defaultRuns;
    }

    /** How tenants answer notices, as the latest model measured where it has measurements (the defaults otherwise). */
    public TenantModel tenants() {
        return models.latest().map(v -> parse(v.document())).orElse(LearnedModel.EMPTY).tenants(TenantModel.DEFAULT);
    }

    /** Forecasts proposal {@code id} with {@code runs} runs (0: none) in the background, with the model as it is then. */
    public void start(String id, int runs, Supplier<Campaigns.Loaded> proposal) {
        if (runs == 0) {
            return;
        }
        Entry e = new Entry();
        entries.put(id, e);
        worker.submit(() -> {
            try {
                Campaigns.Loaded l = proposal.get();
                Optional<ModelStore.Version> v = models.latest();
                e.model = v.map(ModelStore.Version::version).orElse(null);
                LearnedModel model = v.map(x -> parse(x.document())).orElse(LearnedModel.EMPTY);
                var strategy = l.row().strategy().equals("naive") ? new NaiveStrategy() : new FerryStrategy();
                e.result = Forecast.run(l.problem(), l.plan(), strategy, new Forecast.Settings(runs, 1, FaultSpec.NONE,
                        TenantModel.DEFAULT, ChurnModel.NONE, true, 1, model), (done, total) -> {
                            e.done = done;
                            e.total = total;
                        });
            } catch (RuntimeException | Error x) {
                e.error = String.valueOf(x.getMessage());
            }
        });
    }

    /**
     * Campaign {@code id} ended here: if it ran on host agents, what it measured becomes the model's
     * next version (in the background, after forecasts already asked for).
     */
    public void ended(String id, Function<String, Campaigns.Loaded> load) {
        worker.submit(() -> {
            try {
                Campaigns.Loaded l = load.apply(id);
                if (!l.row().hypervisors().equals("agents")) {
                    return;
                }
                LearnedModel measured = LearnedModel.measure(history.facts(id, MEASURED), l.problem().fleet());
                models.learn(id, clock.millis(), last -> write(last == null ? measured : parse(last).plus(measured)),
                        new Audit(clock.millis(), "controller", null, "model.learn", id, ""));
            } catch (RuntimeException x) {
                System.err.println("ferry: the model did not learn from campaign " + id + ": " + x);
            }
        });
    }

    /**
     * Stores {@code body} as the model's next version ({@code PUT /v1/model}): the sums and counts as
     * {@code GET /v1/model} shows them under {@code model}, or that whole answer; audited
     * {@code model.import}. The next forecasts use it; campaigns that end add to it.
     */
    public Map<String, Object> importModel(byte[] body, Principal who, String requestId) {
        LearnedModel m = readImport(body);
        models.learn(null, clock.millis(), last -> write(m), new Audit(clock.millis(), who.actor(), requestId, "model.import", "model", ""));
        return model().orElseThrow();
    }

    private static LearnedModel readImport(byte[] body) {
        LearnedModel m;
        try {
            var tree = JSON.readTree(body);
            if (tree == null || !tree.isObject()) {
                throw Refused.invalid("the model is a JSON object: the \"model\" of GET /v1/model, or that whole answer");
            }
            m = JSON.treeToValue(tree.path("model").isObject() ? tree.path("model") : tree, LearnedModel.class);
        } catch (java.io.IOException e) {
            throw Refused.invalid("the model cannot be read: " + (e instanceof JsonProcessingException j ? j.getOriginalMessage()
                    + " at " + j.getLocation() : e.getMessage()));
        } catch (IllegalArgumentException e) {
            throw Refused.invalid("the model cannot be read: " + e.getMessage());
        }
        // the constructor made every missing one "none" (a null inside a map failed it: cannot be read)
        List<LearnedModel.Stat> stats = new java.util.ArrayList<>(List.of(m.migrationSecondsPerGiB(), m.migrationOverheadSeconds(),
                m.restartSeconds()));
        List.of(m.patchSecondsByHostModel(), m.rebootSecondsByHostModel(), m.verifySecondsByHostModel())
                .forEach(x -> stats.addAll(x.values()));
        boolean bad = m.campaigns() < 0 || m.notices() < 0 || m.early() < 0 || m.rescheduled() < 0
                || m.early() + m.rescheduled() > m.notices();
        for (LearnedModel.Stat st : stats) {
            bad |= st.n() < 0 || !(st.sum() >= 0) || Double.isInfinite(st.sum());
        }
        for (var e : m.campaignSpread().entrySet()) {
            LearnedModel.Spread sp = e.getValue();
            bad |= !LearnedModel.QUANTITIES.contains(e.getKey()) || sp.n() < 0 || sp.n() > m.campaigns() || !Double.isFinite(sp.sum())
                    || !(sp.squares() >= 0) || Double.isInfinite(sp.squares()) || !(sp.sigma() <= LearnedModel.MAX_SIGMA);
        }
        if (bad) {
            throw Refused.invalid("the model's counts and sums must not be negative (nor early + rescheduled above notices), and a"
                    + " campaignSpread names one of " + LearnedModel.QUANTITIES + ", over at most the model's campaigns, with a"
                    + " sigma of at most " + LearnedModel.MAX_SIGMA);
        }
        return m;
    }

    /** The latest model as the API shows it (means and sample counts), empty before the first campaign on agents ended. */
    public Optional<Map<String, Object>> model() {
        return models.latest().map(v -> {
            LearnedModel m = parse(v.document());
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("version", v.version());
            out.put("learnedAt", Instant.ofEpochMilli(v.learnedAt()).toString());
            out.put("campaign", v.campaign());
            out.put("campaigns", m.campaigns());
            out.put("patchSecondsByHostModel", stats(m.patchSecondsByHostModel()));
            out.put("rebootSecondsByHostModel", stats(m.rebootSecondsByHostModel()));
            out.put("verifySecondsByHostModel", stats(m.verifySecondsByHostModel()));
            out.put("migrationSecondsPerGiB", stat(m.migrationSecondsPerGiB()));
            out.put("migrationOverheadSeconds", stat(m.migrationOverheadSeconds()));
            out.put("restartSeconds", stat(m.restartSeconds()));
            Map<String, Object> tenants = new LinkedHashMap<>();
            tenants.put("notices", m.notices());
            tenants.put("actedEarly", m.early());
            tenants.put("rescheduled", m.rescheduled());
            TenantModel t = m.tenants(null);
            tenants.put("earlyShare", t == null ? null : t.actEarly());
            tenants.put("rescheduleShare", t == null ? null : t.reschedule());
            out.put("tenants", tenants);
            Map<String, Object> spread = new LinkedHashMap<>();
            m.campaignSpread().forEach((q, sp) -> {
                Map<String, Object> one = new LinkedHashMap<>();
                one.put("campaigns", sp.n());
                one.put("sigma", sp.sigma());
                spread.put(q, one);
            });
            out.put("campaignSpread", spread);
            out.put("model", JSON.convertValue(m, Map.class)); // the sums and counts, as {@code ferry plan --model} reads them
            return out;
        });
    }

    private static Map<String, Object> stats(Map<String, LearnedModel.Stat> byModel) {
        Map<String, Object> out = new LinkedHashMap<>();
        byModel.forEach((k, v) -> out.put(k, stat(v)));
        return out;
    }

    private static Map<String, Object> stat(LearnedModel.Stat s) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("samples", s.n());
        out.put("mean", s.mean());
        return out;
    }

    static LearnedModel parse(String document) {
        try {
            return JSON.readValue(document, LearnedModel.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the stored model cannot be read: " + e.getOriginalMessage(), e);
        }
    }

    private static String write(LearnedModel m) {
        try {
            return JSON.writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A proposal's forecast as the API shows it: {@code state} running (with {@code done} and
     * {@code total} runs), done (with the forecast's fields and {@code model}, the version of the
     * learned model it used, null for none) or failed (with {@code error}); null when there is none here.
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
            m.put("model", e.model);
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

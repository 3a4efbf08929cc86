package dev.ferry.server.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.core.campaign.CampaignRuntime;
import dev.ferry.core.history.HistoryRecord;
import dev.ferry.core.lifecycle.CampaignState;
import dev.ferry.core.lifecycle.EventState;
import dev.ferry.core.lifecycle.HostPhase;
import dev.ferry.core.model.Fleet;
import dev.ferry.core.planner.PlanningProblem;
import dev.ferry.store.Audit;
import dev.ferry.store.CampaignStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiFunction;

/**
 * What a {@link CampaignEngine} stores, in its own terms, through the campaigns' store: its facts,
 * effect keys and outside inputs (append-only), the answers heard on agents, and the views derived
 * from them in the same transaction — tenants' events, webhook outbox rows, the campaign's progress,
 * and at the end the inventory. Commands become input rows and back here. Thread-safe.
 */
public final class EngineStore {
    /** Everything stored for a campaign, in order: what a restarted engine replays. */
    record Stored(List<FactRecorder.Stored> facts, Set<String> keys, List<StoredInput> inputs, List<AgentAnswers.Answer> answers) {
    }

    record StoredInput(long processed, long timeMs, Command command) {
    }

    /**
     * A notice to a tenant, as the engine saw it. Times are wall-clock ms except {@code virtualMs};
     * {@code host}: where it runs now; the rest as {@link CampaignStore.EventChange}.
     */
    record EventChange(String changeKey, String eventId, String tenant, String instance, EventState state, long notBeforeWallMs,
                       long deadlineWallMs, String detail, String host, long virtualMs, long atWallMs, String kind,
                       long notAfterWallMs, Long fallbackAfterWallMs, Long blackoutMs) {
    }

    record Progress(CampaignState state, String endReason, int hostsPatched, int hostsFailed, long virtualMs, boolean done) {
    }

    /** What a finished campaign changed in the inventory, stored with its final round. */
    record Ending(Map<String, String> moves, Map<String, String> versions, long atWallMs) {
        /**
         * What the settled runtime changed: instances that ended on another host (a stopped one stays where it
         * was stopped; its row says so already), hosts that returned patched.
         */
        static Ending of(PlanningProblem problem, CampaignRuntime runtime, long atWallMs) {
            Map<String, String> moves = new TreeMap<>();
            Map<String, String> versions = new TreeMap<>();
            var fleet = problem.fleet();
            for (int i = 0; i < fleet.instances().size(); i++) {
                int h = runtime.currentHost(i);
                if (h != fleet.hostOf(i) && !runtime.view().live().stopped(i)) {
                    moves.put(fleet.instance(i).id(), fleet.host(h).id());
                }
            }
            for (int h = 0; h < fleet.hosts().size(); h++) {
                String fixed = problem.advisory().fixedVersionFor(fleet.host(h));
                if (runtime.phase(h) == HostPhase.RETURNED && fixed != null) {
                    versions.put(fleet.host(h).id(), fixed);
                }
            }
            return new Ending(moves, versions, atWallMs);
        }
    }

    private final CampaignStore store;
    /** Per-tenant opaque id of a host: tenants never see real host names. */
    private final BiFunction<String, String, String> opaqueHost;

    public EngineStore(CampaignStore store, BiFunction<String, String, String> opaqueHost) {
        this.store = store;
        this.opaqueHost = opaqueHost;
    }

    Stored load(String campaign, Fleet fleet) {
        CampaignStore.Stored s = store.load(campaign);
        List<FactRecorder.Stored> facts = new ArrayList<>(s.facts().size());
        for (CampaignStore.StoredFact f : s.facts()) {
            facts.add(new FactRecorder.Stored(f.fact(), f.v1()));
        }
        List<StoredInput> inputs = new ArrayList<>();
        for (CampaignStore.Input in : s.inputs()) {
            inputs.add(new StoredInput(in.processed(), in.timeMs(), command(in)));
        }
        List<AgentAnswers.Answer> answers = new ArrayList<>();
        for (CampaignStore.Answer a : s.answers()) {
            answers.add(AgentAnswers.Answer.parse(a.seq(), a.timeMs(), a.body(), fleet));
        }
        return new Stored(facts, s.keys(), inputs, answers);
    }

    /** This store with every write of a loop fenced by the leader's {@code term} ({@link CampaignStore#fenced}). */
    public EngineStore fenced(long term) {
        return new EngineStore(store.fenced(term), opaqueHost);
    }

    /** A command as the input row it becomes (position 0: the loop gives it its own when it applies it). */
    public static CampaignStore.Input asInput(Command command) {
        return new CampaignStore.Input(0, 0, 0, kind(command), instanceOf(command),
                command instanceof Command.TenantReschedule r ? r.notBeforeWallMs() : null, stored(command), command.actor(),
                command.requestId());
    }

    /** The command a stored input row holds. */
    public static Command command(CampaignStore.Input in) {
        String actor = in.actor();
        String request = in.requestId();
        return switch (in.kind()) {
            case "pause" -> new Command.Pause(actor, request);
            case "resume" -> new Command.Resume(actor, request);
            case "abort" -> new Command.Abort(in.reason(), actor, request);
            case "tenant-now" -> new Command.TenantNow(in.instance(), actor, request);
            case "tenant-reschedule" -> new Command.TenantReschedule(in.instance(), in.argMs(), actor, request);
            case "tenant-stop" -> new Command.TenantLifecycle(in.instance(), Command.TenantLifecycle.Op.STOP, actor, request);
            case "tenant-start" -> new Command.TenantLifecycle(in.instance(), Command.TenantLifecycle.Op.START, actor, request);
            case "tenant-reboot" -> new Command.TenantLifecycle(in.instance(), Command.TenantLifecycle.Op.REBOOT, actor, request);
            case "tenant-terminate" -> new Command.TenantLifecycle(in.instance(), Command.TenantLifecycle.Op.TERMINATE, actor, request);
            case "place-outside" -> {
                JsonNode p = payload(in.reason());
                yield new Command.PlaceOutside(in.instance(), p.path("tenant").asText(), p.path("cpus").asInt(),
                        p.path("memoryMiB").asLong(), p.hasNonNull("group") ? p.get("group").asText() : null, actor, request);
            }
            case "host-down" -> new Command.HostDown(in.reason(), actor, request);
            case "advisory-amended" -> new Command.AdvisoryAmended(in.reason(), actor, request);
            case "host-version" -> {
                JsonNode p = payload(in.reason());
                yield new Command.HostVersion(p.path("host").asText(), p.path("version").asText(), actor, request);
            }
            case "release-outside" -> {
                JsonNode p = payload(in.reason());
                yield new Command.ReleaseOutside(in.instance(), p.path("host").asText(), p.path("cpus").asInt(),
                        p.path("memoryMiB").asLong(), actor, request);
            }
            default -> throw new IllegalStateException("unknown stored input kind " + in.kind());
        };
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A placement's stored payload: a JSON object (or, stored before it was one, its fields joined by spaces). */
    private static JsonNode payload(String stored) {
        try {
            if (stored.startsWith("{")) {
                return JSON.readTree(stored);
            }
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a stored input is not readable: " + stored, e);
        }
        String[] f = stored.split(" ", -1);
        ObjectNode o = JSON.createObjectNode();
        boolean release = f.length == 3; // host cpus memory; a placement has tenant cpus memory group
        o.put(release ? "host" : "tenant", f[0]).put("cpus", Integer.parseInt(f[1])).put("memoryMiB", Long.parseLong(f[2]));
        if (!release && !f[3].isEmpty()) {
            o.put("group", f[3]);
        }
        return o;
    }

    private static String payload(Map<String, Object> fields) {
        try {
            return JSON.writeValueAsString(fields);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Logs an outside input before it is applied (write-ahead), with its audit line, in one transaction. */
    public void logInput(String campaign, long seq, long processed, long timeMs, Command command, long atWallMs) {
        String instance = instanceOf(command);
        String reason = stored(command);
        Long argMs = command instanceof Command.TenantReschedule r ? r.notBeforeWallMs() : null;
        store.logInput(campaign, new CampaignStore.Input(seq, processed, timeMs, kind(command), instance, argMs, reason,
                command.actor(), command.requestId()), new Audit(atWallMs, command.actor(), command.requestId(),
                "campaign." + kind(command), instance != null ? instance : campaign, "campaign " + campaign + " at virtual ms " + timeMs));
    }

    /** What the row's {@code reason} column holds for the command: an abort's reason, a placement's fields as JSON. */
    static String stored(Command command) {
        return switch (command) {
            case Command.Abort a -> a.reason();
            case Command.HostDown d -> d.host();
            case Command.AdvisoryAmended a -> a.document();
            case Command.HostVersion v -> payload(new LinkedHashMap<>(Map.of("host", v.host(), "version", v.version())));
            case Command.PlaceOutside p -> {
                Map<String, Object> f = new LinkedHashMap<>();
                f.put("tenant", p.tenant());
                f.put("cpus", p.cpus());
                f.put("memoryMiB", p.memoryMiB());
                f.put("group", p.group());
                yield payload(f);
            }
            case Command.ReleaseOutside r -> payload(new LinkedHashMap<>(Map.of("host", r.host(), "cpus", r.cpus(), "memoryMiB",
                    r.memoryMiB())));
            default -> null;
        };
    }

    static String kind(Command c) {
        return switch (c) {
            case Command.Pause p -> "pause";
            case Command.Resume r -> "resume";
            case Command.Abort a -> "abort";
            case Command.TenantNow n -> "tenant-now";
            case Command.TenantReschedule r -> "tenant-reschedule";
            case Command.PlaceOutside p -> "place-outside";
            case Command.ReleaseOutside r -> "release-outside";
            case Command.TenantLifecycle l -> "tenant-" + l.op().wireName();
            case Command.HostDown d -> "host-down";
            case Command.AdvisoryAmended a -> "advisory-amended";
            case Command.HostVersion v -> "host-version";
        };
    }

    static String instanceOf(Command c) {
        return switch (c) {
            case Command.TenantNow n -> n.instance();
            case Command.TenantReschedule r -> r.instance();
            case Command.PlaceOutside p -> p.instance();
            case Command.ReleaseOutside r -> r.instance();
            case Command.TenantLifecycle l -> l.instance();
            default -> null;
        };
    }

    /**
     * One loop round: new facts from {@code firstSeq}, new effect keys, the answers heard (campaigns
     * on agents), event changes with their outbox rows, progress; and, with the final round, what
     * the campaign changed in the inventory. Returns the inventory's version after it, -1 when the
     * round changed nothing there.
     */
    long commit(String campaign, long firstSeq, List<HistoryRecord> facts, List<String> keys, List<AgentAnswers.Answer> answers,
                List<EventChange> events, Progress progress, Ending ending) {
        List<CampaignStore.Answer> answerRows = new ArrayList<>();
        for (AgentAnswers.Answer a : answers) {
            answerRows.add(new CampaignStore.Answer(a.seq(), a.timeMs(), a.body()));
        }
        List<CampaignStore.EventChange> changes = new ArrayList<>();
        for (EventChange e : events) {
            String newHost = e.state() == EventState.COMPLETED ? opaqueHost.apply(e.tenant(), e.host()) : null;
            changes.add(new CampaignStore.EventChange(e.changeKey(), e.eventId(), e.tenant(), e.instance(), e.state(),
                    e.notBeforeWallMs(), e.deadlineWallMs(), e.detail(), newHost, e.virtualMs(), e.atWallMs(), e.kind(),
                    e.notAfterWallMs(), e.fallbackAfterWallMs(), e.blackoutMs()));
        }
        CampaignStore.Reconciliation reconciliation = ending == null ? null : new CampaignStore.Reconciliation(ending.moves(),
                ending.versions(), new Audit(ending.atWallMs(), "ferry/" + campaign, null, "campaign.reconcile", campaign,
                ending.moves().size() + " instances on new hosts, " + ending.versions().size() + " hosts on the fixed version"));
        return store.commit(campaign, new CampaignStore.Round(firstSeq, facts, keys, answerRows, changes, new CampaignStore.Progress(
                progress.state(), progress.endReason(), progress.hostsPatched(), progress.hostsFailed(), progress.virtualMs()),
                reconciliation));
    }

    /** Marks a campaign whose loop could not go on (a replay that diverged, say) as halted with the reason. */
    public void halt(String campaign, String reason) {
        store.halt(campaign, reason);
    }
}

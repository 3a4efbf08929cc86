package dev.ferry.server;

import dev.ferry.core.model.Advisory;
import dev.ferry.core.model.Fleet;
import dev.ferry.formats.AdvisoryReader;
import dev.ferry.store.AdvisoryStore;
import dev.ferry.store.Audit;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;

/**
 * Registered advisories (advisory/v1 documents) and the hosts they affect. An advisory may be
 * amended (a new document under the same id: new rules, new fixes) and withdrawn (kept, marked;
 * it no longer counts anywhere). Either supersedes the proposals made on it. A campaign that runs
 * on it takes an amendment ({@link #onAmend}): hosts it affects now join, hosts it affects no more
 * leave before their step; a withdrawal is refused while it runs. Thread-safe.
 */
public final class Advisories {
    /** An advisory as stored, with the hosts of the current inventory it affects. */
    public record Registered(Advisory advisory, List<String> affectedHosts, long createdAt, String document, Long amendedAt,
                             Long withdrawnAt) {
        public Registered(Advisory advisory, List<String> affectedHosts, long createdAt) {
            this(advisory, affectedHosts, createdAt, null, null, null);
        }
    }

    private final AdvisoryStore store;
    private final Inventory inventory;
    private final InstantSource clock;
    private List<Advisory> cache;

    /** Told of each amendment once it is stored: the advisory's id, its new document, who amended it and the request. */
    public interface Amended {
        void amended(String id, String document, String actor, String requestId);
    }

    private volatile Amended amended = (id, document, actor, requestId) -> {
    };

    public void onAmend(Amended listener) {
        this.amended = listener;
    }

    /** Other controllers may register, amend or withdraw advisories in the same database: nothing is cached. */
    private final boolean shared;

    /** @param shared other controllers share the database (PostgreSQL): every read goes to it */
    public Advisories(AdvisoryStore store, Inventory inventory, InstantSource clock, boolean shared) {
        this.store = store;
        this.inventory = inventory;
        this.clock = clock;
        this.shared = shared;
    }

    public Registered register(byte[] body, Principal who, String requestId) {
        Advisory a = Uploads.read(body, "request body", new AdvisoryReader()::read);
        Inventory.Current current = inventory.current();
        List<String> affected = affected(a, current.fleet());
        long now = clock.millis();
        boolean registered = store.register(new AdvisoryStore.Advisory(a.id(), a.title(), new String(body, StandardCharsets.UTF_8),
                affected.size(), now), new Audit(now, who.actor(), requestId, "advisory.register", a.id(),
                affected.size() + " hosts affected in inventory version " + current.version()));
        if (!registered) {
            throw Refused.conflict("advisory " + a.id() + " is registered already");
        }
        invalidate();
        return new Registered(a, affected, now);
    }

    public Registered get(String id) {
        AdvisoryStore.Advisory stored = store.get(id).orElseThrow(() -> Refused.notFound("advisory"));
        Advisory a = parse(stored);
        return new Registered(a, stored.withdrawnAt() != null ? List.of() : affected(a, inventory.current().fleet()),
                stored.createdAt(), stored.document(), stored.amendedAt(), stored.withdrawnAt());
    }

    /**
     * Amends an advisory: a new document with the same id replaces it; the proposals made on the old
     * one are superseded; a running campaign on it takes the amendment (hosts join or leave it).
     */
    public Registered amend(String id, byte[] body, Principal who, String requestId) {
        Advisory a = Uploads.read(body, "request body", new AdvisoryReader()::read);
        if (!a.id().equals(id)) {
            throw Refused.invalid("the document's id " + a.id() + " is not " + id + " (an amendment keeps the advisory's id)");
        }
        Inventory.Current current = inventory.current();
        List<String> affected = affected(a, current.fleet());
        long now = clock.millis();
        AdvisoryStore.Change c = store.amend(id, a.title(), new String(body, StandardCharsets.UTF_8), affected.size(), now,
                new Audit(now, who.actor(), requestId, "advisory.amend", id, affected.size() + " hosts affected in inventory version "
                        + current.version()));
        refuse(id, c);
        invalidate();
        amended.amended(id, new String(body, StandardCharsets.UTF_8), who.actor(), requestId);
        return get(id);
    }

    /** Withdraws an advisory: it counts nowhere any more, its proposals are superseded; refused while a campaign on it runs. */
    public Registered withdraw(String id, Principal who, String requestId) {
        long now = clock.millis();
        refuse(id, store.withdraw(id, now, new Audit(now, who.actor(), requestId, "advisory.withdraw", id, "withdrawn")));
        invalidate();
        return get(id);
    }

    private static void refuse(String id, AdvisoryStore.Change c) {
        switch (c.outcome()) {
            case DONE -> {
            }
            case NOT_FOUND -> throw Refused.notFound("advisory");
            case WITHDRAWN -> throw Refused.conflict("advisory " + id + " was withdrawn; register a new one");
            case CAMPAIGN_RUNNING -> throw Refused.conflict("campaign " + c.runningCampaign() + " runs on advisory " + id
                    + "; abort it (or let it end) before withdrawing the advisory");
        }
    }

    private static Advisory parse(AdvisoryStore.Advisory stored) {
        return parse(stored.id(), stored.document());
    }

    /** An advisory document as stored (with the advisory, or with a campaign). */
    public static Advisory parse(String id, String document) {
        return Uploads.read(document.getBytes(StandardCharsets.UTF_8), "stored advisory " + id, new AdvisoryReader()::read);
    }

    /** Every registered advisory not withdrawn (cached on a database of its own; a change refreshes it). */
    public synchronized List<Advisory> all() {
        if (cache == null || shared) {
            List<Advisory> out = new ArrayList<>();
            for (String id : ids()) {
                // not get(): that reads the inventory, whose lock may be held by our caller
                store.get(id).filter(s -> s.withdrawnAt() == null).ifPresent(s -> out.add(parse(s)));
            }
            cache = List.copyOf(out);
        }
        return cache;
    }

    private synchronized void invalidate() {
        cache = null;
    }

    public List<String> ids() {
        return store.ids();
    }

    static List<String> affected(Advisory a, Fleet fleet) {
        List<String> out = new ArrayList<>();
        for (var h : fleet.hosts()) {
            if (a.affects(h)) {
                out.add(h.id());
            }
        }
        return out;
    }
}

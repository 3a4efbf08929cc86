package dev.ferry.core.campaign;

import dev.ferry.core.history.Actor;
import dev.ferry.core.history.Fact;
import dev.ferry.core.history.HistoryRecord;
import java.util.List;

/**
 * Applies a campaign's effects through the ports, one at a time, in the order the runtime returned
 * them. For each effect: (1) the idempotency key is recorded in the {@link Ports.Store} — an effect
 * whose key was recorded before is skipped, so a replay never applies it twice; (2) an
 * {@link Fact.EffectApplied} fact is appended; (3) the effect goes to its port: {@link Effect.Notify} to the notifier,
 * {@link Effect.Wakeup} to the timer, everything else to the driver. Not thread-safe: one thread
 * owns the loop.
 */
public final class CampaignRunner {
    private final Ports.Driver driver;
    private final Ports.Store store;
    private final Ports.Notifier notifier;
    private final Ports.Timer timer;
    private long applied;
    private long skipped;

    public CampaignRunner(Ports.Driver driver, Ports.Store store, Ports.Notifier notifier, Ports.Timer timer) {
        this.driver = driver;
        this.store = store;
        this.notifier = notifier;
        this.timer = timer;
    }

    public void apply(List<Effect> effects, long nowMs) {
        for (int k = 0; k < effects.size(); k++) {
            Effect e = effects.get(k);
            if (!store.markApplied(e.key())) {
                skipped++;
                continue;
            }
            applied++;
            store.append(new HistoryRecord(nowMs, Actor.RUNNER, new Fact.EffectApplied(e.key(), e.getClass().getSimpleName())));
            switch (e) {
                case Effect.Notify n -> notifier.notify(n);
                case Effect.Wakeup w -> timer.wakeAt(w.atMs(), w.reason());
                case Effect.Cordon c -> driver.apply(c);
                case Effect.StartMove m -> driver.apply(m);
                case Effect.PatchHost p -> driver.apply(p);
                case Effect.RebootHost r -> driver.apply(r);
                case Effect.VerifyHost v -> driver.apply(v);
                case Effect.StartInstance s -> driver.apply(s);
                case Effect.StopInstance s -> driver.apply(s);
                case Effect.RebootInstance r -> driver.apply(r);
                case Effect.FenceHost f -> driver.apply(f);
            }
        }
    }

    public long applied() {
        return applied;
    }

    /** Effects whose key had been applied already. */
    public long skippedAsDuplicates() {
        return skipped;
    }
}

package dev.ferry.server.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.store.CampaignStore;
import org.junit.jupiter.api.Test;

/** An outside input survives the row it is logged in, whatever its text holds; rows logged before JSON still read. */
class StoredInputsTest {
    private static Command roundTrip(Command c) {
        return EngineStore.command(new CampaignStore.Input(1, 2, 3, EngineStore.kind(c), EngineStore.instanceOf(c), null,
                EngineStore.stored(c), c.actor(), c.requestId()));
    }

    @Test
    void placementsKeepEveryFieldEvenWithSpacesInThem() {
        Command.PlaceOutside place = new Command.PlaceOutside("i-new", "Acme Corp", 4, 8192, "db group", "tenant/acme", "r-1");
        assertThat(roundTrip(place)).isEqualTo(place);
        Command.PlaceOutside noGroup = new Command.PlaceOutside("i-new", "acme", 2, 1024, null, "tenant/acme", "r-2");
        assertThat(roundTrip(noGroup)).isEqualTo(noGroup);
        Command.ReleaseOutside release = new Command.ReleaseOutside("i-old", "h 7", 4, 8192, "tenant/acme", "r-3");
        assertThat(roundTrip(release)).isEqualTo(release);
        assertThat(EngineStore.stored(place)).startsWith("{");
    }

    @Test
    void rowsLoggedBeforeJsonStillRead() {
        assertThat(EngineStore.command(new CampaignStore.Input(1, 2, 3, "place-outside", "i-new", null, "acme 4 8192 ", "a", "r")))
                .isEqualTo(new Command.PlaceOutside("i-new", "acme", 4, 8192, null, "a", "r"));
        assertThat(EngineStore.command(new CampaignStore.Input(1, 2, 3, "place-outside", "i-new", null, "acme 4 8192 g1", "a", "r")))
                .isEqualTo(new Command.PlaceOutside("i-new", "acme", 4, 8192, "g1", "a", "r"));
        assertThat(EngineStore.command(new CampaignStore.Input(1, 2, 3, "release-outside", "i-old", null, "h7 2 1024", "a", "r")))
                .isEqualTo(new Command.ReleaseOutside("i-old", "h7", 2, 1024, "a", "r"));
    }

    @Test
    void anAbortKeepsItsReason() {
        Command.Abort abort = new Command.Abort("the patch is bad", "operator/x", "r-9");
        assertThat(roundTrip(abort)).isEqualTo(abort);
    }
}

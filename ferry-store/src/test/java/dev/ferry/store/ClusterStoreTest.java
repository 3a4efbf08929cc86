package dev.ferry.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.core.lifecycle.CampaignState;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The leader's lease, the fencing of a loop's writes by its term, and the queue of campaign commands, on H2 and PostgreSQL. */
class ClusterStoreTest {
    @TempDir
    Path dir;

    private Database open(String kind) {
        return kind.equals("h2") ? Database.openH2(dir, 4) : Database.open(TestPostgres.newDatabaseUrl(), null, null, 4);
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void theLeaseIsTakenOnceRenewedByItsHolderAndTakenOverWithAHigherTermOnlyWhenItExpires(String kind) {
        try (Database db = open(kind)) {
            ClusterStore c = Stores.over(db).cluster();
            ClusterStore.Lease a = c.claim("node-a", 0, 60_000, false);
            assertThat(a.holder()).isEqualTo("node-a");
            assertThat(a.term()).isEqualTo(1);
            // a standby while it is held: nothing changes
            ClusterStore.Lease seenByB = c.claim("node-b", 0, 60_000, false);
            assertThat(seenByB.holder()).isEqualTo("node-a");
            assertThat(seenByB.term()).isEqualTo(1);
            // the holder renews at its term
            ClusterStore.Lease renewed = c.claim("node-a", 1, 60_000, false);
            assertThat(renewed.term()).isEqualTo(1);
            assertThat(renewed.expiresMs()).isGreaterThanOrEqualTo(a.expiresMs());
            // given up: the standby takes it with a higher term, and the old holder cannot renew at its old one
            c.release("node-a", 1);
            ClusterStore.Lease b = c.claim("node-b", 0, 60_000, false);
            assertThat(b.holder()).isEqualTo("node-b");
            assertThat(b.term()).isEqualTo(2);
            ClusterStore.Lease stale = c.claim("node-a", 1, 60_000, false);
            assertThat(stale.holder()).isEqualTo("node-b");
            assertThat(stale.term()).isEqualTo(2);
            assertThat(stale.heldBy("node-a")).isFalse();
            // a lease that ran out (renewed for -1 ms: over before it is read again) is taken by the next claim
            c.claim("node-b", 2, -1, false);
            ClusterStore.Lease taken = c.claim("node-c", 0, 60_000, false);
            assertThat(taken.holder()).isEqualTo("node-c");
            assertThat(taken.term()).isEqualTo(3);
            // force (a database only one process can open): taken at once
            assertThat(c.claim("node-d", 0, 60_000, true).term()).isEqualTo(4);
            // node-d started again (it does not know the term it held): a new holder, at the next term
            assertThat(c.claim("node-d", 0, 60_000, false).term()).isEqualTo(5);
        }
    }

    /**
     * A leader frozen (SIGSTOP, a long pause) inside a fenced write holds the lease row's lock: on
     * PostgreSQL the server ends its session once it has been silent for the configured time, and a
     * standby then takes the lease over; the frozen write, when its process goes on, is refused.
     * Without that the standby's claim would wait for the lock forever (seen: no successor after a
     * stall in AgentClusterTest).
     */
    @org.junit.jupiter.api.Test
    @org.junit.jupiter.api.Timeout(value = 120, threadMode = org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD) // a hang guard: without the fix the claim never returns
    void aLeaderFrozenInsideATransactionDoesNotKeepTheLeaseFromBeingTakenOver() throws Exception {
        String url = TestPostgres.newDatabaseUrl();
        try (Database leader = Database.open(url, null, null, 2, java.time.Duration.ofSeconds(1));
                Database standby = Database.open(url, null, null, 2, java.time.Duration.ofSeconds(1))) {
            long term = Stores.over(leader).cluster().claim("node-a", 0, -1, false).term(); // already run out
            java.util.concurrent.CountDownLatch locked = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch wake = new java.util.concurrent.CountDownLatch(1);
            var frozen = java.util.concurrent.CompletableFuture.supplyAsync(() -> leader.tx(c -> {
                try (var st = c.createStatement()) {
                    st.executeQuery("SELECT term FROM cluster_lease WHERE name = 'leader' FOR UPDATE").close(); // what a fenced write does first
                }
                locked.countDown();
                try {
                    wake.await(); // frozen, the lock held
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                try (var st = c.createStatement()) {
                    return st.executeUpdate("UPDATE cluster_members SET heartbeat_ms = 0");
                }
            }));
            locked.await();
            ClusterStore.Lease taken = Stores.over(standby).cluster().claim("node-b", 0, 60_000, false);
            assertThat(taken.holder()).isEqualTo("node-b");
            assertThat(taken.term()).isEqualTo(term + 1);
            wake.countDown();
            assertThatThrownBy(frozen::join).as("the frozen leader's transaction was ended by the server")
                    .hasCauseInstanceOf(StoreException.class);
            assertThat(Stores.over(leader).cluster().lease().holder()).as("the pool goes on with a new connection").isEqualTo("node-b");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void aLoopsWritesAreRefusedOnceItsTermIsOver(String kind) {
        try (Database db = open(kind)) {
            Stores s = Stores.over(db);
            long term = s.cluster().claim("node-a", 0, 60_000, false).term();
            CampaignStore fenced = s.campaigns().fenced(term);
            CampaignStore.Round round = new CampaignStore.Round(0, List.of(), List.of("k/1"), List.of(), List.of(),
                    new CampaignStore.Progress(CampaignState.RUNNING, null, 0, 0, 1), null);
            fenced.commit("c-1", round);
            assertThat(fenced.load("c-1").keys()).containsExactly("k/1");
            s.cluster().release("node-a", term);
            s.cluster().claim("node-b", 0, 60_000, false);
            CampaignStore.Round next = new CampaignStore.Round(0, List.of(), List.of("k/2"), List.of(), List.of(),
                    new CampaignStore.Progress(CampaignState.RUNNING, null, 0, 0, 2), null);
            assertThatThrownBy(() -> fenced.commit("c-1", next)).isInstanceOf(NotLeaderException.class)
                    .hasMessageContaining("term " + term + " is over");
            assertThatThrownBy(() -> fenced.logInput("c-1", new CampaignStore.Input(0, 0, 0, "pause", null, null, null, "op", "r-1"),
                    new Audit(1, "op", "r-1", "campaign.pause", "c-1", "x"))).isInstanceOf(NotLeaderException.class);
            assertThat(s.campaigns().load("c-1").keys()).as("nothing of the refused writes is stored").containsExactly("k/1");
            assertThat(s.campaigns().load("c-1").inputs()).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void aQueuedCommandIsTakenOncePerTermAndAnsweredOnce(String kind) {
        try (Database db = open(kind)) {
            ClusterStore c = Stores.over(db).cluster();
            long id = c.enqueue("c-1", new CampaignStore.Input(0, 0, 0, "tenant-now", "i-1", null, null, "tenant:acme", "req-7"), 5);
            assertThat(c.outcome(id)).isEmpty();
            List<ClusterStore.QueuedCommand> taken = c.take(3, 10);
            assertThat(taken).singleElement().satisfies(q -> {
                assertThat(q.campaign()).isEqualTo("c-1");
                assertThat(q.input().kind()).isEqualTo("tenant-now");
                assertThat(q.input().instance()).isEqualTo("i-1");
                assertThat(q.input().requestId()).isEqualTo("req-7");
            });
            assertThat(c.take(3, 10)).as("taken by term 3 already").isEmpty();
            // the lease moves on (terms 1..4 here): the command taken at 3 is looked at again by the next leader
            for (int t = 0; t < 4; t++) {
                c.claim("node-" + t, 0, -1, false);
            }
            long leaderTerm = c.claim("node-x", 0, 60_000, false).term();
            assertThat(c.answer(id, 3, false, "a deposed leader's answer", 9)).as("dropped: term 3 is over").isFalse();
            assertThat(c.take(leaderTerm, 10)).as("a later leader looks again at what an earlier one took").hasSize(1);
            assertThat(c.answer(id, leaderTerm, true, "done", 9)).isTrue();
            assertThat(c.answer(id, leaderTerm, false, "a second answer is ignored", 10)).isFalse();
            assertThat(c.outcome(id)).contains(new ClusterStore.Outcome(true, "done"));
            assertThat(c.take(leaderTerm + 1, 10)).isEmpty();
            assertThat(c.applied("c-1", "req-7", "tenant-now", "i-1")).isFalse();
            CampaignStore campaigns = Stores.over(db).campaigns();
            campaigns.logInput("c-1", new CampaignStore.Input(0, 0, 0, "pause", null, null, null, "op", "req-8"),
                    new Audit(1, "op", "req-8", "campaign.pause", "c-1", "x"));
            campaigns.logInput("c-1", new CampaignStore.Input(1, 0, 0, "tenant-now", "i-2", null, null, "t", "req-9"),
                    new Audit(1, "t", "req-9", "campaign.tenant-now", "i-2", "x"));
            assertThat(c.applied("c-1", "req-8", "pause", null)).as("logged by a former leader").isTrue();
            assertThat(c.applied("c-1", "req-8", "resume", null)).as("another command under the same request id").isFalse();
            assertThat(c.applied("c-1", "req-9", "tenant-now", "i-2")).isTrue();
            assertThat(c.applied("c-1", "req-9", "tenant-now", "i-3")).isFalse();
            long late = c.enqueue("c-1", new CampaignStore.Input(0, 0, 0, "pause", null, null, null, "op", "req-8"), 11);
            assertThat(c.withdraw(late, 12)).as("no leader took it: withdrawn").isTrue();
            assertThat(c.take(leaderTerm, 10)).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void membersHeartbeatAndLeave(String kind) {
        try (Database db = open(kind)) {
            ClusterStore c = Stores.over(db).cluster();
            c.heartbeat("node-a", "127.0.0.1:1", 100, true);
            c.heartbeat("node-b", "127.0.0.1:2", 200, false);
            c.heartbeat("node-a", "127.0.0.1:1", 100, false);
            assertThat(c.members()).extracting(ClusterStore.Member::node).containsExactlyInAnyOrder("node-a", "node-b");
            assertThat(c.members()).filteredOn(m -> m.node().equals("node-a")).singleElement()
                    .satisfies(m -> assertThat(m.leaderships()).isEqualTo(1));
            c.leave("node-b");
            assertThat(c.members()).extracting(ClusterStore.Member::node).containsExactly("node-a");
        }
    }
}

package dev.ferry.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.store.Audit;
import dev.ferry.store.Database;
import dev.ferry.store.Stores;
import dev.ferry.store.TokenStore;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two controllers on one database, each keeping the tokens it has seen: a known token is not read
 * from the database again at every request (an agent reports every few seconds), and a token revoked
 * on one controller stops working on the other at its next look at the revocations, a few seconds
 * later by its clock.
 */
class TokensTest {
    @TempDir
    Path dir;

    /** The store, counting its look-ups by hash. */
    private static final class Counting implements TokenStore {
        final TokenStore real;
        final AtomicInteger finds = new AtomicInteger();
        final AtomicInteger lists = new AtomicInteger();

        Counting(TokenStore real) {
            this.real = real;
        }

        @Override
        public void create(Token token) {
            real.create(token);
        }

        @Override
        public boolean anyOperator(long now) {
            return real.anyOperator(now);
        }

        @Override
        public Optional<Token> find(String hash) {
            finds.incrementAndGet();
            return real.find(hash);
        }

        @Override
        public List<Token> list() {
            lists.incrementAndGet();
            return real.list();
        }

        @Override
        public Revoked revoke(String hashPrefix, Audit audit) {
            return real.revoke(hashPrefix, audit);
        }

        @Override
        public Revocations revokedSince(long since) {
            return real.revokedSince(since);
        }
    }

    @Test
    void aKnownTokenIsNotReadAgainAndARevocationElsewhereIsSeenWithinSeconds() {
        try (Database db = Database.open(Database.h2Url(dir.resolve("db")), null, null, 2)) {
            TokenStore store = Stores.over(db).tokens();
            MutableClock clock = new MutableClock(Instant.parse("2026-11-29T00:00:00Z"));
            Tokens a = new Tokens(store, clock);
            Counting seenByB = new Counting(store);
            Tokens b = new Tokens(seenByB, clock);
            String ops = a.create(Principal.Role.OPERATOR, null, "ops");
            String agent = a.create(Principal.Role.AGENT, "h1", "agent h1");
            String early = a.create(Principal.Role.TENANT, "acme", "acme");
            Principal operator = a.authenticate(ops).orElseThrow();
            a.revoke(Tokens.hash(early).substring(0, 16), operator, "r0"); // before b ever looked
            assertThat(b.authenticate(early)).as("revoked before b's first look").isEmpty();

            for (int report = 0; report < 30; report++) {
                assertThat(b.authenticate(agent)).isPresent();
                clock.advanceMillis(10_000); // an agent's report every 10 s, for five minutes
            }
            assertThat(seenByB.lists.get()).as("every token read at b's first look, in one read").isEqualTo(1);
            assertThat(seenByB.finds.get()).as("the agent's token never read alone (the revoked one, not among them, once)")
                    .isEqualTo(1);
            String later = a.create(Principal.Role.TENANT, "acme", "acme again");
            assertThat(b.authenticate(later)).as("a token made after b's first look is read when it is first seen").isPresent();
            assertThat(seenByB.finds.get()).isEqualTo(2);

            a.revoke(Tokens.hash(agent).substring(0, 16), operator, "r1");
            assertThat(a.authenticate(agent)).as("at once where it was revoked").isEmpty();
            clock.advanceMillis(Tokens.REVOCATIONS_SECONDS * 1000);
            assertThat(b.authenticate(agent)).as("at b's next look at the revocations").isEmpty();
        }
    }
}

package dev.ferry.server;

import dev.ferry.store.Audit;
import dev.ferry.store.TokenStore;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Bearer tokens: 32 random bytes, shown once when created, stored only as their SHA-256. A token is
 * an operator's, one tenant's, or one host's agent's; it may expire ({@code ttl}). To rotate one
 * without downtime, create the new one, move the client, revoke the old one. Thread-safe.
 */
public final class Tokens {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final TokenStore store;
    private final InstantSource clock;

    public Tokens(TokenStore store, InstantSource clock) {
        this.store = store;
        this.clock = clock;
    }

    /**
     * Creates a token and returns it; only its hash is stored. {@code scope}: the tenant of a
     * tenant token, the host of an agent token, null for an operator token.
     */
    public String create(Principal.Role role, String scope, String name) {
        return create(role, scope, name, null);
    }

    /** As {@link #create(Principal.Role, String, String)}, valid for {@code ttl} from now (null: until revoked). */
    public String create(Principal.Role role, String scope, String name, java.time.Duration ttl) {
        if ((role == Principal.Role.OPERATOR) != (scope == null || scope.isBlank())) {
            throw Refused.invalid("a tenant token names its tenant and an agent token its host; an operator token names neither");
        }
        byte[] raw = new byte[32];
        RANDOM.nextBytes(raw);
        String token = "fy_" + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        store.create(new TokenStore.Token(hash(token), name, role.name().toLowerCase(Locale.ROOT),
                role == Principal.Role.OPERATOR ? null : scope, clock.millis(), ttl == null ? null : clock.millis() + ttl.toMillis()));
        return token;
    }

    /**
     * Tokens found, kept {@value #KNOWN_MINUTES} minutes: at 10,000 agents reporting every 10 s a
     * thousand requests a second would otherwise each read the token table (a few seconds' keeping
     * did not help: each agent's token is seen once per report); the first request reads them all
     * ({@link #warmUp}). A revocation here forgets the token at once; every
     * {@value #REVOCATIONS_SECONDS} s (at the next request) the revocations any controller made since
     * are read from the audit and forgotten here too. An expiry is judged at every request (the stored
     * expiry, by the clock).
     */
    static final long KNOWN_MINUTES = 10;
    static final long REVOCATIONS_SECONDS = 5;
    /** Revocations are read again from a mark this old, so one committed after a later audit line is not missed. */
    private static final long REREAD_MS = 60_000;
    private final com.github.benmanes.caffeine.cache.Cache<String, TokenStore.Token> recent =
            com.github.benmanes.caffeine.cache.Caffeine.newBuilder().expireAfterWrite(java.time.Duration.ofMinutes(KNOWN_MINUTES))
                    .maximumSize(100_000).build();
    /** The audit marks read, oldest first, each with when (clock ms): revocations are read from the newest that is a minute old. */
    private final java.util.ArrayDeque<long[]> marks = new java.util.ArrayDeque<>();
    private volatile long nextRevocationsAt = Long.MIN_VALUE;

    /** Forgets the tokens revoked since the last look, by any controller; at most every {@value #REVOCATIONS_SECONDS} s. */
    private synchronized void forgetRevoked(long now) {
        if (now < nextRevocationsAt) {
            return;
        }
        nextRevocationsAt = now + REVOCATIONS_SECONDS * 1000;
        while (marks.size() >= 2 && marks.stream().skip(1).findFirst().orElseThrow()[0] <= now - REREAD_MS) {
            marks.removeFirst(); // the next one is a minute old too
        }
        // the first look reads every revocation there was (few, and indexed): none committed late is missed
        TokenStore.Revocations r = store.revokedSince(marks.isEmpty() ? 0 : marks.peekFirst()[1]);
        for (String id : r.ids()) {
            recent.asMap().keySet().removeIf(h -> h.startsWith(id));
        }
        marks.addLast(new long[] {now, r.mark()});
    }

    private volatile boolean warmed;

    /**
     * Every token there is, in one read, before the first request looks one up; the requests that come
     * meanwhile wait for it: a controller that starts under 10,000 reporting agents would otherwise read
     * the table once per agent at once (after a restart, 5,000 such reads held every pooled connection).
     * A token revoked after this read is among the revocations read at the next look. Tried once: if the
     * read fails, tokens are read one by one as before.
     */
    private synchronized void warmUp() {
        if (warmed) {
            return;
        }
        try {
            store.list().forEach(t -> recent.put(t.hash(), t));
        } finally {
            warmed = true;
        }
    }

    public boolean anyOperator() {
        return store.anyOperator(clock.millis());
    }

    /** The principal of a presented token; empty for an unknown one. */
    public Optional<Principal> authenticate(String token) {
        if (token == null || token.length() > 200) {
            return Optional.empty();
        }
        long now = clock.millis();
        if (now >= nextRevocationsAt) {
            forgetRevoked(now);
        }
        if (!warmed) {
            warmUp();
        }
        String hash = hash(token);
        TokenStore.Token known = recent.getIfPresent(hash);
        Optional<TokenStore.Token> found = known != null ? Optional.of(known) : store.find(hash);
        found.ifPresent(t -> recent.put(hash, t));
        return found.filter(t -> t.expiresAt() == null || t.expiresAt() > now).map(t -> new Principal(t.name(),
                Principal.Role.valueOf(t.role().toUpperCase(Locale.ROOT)), t.scope(), t.hash()));
    }

    /** A token as operators see it: an id (a prefix of its hash, enough to name it, useless to use it), never the token. */
    public record Listed(String id, String name, String role, String tenant, long createdAt, Long expiresAt, boolean expired) {
    }

    public List<Listed> list() {
        long now = clock.millis();
        return store.list().stream().map(t -> new Listed(t.hash().substring(0, 16), t.name(), t.role(), t.scope(), t.createdAt(),
                t.expiresAt(), t.expiresAt() != null && t.expiresAt() <= now)).toList();
    }

    /** Revokes a token: at once on this controller, within {@value #REVOCATIONS_SECONDS} s on the others. The last valid operator token cannot be revoked. */
    public void revoke(String id, Principal who, String requestId) {
        if (id == null || !id.matches("[0-9a-f]{16}")) {
            throw Refused.notFound("token");
        }
        switch (store.revoke(id, new Audit(clock.millis(), who.actor(), requestId, "token.revoke", id, ""))) {
            case NOT_FOUND -> throw Refused.notFound("token");
            case LAST_OPERATOR -> throw Refused.conflict("this is the last operator token; create another before revoking it");
            case REVOKED -> recent.asMap().keySet().removeIf(h -> h.startsWith(id)); // forgotten here at once
        }
    }

    public static String hash(String token) {
        return sha256(token.getBytes(StandardCharsets.UTF_8));
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

package dev.ferry.store;

import java.util.List;
import java.util.Optional;

/** Bearer tokens, by the SHA-256 of the token (the token itself is never stored). Thread-safe. */
public interface TokenStore {
    /**
     * @param scope     the tenant of a tenant token, the host of an agent token, null for an operator's
     * @param expiresAt when it stops authenticating (epoch ms), null: never
     */
    record Token(String hash, String name, String role, String scope, long createdAt, Long expiresAt) {
        public Token(String hash, String name, String role, String scope, long createdAt) {
            this(hash, name, role, scope, createdAt, null);
        }
    }

    enum Revoked { REVOKED, NOT_FOUND, LAST_OPERATOR }

    /** The ids (hash prefixes) of tokens revoked after a point of the audit; {@code mark}: the audit's last line read. */
    record Revocations(long mark, List<String> ids) {
    }

    void create(Token token);

    /** Some operator token is valid at {@code now} (not expired). */
    boolean anyOperator(long now);

    Optional<Token> find(String hash);

    List<Token> list();

    /**
     * Revokes the token whose hash starts with {@code hashPrefix}, with its audit line; never the
     * last operator token that is still valid at the audit's time.
     */
    Revoked revoke(String hashPrefix, Audit audit);

    /**
     * The tokens revoked (by any controller) in audit lines after {@code since} (an earlier {@link
     * Revocations#mark}, or 0), read from the audit's {@code token.revoke} lines.
     */
    Revocations revokedSince(long since);
}

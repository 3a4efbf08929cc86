package dev.ferry.server;

/**
 * Who is calling: an operator, or one tenant. Made from a bearer token by {@link Tokens}.
 *
 * @param tokenHash SHA-256 of the token (idempotency keys and rate limits are per token)
 */
public record Principal(String name, Role role, String tenant, String tokenHash) {
    public enum Role { OPERATOR, TENANT }

    public boolean operator() {
        return role == Role.OPERATOR;
    }

    /** "operator:&lt;name&gt;" or "tenant:&lt;id&gt;": the actor in facts and audit. */
    public String actor() {
        return operator() ? "operator:" + name : "tenant:" + tenant;
    }
}

package dev.ferry.server;

/**
 * Who is calling: an operator, one tenant, or one host's agent. Made from a bearer token by
 * {@link Tokens}.
 *
 * @param tenant    the tenant of a tenant token; for an agent token, the host it reports for
 * @param tokenHash SHA-256 of the token (idempotency keys and rate limits are per token)
 */
public record Principal(String name, Role role, String tenant, String tokenHash) {
    public enum Role { OPERATOR, TENANT, AGENT }

    public boolean operator() {
        return role == Role.OPERATOR;
    }

    /** The host an agent token reports for (null for other tokens). */
    public String host() {
        return role == Role.AGENT ? tenant : null;
    }

    /** "operator:&lt;name&gt;", "tenant:&lt;id&gt;" or "agent:&lt;host&gt;": the actor in facts and audit. */
    public String actor() {
        return switch (role) {
            case OPERATOR -> "operator:" + name;
            case TENANT -> "tenant:" + tenant;
            case AGENT -> "agent:" + tenant;
        };
    }
}

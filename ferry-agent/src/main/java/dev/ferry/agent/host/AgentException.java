package dev.ferry.agent.host;

/** An agent's refusal with its HTTP status. */
public final class AgentException extends RuntimeException {
    final int status;

    public AgentException(int status, String message) {
        super(message);
        this.status = status;
    }
}

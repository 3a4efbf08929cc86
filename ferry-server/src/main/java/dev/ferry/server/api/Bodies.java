package dev.ferry.server.api;

/**
 * Request bodies, one record per request: only the fields a client may set. Anything else — a
 * misspelling or a server-owned field such as {@code id}, {@code state} or {@code secret} — is
 * refused with 400 naming the field (no mass assignment).
 */
final class Bodies {
    private Bodies() {
    }

    record ProposeCampaign(String advisory, String policy, String strategy, Double accel, Long seed, String hypervisors, Integer forecast) {
    }

    record Reason(String reason) {
    }

    record Reschedule(String notBefore) {
    }

    record RegisterWebhook(String url) {
    }

    record AgentReport(String host, String version, String backend, java.util.List<java.util.Map<String, Object>> instances) {
    }

    record CreateToken(String role, String tenant, String host, String name, Long ttlSeconds) {
    }

    record InstanceSettings(String onHostMaintenance) {
    }

    record LaunchInstance(Integer cpus, Long memoryMiB, String group, String onHostMaintenance) {
    }
}

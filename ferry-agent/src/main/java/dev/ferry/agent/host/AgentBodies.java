package dev.ferry.agent.host;

/** The bodies of the agent's HTTP API (docs/agent.md). */
final class AgentBodies {
    private AgentBodies() {
    }

    /** A start, or an incoming migration ({@code postcopy}: the source may switch it to post-copy; QEMU needs it on both ends). */
    record Launch(String id, long epoch, int memoryMiB, int dirtyMiBPerSecond, Boolean postcopy) {
    }

    record Migrate(String host, int port, Long downtimeLimitMs, Long maxBandwidthBytesPerSecond, Boolean autoConverge,
                   Boolean postcopy) {
    }

    record Reboot(String version, boolean force) {
    }
}

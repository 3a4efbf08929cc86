package dev.ferry.agent.host;

/** The bodies of the agent's HTTP API (docs/agent.md). */
final class AgentBodies {
    private AgentBodies() {
    }

    /** A start, or an incoming migration ({@code postcopy}: the source may switch it to post-copy; QEMU needs it on both ends). */
    record Launch(String id, long epoch, int memoryMiB, int dirtyMiBPerSecond, Boolean postcopy) {
    }

    /**
     * A live migration out, to where the destination's incoming call answered: {@code host} and
     * {@code port}, {@code backend}, and from a libvirt destination {@code libvirtUri},
     * {@code guestDir} and {@code epoch} (passed on as they came).
     */
    record Migrate(String host, int port, Long downtimeLimitMs, Long maxBandwidthBytesPerSecond, Boolean autoConverge,
                   Boolean postcopy, String backend, String libvirtUri, String guestDir, Long epoch) {
    }

    record Reboot(String version, boolean force) {
    }
}

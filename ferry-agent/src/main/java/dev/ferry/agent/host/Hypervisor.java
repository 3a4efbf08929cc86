package dev.ferry.agent.host;

import java.io.IOException;
import java.nio.file.Path;

/**
 * What runs an agent's guests: QEMU processes of the agent's own ({@link QemuHypervisor}) or a
 * libvirt daemon ({@code LibvirtHypervisor}). The agent keeps its rules (epochs recorded before a
 * start, stale ones refused, roles, reports) and asks the hypervisor only to start, receive and
 * find guests. Each instance has a directory of the agent's ({@code <data>/instances/<id>/}) that
 * holds {@code instance.json} and {@code serial.log}.
 */
public interface Hypervisor extends AutoCloseable {
    /** A guest prepared to receive a live migration, and where the source is to send it. */
    record Incoming(Guest guest, Guest.Destination at) {
    }

    /** The backend's name in reports and migration answers: {@code qemu} or {@code libvirt}. */
    String name();

    /** Takes over, before the agent adopts what runs, any guests the operator named for it (none by default). */
    default void claim(Path instances) throws IOException {
    }

    /** Starts the heartbeat guest for instance {@code id}, running. */
    Guest launch(String id, Path dir, long epoch, int memoryMiB, int dirtyMiBPerSecond) throws IOException, InterruptedException;

    /** Prepares to receive instance {@code id} by live migration ({@code postcopy}: the source may switch to post-copy). */
    Incoming incoming(String id, Path dir, long epoch, int memoryMiB, int dirtyMiBPerSecond, boolean postcopy, String listenHost)
            throws IOException, InterruptedException;

    /** Takes over a guest that runs for instance {@code id} (after the agent restarted), or null when none does. */
    Guest adopt(String id, Path dir, long epoch) throws InterruptedException;

    /**
     * For a guest that was being sent to {@code to} when the agent stopped and is gone from here since:
     * the migration's outcome as the destination shows it, or null when this backend cannot tell (QEMU
     * keeps the source's paused process, which is adopted instead).
     */
    default Guest.MigrationResult arrived(String id, Guest.Destination to) {
        return null;
    }

    /**
     * Whether asking this backend what runs may block in native code (libvirt's): such waits need a
     * platform thread of their own; the others' run on virtual threads (an agent then holds no
     * platform thread of its own while idle).
     */
    default boolean blocksInNativeCalls() {
        return false;
    }

    /** Lets go of the hypervisor (its guests run on). */
    @Override
    default void close() {
    }
}

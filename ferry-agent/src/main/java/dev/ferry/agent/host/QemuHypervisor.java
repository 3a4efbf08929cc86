package dev.ferry.agent.host;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;

/** Guests as QEMU processes of the agent's own, each in its instance directory, driven over QMP ({@link QemuVm}). */
public final class QemuHypervisor implements Hypervisor {
    public static final String NAME = "qemu";

    private final String qemu;

    /** {@code qemu}: the QEMU binary (a path, or a name looked up on PATH). */
    public QemuHypervisor(String qemu) {
        this.qemu = qemu;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Guest launch(String id, Path dir, long epoch, int memoryMiB, int dirtyMiBPerSecond) throws IOException, InterruptedException {
        return QemuVm.launch(qemu, id, dir, memoryMiB, dirtyMiBPerSecond, false);
    }

    @Override
    public Incoming incoming(String id, Path dir, long epoch, int memoryMiB, int dirtyMiBPerSecond, boolean postcopy, String listenHost)
            throws IOException, InterruptedException {
        QemuVm vm = QemuVm.launch(qemu, id, dir, memoryMiB, dirtyMiBPerSecond, true);
        try {
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            vm.acceptMigration(listenHost, port, postcopy);
            return new Incoming(vm, new Guest.Destination(NAME, listenHost, port, null, null, epoch));
        } catch (IOException | RuntimeException e) {
            vm.quit();
            throw e;
        }
    }

    @Override
    public Guest adopt(String id, Path dir, long epoch) throws InterruptedException {
        return QemuVm.adopt(id, dir);
    }
}

package dev.ferry.lab;

import dev.ferry.agent.host.Agent;
import dev.ferry.agent.host.Hypervisor;
import dev.ferry.agent.host.QemuHypervisor;
import dev.ferry.agent.libvirt.LibvirtDaemons;
import dev.ferry.agent.libvirt.LibvirtHypervisor;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What runs the lab's guests, per host: QEMU processes of the agent's own, or domains of a libvirt
 * daemon that the lab starts for the host ({@link LibvirtDaemons}: session mode, one per host, torn
 * down with the lab). With {@code mixed}, every host but the last is libvirt's and the last runs
 * QEMU itself, so that one campaign spans both.
 */
final class LabHosts implements AutoCloseable {
    static final String QEMU = QemuHypervisor.NAME;
    static final String LIBVIRT = LibvirtHypervisor.NAME;
    static final String MIXED = "mixed";

    private final Lab.Options o;
    private final LibvirtDaemons daemons;
    private final List<Hypervisor> opened = new ArrayList<>();

    private LabHosts(Lab.Options o, LibvirtDaemons daemons) {
        this.o = o;
        this.daemons = daemons;
    }

    /** Starts the libvirt daemons the options need (none for QEMU); an IOException says why they cannot run here. */
    static LabHosts start(Lab.Options o) throws Exception {
        int libvirtHosts = (int) java.util.stream.IntStream.rangeClosed(1, o.hosts()).filter(h -> onLibvirt(o, h)).count();
        return new LabHosts(o, libvirtHosts == 0 ? null : LibvirtDaemons.start(libvirtHosts));
    }

    /** Whether host {@code h} (1-based) runs on libvirt. */
    static boolean onLibvirt(Lab.Options o, int h) {
        return o.hypervisor().equals(LIBVIRT) || o.hypervisor().equals(MIXED) && h < o.hosts();
    }

    /**
     * The CPU model the fleet gives host {@code h}: the fleet's mark of which hosts can live-migrate
     * to each other, and a guest cannot be sent from one backend to the other.
     */
    static String cpuModel(Lab.Options o, int h) {
        return onLibvirt(o, h) ? "qemu64-libvirt" : "qemu64";
    }

    /** The backend of host {@code h}. */
    Hypervisor hypervisor(int h) throws IOException {
        Hypervisor hv = onLibvirt(o, h) ? new LibvirtHypervisor(daemons.uri(h - 1), null, daemons.guestDir(h - 1), List.of())
                : new QemuHypervisor(o.qemu());
        opened.add(hv);
        return hv;
    }

    /** Starts host {@code h}'s agent on loopback, its data under {@code data}. */
    Agent agent(int h, Path data, String version, Duration reboot) throws IOException, InterruptedException {
        return Agent.start(new Agent.Config("h" + h, "127.0.0.1", 0, data, version, hypervisor(h), reboot));
    }

    /** Lets go of the daemons' connections and stops the daemons (call after the agents stopped their guests). */
    @Override
    public void close() throws Exception {
        opened.forEach(Hypervisor::close);
        if (daemons != null) {
            daemons.close();
        }
    }
}

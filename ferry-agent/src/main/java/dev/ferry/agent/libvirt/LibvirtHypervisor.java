package dev.ferry.agent.libvirt;

import dev.ferry.agent.host.Guest;
import dev.ferry.agent.host.GuestImage;
import dev.ferry.agent.host.Hypervisor;
import dev.ferry.agent.host.Meta;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.List;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;

/**
 * Guests as libvirt domains on one daemon ({@code uri}): the heartbeat guest is a transient domain
 * named after its instance, whose placement epoch lives in Ferry's element of the domain's own
 * metadata ({@code <ferry:instance epoch=".."/>}, {@value LibvirtReader#NS}, visible with
 * {@code virsh dumpxml}); live migration is libvirt's peer-to-peer migration from daemon to daemon.
 *
 * <p>QEMU runs as the daemon's user, not the agent's: the files it must open (the guest's disk
 * image, its two serial sockets) are in {@code guestDir/<instance>/}, which the agent gives to the
 * owner of {@code guestDir} (when it runs as root) — the operator makes {@code guestDir} that
 * user's. The agent's own files ({@code instance.json}, {@code serial.log}, the guest's metadata
 * socket) stay in its data directory.
 *
 * <p>Domains the agent did not create are left alone unless named in {@code claim}: those are
 * taken over at start (their epoch element added, keeping Ferry's other attributes), never silently.
 */
public final class LibvirtHypervisor implements Hypervisor {
    public static final String NAME = "libvirt";

    private final String uri;
    private final String peerUri;
    private final Path guestDir;
    private final List<String> claim;
    private Connect connect;

    /**
     * Connects to the daemon at {@code uri}. {@code peerUri}: how another host's daemon reaches this
     * one for a peer-to-peer migration (null: {@code uri}); {@code guestDir}: see the class comment;
     * {@code claim}: names of running domains the operator hands to the agent.
     */
    public LibvirtHypervisor(String uri, String peerUri, Path guestDir, List<String> claim) throws IOException {
        this.uri = uri;
        this.peerUri = peerUri == null ? uri : peerUri;
        this.guestDir = guestDir.toAbsolutePath();
        this.claim = List.copyOf(claim);
        try {
            Domains.quiet();
            this.connect = new Connect(uri);
            Files.createDirectories(this.guestDir);
        } catch (LibvirtException e) {
            throw new IOException(uri + ": " + e.getMessage(), e);
        } catch (LinkageError e) {
            throw new IOException(uri + ": libvirt's library (Debian package libvirt0) could not be loaded: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean blocksInNativeCalls() {
        return true; // libvirt-java's calls wait in native code
    }

    @Override
    public String name() {
        return NAME;
    }

    /** The agent's connection to its daemon, opened again when the daemon restarted (a libvirt upgrade does). */
    synchronized Connect connect() throws LibvirtException {
        boolean alive;
        try {
            alive = connect.isAlive();
        } catch (LibvirtException e) {
            alive = false;
        }
        if (!alive) {
            try {
                connect.close();
            } catch (LibvirtException ignored) {
                // it is gone already
            }
            connect = new Connect(uri);
        }
        return connect;
    }

    String uri() {
        return uri;
    }

    @Override
    public void claim(Path instances) throws IOException {
        for (String name : claim) {
            if (!Meta.isInstanceId(name)) {
                throw new IOException("domain " + name + " cannot be an instance: its name must be letters, digits, '.', '_' or '-'");
            }
            try {
                Domain d;
                try {
                    d = connect().domainLookupByName(name);
                } catch (LibvirtException e) {
                    d = null;
                }
                if (d == null || d.isActive() != 1) {
                    // sent away by Ferry since, or stopped: the same command line must still start the agent
                    System.err.println("ferry agent: --claim-domain " + name + ": no such running domain on " + uri + "; skipped");
                    continue;
                }
                Path dir = instances.resolve(name);
                long epoch = Domains.epochOf(d);
                if (epoch < 0) {
                    Domains.setEpoch(d, 0); // claimed: Ferry's from now on, at epoch 0
                    epoch = 0;
                }
                if (Meta.read(dir) == null) {
                    Meta.write(dir, new Meta(epoch, (int) Math.max(1, d.getInfo().maxMem / 1024), 0));
                }
            } catch (LibvirtException e) {
                throw new IOException("domain " + name + " on " + uri + ": " + e.getMessage(), e);
            }
        }
    }

    @Override
    public Guest launch(String id, Path dir, long epoch, int memoryMiB, int dirtyMiBPerSecond) throws IOException, InterruptedException {
        refuseTaken(id);
        Path files = guestFiles(id, memoryMiB, dirtyMiBPerSecond);
        String xml = Domains.domainXml(id, epoch, memoryMiB, dirtyMiBPerSecond, files);
        try {
            connect().domainCreateXML(xml, Domain.CreateFlags.PAUSED); // held until its console is read: no line is lost
        } catch (LibvirtException e) {
            throw new IOException("libvirt did not start " + id + ": " + e.getMessage(), e);
        }
        LibvirtGuest g = new LibvirtGuest(this, id, epoch, dir, files, false);
        try {
            if (!g.awaitConsole()) {
                throw new IOException("the console of " + id + " did not open in " + files);
            }
            g.resume();
            return g;
        } catch (IOException | InterruptedException | RuntimeException e) {
            g.kill(); // never a half-started domain left paused under the instance's name
            throw e;
        }
    }

    @Override
    public Incoming incoming(String id, Path dir, long epoch, int memoryMiB, int dirtyMiBPerSecond, boolean postcopy, String listenHost)
            throws IOException {
        refuseTaken(id);
        Path files = guestFiles(id, memoryMiB, dirtyMiBPerSecond);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        // libvirt makes the domain here when the source's daemon calls: until then there is nothing to start
        LibvirtGuest g = new LibvirtGuest(this, id, epoch, dir, files, true);
        return new Incoming(g, new Guest.Destination(NAME, listenHost, port, peerUri, files.toString(), epoch));
    }

    @Override
    public Guest adopt(String id, Path dir, long epoch) {
        try {
            Domain d = connect().domainLookupByName(id);
            if (d.isActive() != 1 || Domains.epochOf(d) != epoch) {
                return null; // not running, or not this placement's (an operator's domain is taken only when claimed)
            }
        } catch (LibvirtException e) {
            return null; // no such domain: it stopped, or it was sent away while the agent was down
        }
        Path files = guestDir.resolve(id);
        return new LibvirtGuest(this, id, epoch, dir, Files.exists(files.resolve("serial.sock")) ? files : null, false);
    }

    /** The destination's daemon, read-only: the guest runs there with the epoch it was sent with (completed), or not (failed). */
    @Override
    public Guest.MigrationResult arrived(String id, Guest.Destination to) {
        if (to.libvirtUri() == null) {
            return null;
        }
        Connect c = null;
        try {
            c = new Connect(to.libvirtUri(), true);
            Domain d = c.domainLookupByName(id);
            boolean there = d.isActive() == 1 && Domains.epochOf(d) == to.epoch();
            Domains.free(d);
            return there ? new Guest.MigrationResult("completed", 0, null, 0, 0, null, 0)
                    : new Guest.MigrationResult("failed", 0, null, 0, 0, "the guest is on neither host", 0);
        } catch (LibvirtException e) {
            return Domains.noDomain(e) ? new Guest.MigrationResult("failed", 0, null, 0, 0, "the guest is on neither host", 0) : null;
        } finally {
            Domains.close(c);
        }
    }

    /** A domain of this name already on the daemon (an operator's, or a copy left behind) is never replaced nor taken. */
    private void refuseTaken(String id) throws IOException {
        try {
            connect().domainLookupByName(id);
        } catch (LibvirtException e) {
            if (Domains.noDomain(e)) {
                return;
            }
            throw new IOException(uri + ": " + e.getMessage(), e);
        }
        throw new dev.ferry.agent.host.AgentException(409, "a domain named " + id + " already exists on " + uri
                + "; it is not this instance's (claim it with --claim-domain, or remove it)");
    }

    /** The guest's directory for QEMU, given to the owner of the guest directory, with the heartbeat guest's disk image. */
    private Path guestFiles(String id, int memoryMiB, int dirtyMiBPerSecond) throws IOException {
        Path files = guestDir.resolve(id);
        Files.createDirectories(files);
        for (String f : List.of("serial.sock", "notice.sock")) {
            Files.deleteIfExists(files.resolve(f));
        }
        byte[] disk = new byte[1 << 20];
        byte[] sector = GuestImage.build(dirtyMiBPerSecond, memoryMiB);
        System.arraycopy(sector, 0, disk, 0, sector.length);
        Path image = files.resolve("guest.img");
        Files.write(image, disk);
        UserPrincipal owner = Files.getOwner(guestDir);
        if (!owner.equals(Files.getOwner(files))) {
            Files.setOwner(files, owner); // as root: QEMU runs as the guest directory's owner
            Files.setOwner(image, owner);
        }
        Files.setPosixFilePermissions(files, PosixFilePermissions.fromString("rwx------"));
        Files.setPosixFilePermissions(image, PosixFilePermissions.fromString("rw-------"));
        return files;
    }

    @Override
    public void close() {
        try {
            synchronized (this) {
                connect.close();
            }
        } catch (LibvirtException ignored) {
            // letting go
        }
    }
}

package dev.ferry.agent.libvirt;

import dev.ferry.agent.Poll;
import dev.ferry.agent.host.GuestImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;

/**
 * libvirt daemons for {@code ferry lab --hypervisor libvirt} and the tests: session mode, each with
 * its own XDG directories under {@code /tmp/ferry-libvirt-*} and a random host UUID, answering only
 * on its Unix socket ({@code qemu+unix:///session?socket=...}, in its own runtime directory, so no
 * other local user can reach it; the daemons of one set reach each other there for peer-to-peer
 * migrations), run as one unprivileged user — this one, or, when run as root, {@code ferry-libvirt}
 * ({@code FERRY_LIBVIRT_USER}; {@code .ci/run} creates it). Each has a directory for its guests'
 * files ({@link #guestDir}), that user's.
 */
public final class LibvirtDaemons implements AutoCloseable {
    private final List<Path> dirs = new ArrayList<>();
    private final String user;

    private LibvirtDaemons(String user) {
        this.user = user;
    }

    /** Starts {@code n} daemons and waits until each answers; an IOException says why they cannot run here. */
    public static LibvirtDaemons start(int n) throws Exception {
        String why = unavailable();
        if (why != null) {
            throw new IOException(why);
        }
        LibvirtDaemons d = new LibvirtDaemons(user());
        try {
            for (int k = 0; k < n; k++) {
                d.startOne();
            }
        } catch (Exception e) {
            d.close();
            throw e;
        }
        return d;
    }

    /** Why libvirt daemons cannot be started here, or null when they can. */
    public static String unavailable() {
        if (!Files.isExecutable(Path.of("/usr/sbin/libvirtd"))) {
            return "no /usr/sbin/libvirtd (Debian packages libvirt-daemon, libvirt-daemon-driver-qemu, libvirt-clients)";
        }
        if ("root".equals(System.getProperty("user.name")) && !exists(user())) {
            return "this runs as root and there is no user " + user() + " to run libvirt's session daemons as (useradd -m " + user() + ")";
        }
        return null;
    }

    private static String user() {
        String self = System.getProperty("user.name");
        return !"root".equals(self) ? self : System.getenv().getOrDefault("FERRY_LIBVIRT_USER", "ferry-libvirt");
    }

    private static boolean exists(String user) {
        try {
            return Files.readAllLines(Path.of("/etc/passwd")).stream().anyMatch(l -> l.startsWith(user + ":"));
        } catch (IOException e) {
            return false;
        }
    }

    private void startOne() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "ferry-libvirt-");
        for (String sub : List.of("config", "data", "cache", "run", "guests")) {
            Files.createDirectories(dir.resolve(sub));
        }
        Files.writeString(dir.resolve("libvirtd.conf"), "host_uuid = \"" + UUID.randomUUID() + "\"\n");
        giveToUser(dir);
        Files.setPosixFilePermissions(dir.resolve("run"), PosixFilePermissions.fromString("rwx------"));
        dirs.add(dir);
        List<String> cmd = new ArrayList<>();
        if (!user.equals(System.getProperty("user.name"))) {
            cmd.addAll(List.of("runuser", "-u", user, "--"));
        }
        cmd.addAll(List.of("env", "XDG_CONFIG_HOME=" + dir.resolve("config"), "XDG_DATA_HOME=" + dir.resolve("data"),
                "XDG_CACHE_HOME=" + dir.resolve("cache"), "XDG_RUNTIME_DIR=" + dir.resolve("run"), "HOME=" + dir,
                "/usr/sbin/libvirtd", "-d", "-f", dir.resolve("libvirtd.conf").toString(), "-p", dir.resolve("libvirtd.pid").toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("libvirtd.log").toFile()).start();
        p.waitFor(); // -d: it forks and the first process returns
        String uri = uri(dirs.size() - 1);
        Boolean up = Poll.until(30_000, 50, () -> {
            try {
                new Connect(uri, true).close();
                return true;
            } catch (LibvirtException e) {
                return null;
            }
        });
        if (up == null) {
            throw new IOException("libvirtd did not answer at " + uri + ": " + Files.readString(dir.resolve("libvirtd.log")));
        }
    }

    private void giveToUser(Path dir) throws IOException {
        UserPrincipal owner = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(user);
        try (var walk = Files.walk(dir)) {
            for (Path q : walk.toList()) {
                Files.setOwner(q, owner);
            }
        }
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    public int size() {
        return dirs.size();
    }

    /** The directory for the files QEMU opens for daemon {@code k}'s guests (the daemons' user's). */
    public Path guestDir(int k) {
        return dirs.get(k).resolve("guests");
    }

    /** Kills daemon {@code k} at once (SIGKILL; its QEMUs run on), as a host's libvirtd dies. */
    public void kill(int k) throws IOException {
        long pid = Long.parseLong(Files.readString(dirs.get(k).resolve("libvirtd.pid")).trim());
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }

    public String uri(int k) {
        return "qemu+unix:///session?socket=" + dirs.get(k).resolve("run/libvirt/libvirt-sock");
    }

    /**
     * Starts a transient domain running the heartbeat guest on daemon {@code k}, with Ferry's
     * metadata element's attributes (or none); its serial output in {@code guests/<name>.log}.
     */
    public void startGuest(int k, String name, int memoryMiB, String ferryAttributes) throws Exception {
        Path guests = dirs.get(k).resolve("guests");
        Path image = guests.resolve(name + ".img");
        byte[] disk = new byte[1 << 20];
        byte[] sector = GuestImage.build(0, memoryMiB);
        System.arraycopy(sector, 0, disk, 0, sector.length);
        Files.write(image, disk);
        giveToUser(guests);
        String meta = ferryAttributes == null ? "" : "<metadata><ferry:instance xmlns:ferry='" + LibvirtReader.NS + "' "
                + ferryAttributes + "/></metadata>";
        String xml = "<domain type='qemu'><name>" + name + "</name><memory unit='MiB'>" + memoryMiB + "</memory><vcpu>1</vcpu>"
                + meta + "<os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os><devices>"
                + "<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='" + image + "'/>"
                + "<target dev='hda' bus='ide'/></disk><serial type='file'><source path='" + guests.resolve(name + ".log") + "'/></serial>"
                + "</devices></domain>";
        Connect c = new Connect(uri(k));
        try {
            c.domainCreateXML(xml, 0);
        } finally {
            c.close();
        }
    }

    /** Destroys every domain, stops the daemons and deletes their directories. */
    @Override
    public void close() throws Exception {
        for (int k = 0; k < dirs.size(); k++) {
            Path dir = dirs.get(k);
            try {
                Connect c = new Connect(uri(k));
                for (int id : c.listDomains()) {
                    Domain d = c.domainLookupByID(id);
                    d.destroy();
                }
                c.close();
            } catch (LibvirtException e) {
                // not up, or already gone
            }
            try {
                long pid = Long.parseLong(Files.readString(dir.resolve("libvirtd.pid")).trim());
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
                // it removes its pid file last as it stops (an exited daemon may stay a zombie here: PID 1 may not reap)
                if (Poll.until(10_000, 20, () -> Files.exists(dir.resolve("libvirtd.pid")) ? null : true) == null) {
                    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                }
            } catch (IOException | NumberFormatException e) {
                // it never wrote its pid file: it did not start
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            // what is left: QEMUs the daemon did not stop, and the log daemon it started for their consoles
            try (var walk = Files.walk(dir)) {
                for (Path f : walk.filter(f -> f.toString().endsWith(".pid")).toList()) {
                    try {
                        ProcessHandle.of(Long.parseLong(Files.readString(f).trim()))
                                .filter(h -> h.info().user().map(user::equals).orElse(false)) // never another's reused pid
                                .ifPresent(ProcessHandle::destroyForcibly);
                    } catch (IOException | NumberFormatException e) {
                        // gone meanwhile
                    }
                }
            } catch (IOException | java.io.UncheckedIOException e) {
                // gone meanwhile
            }
            try (var walk = Files.walk(dir)) {
                for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(q);
                }
            } catch (IOException | java.io.UncheckedIOException e) {
                // a file that went away meanwhile, or one still being written: left in /tmp
            }
        }
    }
}

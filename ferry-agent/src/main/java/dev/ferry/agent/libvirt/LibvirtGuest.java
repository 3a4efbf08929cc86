package dev.ferry.agent.libvirt;

import dev.ferry.agent.host.Console;
import dev.ferry.agent.host.Guest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.DomainInfo;
import org.libvirt.DomainJobStats;
import org.libvirt.LibvirtException;
import org.libvirt.TypedParameter;
import org.libvirt.TypedStringParameter;
import org.libvirt.TypedUlongParameter;

/**
 * One guest as a libvirt domain, found by its name (the instance's id) on its daemon each time, so
 * that the handle never outlives the domain. A live migration is libvirt's peer-to-peer one: the
 * source's daemon calls the destination's ({@code libvirtUri}), with the destination's copy of the
 * domain's XML (its own file paths, the new epoch in Ferry's metadata element) and the migration
 * stream on the address the destination's agent chose; the call blocks until the end, so it runs on
 * a thread of its own while libvirt's job statistics tell how it goes.
 */
final class LibvirtGuest implements Guest {
    /** libvirt's job operation code of an outgoing migration (virDomainJobOperation). */
    private static final int MIGRATION_OUT = 5;

    private final LibvirtHypervisor hv;
    private final String id;
    private final long epoch;
    private final Path files;
    private final Console console;
    private volatile boolean arriving;
    private volatile Thread sending;
    private volatile MigrationResult outcome;
    private volatile boolean cancelled;
    private volatile long sendingSince;

    /**
     * {@code epoch}: the instance's, which its domain carries (a domain of this name with another is
     * not this guest, and is never touched); {@code files}: the guest's directory for QEMU (null for a
     * claimed domain: no console of Ferry's); {@code arriving}: incoming.
     */
    LibvirtGuest(LibvirtHypervisor hv, String id, long epoch, Path dir, Path files, boolean arriving) {
        this.hv = hv;
        this.id = id;
        this.epoch = epoch;
        this.files = files;
        this.arriving = arriving;
        this.console = files == null ? null : new Console(id, files.resolve("serial.sock"), files.resolve("notice.sock"),
                dir.resolve("serial.log"), arriving ? Duration.ofMinutes(10) : Duration.ofSeconds(20));
    }

    boolean awaitConsole() throws InterruptedException {
        return console != null && console.awaitConnected(Duration.ofSeconds(20));
    }

    /**
     * This guest's domain, or null when the daemon has none of this name with this guest's epoch
     * (stopped, sent away, not arrived yet, or another's of the same name); an IOException when the
     * daemon does not answer, which is not the same as "not there".
     */
    private Domain domain() throws IOException {
        try {
            Domain d = hv.connect().domainLookupByName(id);
            return Domains.epochOf(d) == epoch ? d : null;
        } catch (LibvirtException e) {
            if (Domains.gone(e)) {
                return null;
            }
            throw new IOException(hv.uri() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public long pid() {
        return -1; // QEMU's process is the daemon's
    }

    /** Whether the guest runs here; an UncheckedIOException when the daemon does not answer (unknown, not dead). */
    @Override
    public boolean alive() {
        try {
            Domain d = domain();
            return d == null ? arriving : d.isActive() == 1;
        } catch (LibvirtException e) {
            if (Domains.gone(e)) {
                return arriving;
            }
            throw new UncheckedIOException(new IOException(hv.uri() + ": " + e.getMessage(), e));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String status() throws IOException {
        try {
            Domain d = domain();
            if (d == null) {
                return arriving ? "inmigrate" : "shutoff";
            }
            DomainInfo.DomainState s = d.getInfo().state;
            if (s == DomainInfo.DomainState.VIR_DOMAIN_RUNNING) {
                arriving = false;
                return "running";
            }
            if (s == DomainInfo.DomainState.VIR_DOMAIN_PAUSED) {
                if (PostCopy.pausedForPostcopy(d)) {
                    return "postmigrate"; // QEMU's word: sent away (post-copy), it must never run here again
                }
                return arriving || operation(d) == 4 ? "inmigrate" : "paused";
            }
            return s == DomainInfo.DomainState.VIR_DOMAIN_SHUTOFF ? "shutoff" : s.name().toLowerCase(java.util.Locale.ROOT);
        } catch (LibvirtException e) {
            if (Domains.gone(e)) {
                return arriving ? "inmigrate" : "shutoff";
            }
            throw new IOException(hv.uri() + ": " + e.getMessage(), e);
        }
    }

    /** The operation of the domain's job (4 incoming migration, 5 outgoing), or 0 when it has none. */
    static int operation(Domain d) throws LibvirtException {
        DomainJobStats js = d.getJobStats(0);
        return js.type == 0 ? 0 : (int) Domains.number(js, "operation", 0);
    }

    @Override
    public void migrateTo(Destination to, MigrationSettings s) throws IOException {
        if (!LibvirtHypervisor.NAME.equals(to.backend()) || to.libvirtUri() == null || to.guestDir() == null) {
            throw new dev.ferry.agent.host.AgentException(409, "cannot live-migrate " + id + " from a libvirt host to a "
                    + (to.backend() == null ? dev.ferry.agent.host.QemuHypervisor.NAME : to.backend()) + " host: both ends must be libvirt's");
        }
        try {
            Domain d = domain();
            if (d == null) {
                throw new IOException(id + " does not run on " + hv.uri());
            }
            String xml = Domains.destinationXml(d.getXMLDesc(8 /* VIR_DOMAIN_XML_MIGRATABLE */), files, Path.of(to.guestDir()), to.epoch());
            List<TypedParameter> params = new ArrayList<>();
            params.add(new TypedStringParameter(org.libvirt.Domain.DomainMigrateParameters.VIR_MIGRATE_PARAM_DEST_XML, xml));
            params.add(new TypedStringParameter(org.libvirt.Domain.DomainMigrateParameters.VIR_MIGRATE_PARAM_URI,
                    "tcp://" + to.host() + ":" + to.port()));
            if (s.maxBandwidthBytesPerSecond() != null) {
                params.add(new TypedUlongParameter(org.libvirt.Domain.DomainMigrateParameters.VIR_MIGRATE_PARAM_BANDWIDTH,
                        Math.max(1, s.maxBandwidthBytesPerSecond() >> 20)));
            }
            if (s.downtimeLimitMs() != null) {
                d.migrateSetMaxDowntime(s.downtimeLimitMs());
            }
            // a persistent domain (an operator's) goes with its definition: none is left behind to boot again here
            int persistent = d.isPersistent() == 1 ? Domain.MigrateFlags.PERSIST_DEST | Domain.MigrateFlags.UNDEFINE_SOURCE : 0;
            int flags = persistent | Domain.MigrateFlags.LIVE | Domain.MigrateFlags.PEER2PEER
                    | (files != null ? Domain.MigrateFlags.UNSAFE : 0) // the heartbeat guest never writes its disk; each end has a copy
                    | (s.autoConverge() ? Domain.MigrateFlags.AUTO_CONVERGE : 0) | (s.postcopy() ? Domain.MigrateFlags.POSTCOPY : 0);
            TypedParameter[] p = params.toArray(new TypedParameter[0]);
            outcome = null;
            cancelled = false;
            sendingSince = System.nanoTime();
            latest = null;
            Object token = new Object();
            current = token;
            sending = Thread.ofPlatform().daemon().name("migrate-" + id).start(() -> send(to, p, flags));
            Thread.ofPlatform().daemon().name("migration-" + id).start(() -> follow(token));
        } catch (LibvirtException e) {
            throw new IOException(hv.uri() + ": " + e.getMessage(), e);
        }
    }

    private volatile Progress latest;
    /** The migration being followed (a new one makes an old follower stop). */
    private volatile Object current;

    /** Reads the migration's progress every second while it goes, for {@link #progress} to answer at once. */
    private void follow(Object token) {
        while (outcome == null && current == token) {
            try {
                Progress p = readProgress();
                if (outcome == null) {
                    latest = p;
                }
            } catch (IOException | RuntimeException e) {
                // the daemon did not answer this time; the migration call's end says how it went
            }
            try {
                Thread.sleep(1000); // a driver decides on passes over memory: once a second is plenty
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** The blocking migration call, and its outcome with the destination's figures. */
    private void send(Destination to, TypedParameter[] params, int flags) {
        Connect own = null;
        Domain d = null;
        MigrationResult r = null;
        try {
            // a connection of its own: the call blocks until the end, and the agent's other calls (the
            // progress, a cancel, reports) never wait behind it on one connection
            own = new Connect(hv.uri());
            d = own.domainLookupByName(id);
            d.migrateToURI(to.libvirtUri(), params, flags);
            r = completed(to);
        } catch (LibvirtException | RuntimeException | LinkageError e) {
            long ms = (System.nanoTime() - sendingSince) / 1_000_000;
            r = new MigrationResult(cancelled ? "cancelled" : "failed", ms, null, 0, 0, String.valueOf(e.getMessage()), 0);
        } finally {
            outcome = r != null ? r : new MigrationResult("failed", 0, null, 0, 0, "the migration call ended without an outcome", 0);
            Domains.free(d);
            Domains.close(own);
        }
    }

    /** A completed migration's figures, as the destination's daemon keeps them (read-only), or the time it took here. */
    private MigrationResult completed(Destination to) {
        long ms = (System.nanoTime() - sendingSince) / 1_000_000;
        Connect c = null;
        try {
            c = new Connect(to.libvirtUri(), true);
            Domain there = c.domainLookupByName(id);
            DomainJobStats js;
            try {
                js = there.getJobStats(Domain.GetJobStatsFlags.COMPLETED);
            } finally {
                Domains.free(there);
            }
            long downtime = Domains.number(js, "downtime", -1);
            return new MigrationResult("completed", Domains.number(js, "time_elapsed", ms), downtime < 0 ? null : downtime,
                    Domains.number(js, "memory_processed", 0), Domains.number(js, "memory_iteration", 0), null, 0);
        } catch (LibvirtException e) {
            return new MigrationResult("completed", ms, null, 0, 0, null, 0); // the destination's daemon is not ours to read
        } finally {
            Domains.close(c);
        }
    }

    @Override
    public Progress progress() throws IOException {
        MigrationResult done = outcome;
        if (done != null) {
            return new Progress(done.status(), done.dirtySyncCount());
        }
        if (current != null) {
            Progress p = latest; // libvirt answers a job query only between the migration's own steps: read in the background
            return p != null ? p : new Progress("setup", 0);
        }
        Progress now = readProgress();
        if (now.status().equals("active")) {
            // one found under way when the agent started: followed in the background from now on
            latest = now;
            Object token = new Object();
            current = token;
            Thread.ofPlatform().daemon().name("migration-" + id).start(() -> follow(token));
        }
        return now;
    }

    /** libvirt's view of the domain's outgoing migration (it may wait for the migration's current step). */
    private Progress readProgress() throws IOException {
        try {
            Domain d = domain();
            if (d == null) {
                return new Progress(sending != null ? "active" : "none", 0); // sent: the call is returning
            }
            DomainJobStats js = d.getJobStats(0);
            boolean out = js.type != 0 && Domains.number(js, "operation", MIGRATION_OUT) == MIGRATION_OUT;
            if (!out) {
                return new Progress(sending != null ? "setup" : "none", 0); // the call is made; libvirt's job has not begun
            }
            boolean switched = postcopy || PostCopy.pausedForPostcopy(d); // the second also after an agent restart
            return new Progress(switched ? "postcopy-active" : "active", Domains.number(js, "memory_iteration", 0));
        } catch (LibvirtException e) {
            if (Domains.gone(e)) {
                return new Progress(sending != null ? "active" : "none", 0); // sent away: the migration call is returning
            }
            throw new IOException(hv.uri() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public MigrationResult awaitMigration(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Thread t = sending;
        if (t != null) {
            t.join(Math.max(1, timeout.toMillis()));
            MigrationResult r = outcome;
            return r != null ? r : new MigrationResult("timeout:active", timeout.toMillis(), null, 0, 0, null, 0);
        }
        // one found under way when the agent started again: libvirt says only whether the guest is still here
        long since = System.nanoTime();
        while (System.nanoTime() < deadline) {
            Boolean here = null; // null: still going, or the daemon did not answer this time
            try {
                Domain d = domain();
                if (d == null) {
                    here = false; // it left with its domain (a persistent one's definition goes with it)
                } else if (d.getJobStats(0).type == 0) {
                    here = d.isActive() == 1;
                }
            } catch (LibvirtException e) {
                here = Domains.gone(e) ? Boolean.FALSE : null;
            } catch (IOException e) {
                // the daemon did not answer: asked again
            }
            if (here != null) {
                long ms = (System.nanoTime() - since) / 1_000_000;
                MigrationResult r = here
                        ? new MigrationResult("failed", ms, null, 0, 0, "the migration ended with the guest still here", 0)
                        : new MigrationResult("completed", ms, null, 0, 0, null, 0);
                outcome = r;
                return r;
            }
            Thread.sleep(200); // libvirt's job has no wait over this API
        }
        return new MigrationResult("timeout:active", timeout.toMillis(), null, 0, 0, null, 0);
    }

    @Override
    public void startPostcopy() throws IOException {
        Domain d = domain();
        if (d == null) {
            throw new IOException(id + " is not here");
        }
        int rc = PostCopy.LIB.virDomainMigrateStartPostCopy(PostCopy.pointer(d), 0);
        if (rc != 0) {
            throw new IOException(hv.uri() + ": libvirt did not switch " + id + " to post-copy");
        }
        postcopy = true;
    }

    private volatile boolean postcopy;

    @Override
    public void setDowntimeLimit(long ms) throws IOException {
        act(d -> d.migrateSetMaxDowntime(ms));
    }

    @Override
    public void cancelMigration() throws IOException {
        cancelled = true;
        act(Domain::abortJob);
    }

    @Override
    public void resume() throws IOException {
        Domain d = domain();
        if (d != null && PostCopy.pausedForPostcopy(d)) {
            // also one found so after the agent restarted, when nothing here remembers the switch
            throw new dev.ferry.agent.host.AgentException(409, id + " was paused for post-copy: it runs at the destination, never here");
        }
        act(x -> {
            if (x.getInfo().state == DomainInfo.DomainState.VIR_DOMAIN_PAUSED) {
                x.resume();
            }
        });
    }

    @Override
    public void reset() throws IOException {
        act(d -> d.reset());
    }

    @Override
    public void quit() {
        kill();
    }

    /** Destroys the domain; an UncheckedIOException when the daemon does not answer (the guest may still run). */
    @Override
    public void kill() {
        arriving = false;
        try {
            Domain d = domain();
            if (d != null) {
                d.destroy();
            }
        } catch (LibvirtException e) {
            if (!Domains.gone(e)) {
                throw new UncheckedIOException(new IOException(hv.uri() + ": " + e.getMessage(), e));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (console != null) {
            console.close();
        }
    }

    private interface DomainAction {
        void on(Domain d) throws LibvirtException;
    }

    private void act(DomainAction a) throws IOException {
        Domain d = domain();
        if (d == null) {
            throw new IOException(id + " does not run on " + hv.uri());
        }
        try {
            a.on(d);
        } catch (LibvirtException e) {
            throw new IOException(hv.uri() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean tell(String line) {
        return console != null && console.tell(line);
    }

    @Override
    public void close() {
        if (console != null) {
            console.close();
        }
    }
}

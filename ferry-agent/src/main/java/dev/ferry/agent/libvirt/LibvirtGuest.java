package dev.ferry.agent.libvirt;

import dev.ferry.agent.host.Console;
import dev.ferry.agent.host.Guest;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.TransformerException;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.DomainInfo;
import org.libvirt.DomainJobStats;
import org.libvirt.LibvirtException;
import org.libvirt.TypedParameter;
import org.libvirt.TypedStringParameter;
import org.libvirt.TypedUlongParameter;
import org.w3c.dom.Element;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

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
    private final Path files;
    private final Console console;
    private volatile boolean arriving;
    private volatile Thread sending;
    private volatile MigrationResult outcome;
    private volatile boolean cancelled;
    private volatile long sendingSince;

    /** {@code files}: the guest's directory for QEMU (null for a claimed domain: no console of Ferry's); {@code arriving}: incoming. */
    LibvirtGuest(LibvirtHypervisor hv, String id, Path dir, Path files, boolean arriving) {
        this.hv = hv;
        this.id = id;
        this.files = files;
        this.arriving = arriving;
        this.console = files == null ? null : new Console(id, files.resolve("serial.sock"), files.resolve("notice.sock"),
                dir.resolve("serial.log"), arriving ? Duration.ofMinutes(10) : Duration.ofSeconds(20));
    }

    /** The XML of a heartbeat guest's transient domain. */
    static String domainXml(String id, long epoch, int memoryMiB, int dirtyMiBPerSecond, Path files) {
        return "<domain type='qemu'><name>" + id + "</name><memory unit='MiB'>" + memoryMiB + "</memory><vcpu>1</vcpu>"
                + "<metadata><ferry:instance xmlns:ferry='" + LibvirtReader.NS + "' epoch='" + epoch + "' memoryMiB='" + memoryMiB
                + "' dirtyMiBPerSecond='" + dirtyMiBPerSecond + "'/></metadata>"
                + "<os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os><devices>"
                + "<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='" + files.resolve("guest.img")
                + "'/><target dev='hda' bus='ide'/></disk><controller type='usb' model='none'/><memballoon model='none'/>"
                + "<serial type='unix'><source mode='bind' path='" + files.resolve("serial.sock") + "'/><target port='0'/></serial>"
                + "<serial type='unix'><source mode='bind' path='" + files.resolve("notice.sock") + "'/><target port='1'/></serial>"
                + "</devices></domain>";
    }

    /** The epoch in the domain's Ferry element, or -1 when it has none (not Ferry's). */
    static long epochOf(Domain d) throws LibvirtException {
        try {
            Element e = ferryElement(LibvirtReader.parse(d.getXMLDesc(0)));
            return e == null || e.getAttribute("epoch").isEmpty() ? -1 : Long.parseLong(e.getAttribute("epoch"));
        } catch (IOException | NumberFormatException x) {
            return -1;
        }
    }

    /** Sets the epoch in the domain's Ferry element, keeping its other attributes (tenant, group, ...). */
    static void setEpoch(Domain d, long epoch) throws LibvirtException, IOException {
        Element dom = LibvirtReader.parse(d.getXMLDesc(0));
        Element e = ferryElement(dom);
        StringBuilder attrs = new StringBuilder(" epoch='" + epoch + "'");
        if (e != null) {
            NamedNodeMap m = e.getAttributes();
            for (int k = 0; k < m.getLength(); k++) {
                Node a = m.item(k);
                if (a.getNamespaceURI() == null && !a.getLocalName().equals("epoch")) {
                    attrs.append(' ').append(a.getLocalName()).append("='").append(escape(a.getNodeValue())).append('\'');
                }
            }
        }
        int flags = Domain.ModificationImpact.LIVE | (d.isPersistent() == 1 ? Domain.ModificationImpact.CONFIG : 0);
        d.setMetadata(Domain.MetadataType.ELEMENT, "<instance" + attrs + "/>", "ferry", LibvirtReader.NS, flags);
    }

    private static Element ferryElement(Element dom) {
        NodeList ours = dom.getElementsByTagNameNS(LibvirtReader.NS, "instance");
        return ours.getLength() == 0 ? null : (Element) ours.item(0);
    }

    private static String escape(String v) {
        return v.replace("&", "&amp;").replace("<", "&lt;").replace("'", "&apos;");
    }

    boolean awaitConsole() throws InterruptedException {
        return console != null && console.awaitConnected(Duration.ofSeconds(20));
    }

    /** The domain, or null when the daemon has none of this name (stopped, sent away, not arrived yet). */
    private Domain domain() throws IOException {
        try {
            return hv.connect().domainLookupByName(id);
        } catch (LibvirtException e) {
            if (gone(e)) {
                return null;
            }
            throw new IOException(hv.uri() + ": " + e.getMessage(), e);
        }
    }

    /** The domain went away (stopped, or sent away by a migration) between its look-up and a call on it. */
    private static boolean gone(LibvirtException e) {
        return e.getError() != null && (e.getError().getCode() == org.libvirt.Error.ErrorNumber.VIR_ERR_NO_DOMAIN
                || e.getError().getCode() == org.libvirt.Error.ErrorNumber.VIR_ERR_OPERATION_INVALID); // "domain is not running"
    }

    @Override
    public long pid() {
        return -1; // QEMU's process is the daemon's
    }

    @Override
    public boolean alive() {
        try {
            Domain d = domain();
            return d == null ? arriving : d.isActive() == 1;
        } catch (IOException | LibvirtException e) {
            return false; // the daemon does not answer
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
                return arriving || operation(d) == 4 ? "inmigrate" : "paused";
            }
            return s == DomainInfo.DomainState.VIR_DOMAIN_SHUTOFF ? "shutoff" : s.name().toLowerCase(java.util.Locale.ROOT);
        } catch (LibvirtException e) {
            if (gone(e)) {
                return arriving ? "inmigrate" : "shutoff";
            }
            throw new IOException(hv.uri() + ": " + e.getMessage(), e);
        }
    }

    /** The operation of the domain's job (4 incoming migration, 5 outgoing), or 0 when it has none. */
    private static int operation(Domain d) throws LibvirtException {
        DomainJobStats js = d.getJobStats(0);
        return js.type == 0 ? 0 : (int) number(js, "operation", 0);
    }

    private static long number(DomainJobStats js, String field, long otherwise) {
        for (TypedParameter p : js.stats == null ? new TypedParameter[0] : js.stats) {
            if (p != null && field.equals(p.field)) {
                try {
                    return Long.parseLong(p.getValueAsString());
                } catch (NumberFormatException e) {
                    return otherwise;
                }
            }
        }
        return otherwise;
    }

    @Override
    public void migrateTo(Destination to, MigrationSettings s) throws IOException {
        if (!NAME_LIBVIRT.equals(to.backend()) || to.libvirtUri() == null || to.guestDir() == null) {
            throw new dev.ferry.agent.host.AgentException(409, "cannot live-migrate " + id + " from a libvirt host to a "
                    + (to.backend() == null ? QEMU : to.backend()) + " host: both ends must be libvirt's");
        }
        try {
            Domain d = domain();
            if (d == null) {
                throw new IOException(id + " does not run on " + hv.uri());
            }
            String xml = destinationXml(d.getXMLDesc(8 /* VIR_DOMAIN_XML_MIGRATABLE */), Path.of(to.guestDir()), to.epoch());
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
            int flags = Domain.MigrateFlags.LIVE | Domain.MigrateFlags.PEER2PEER
                    | (files != null ? Domain.MigrateFlags.UNSAFE : 0) // the heartbeat guest never writes its disk; each end has a copy
                    | (s.autoConverge() ? Domain.MigrateFlags.AUTO_CONVERGE : 0) | (s.postcopy() ? Domain.MigrateFlags.POSTCOPY : 0);
            TypedParameter[] p = params.toArray(new TypedParameter[0]);
            outcome = null;
            cancelled = false;
            sendingSince = System.nanoTime();
            latest = null;
            sending = Thread.ofPlatform().daemon().name("migrate-" + id).start(() -> send(to, p, flags));
            Thread.ofPlatform().daemon().name("migration-" + id).start(this::follow);
        } catch (LibvirtException e) {
            throw new IOException(hv.uri() + ": " + e.getMessage(), e);
        }
    }

    private static final String NAME_LIBVIRT = LibvirtHypervisor.NAME;
    private static final String QEMU = dev.ferry.agent.host.QemuHypervisor.NAME;

    private volatile Progress latest;

    /** Reads the migration's progress every second while it goes, for {@link #progress} to answer at once. */
    private void follow() {
        while (outcome == null) {
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
        try {
            // a connection of its own: the call blocks until the end, and the agent's other calls (the
            // progress, a cancel, reports) never wait behind it on one connection
            own = new Connect(hv.uri());
            own.domainLookupByName(id).migrateToURI(to.libvirtUri(), params, flags);
            outcome = completed(to);
        } catch (LibvirtException e) {
            long ms = (System.nanoTime() - sendingSince) / 1_000_000;
            outcome = new MigrationResult(cancelled ? "cancelled" : "failed", ms, null, 0, 0, e.getMessage(), 0);
        } finally {
            close(own);
        }
    }

    private static void close(Connect c) {
        if (c != null) {
            try {
                c.close();
            } catch (LibvirtException ignored) {
                // closing
            }
        }
    }

    /** A completed migration's figures, as the destination's daemon keeps them (read-only), or the time it took here. */
    private MigrationResult completed(Destination to) {
        long ms = (System.nanoTime() - sendingSince) / 1_000_000;
        Connect c = null;
        try {
            c = new Connect(to.libvirtUri(), true);
            DomainJobStats js = c.domainLookupByName(id).getJobStats(Domain.GetJobStatsFlags.COMPLETED);
            long downtime = number(js, "downtime", -1);
            return new MigrationResult("completed", number(js, "time_elapsed", ms), downtime < 0 ? null : downtime,
                    number(js, "memory_processed", 0), number(js, "memory_iteration", 0), null, 0);
        } catch (LibvirtException e) {
            return new MigrationResult("completed", ms, null, 0, 0, null, 0); // the destination's daemon is not ours to read
        } finally {
            close(c);
        }
    }

    /** The domain's migratable XML with the destination's file paths and its epoch in Ferry's element. */
    String destinationXml(String xml, Path there, long epoch) throws IOException {
        Element dom = LibvirtReader.parse(xml);
        if (files != null) {
            String here = files.toString();
            NodeList all = dom.getElementsByTagName("*");
            for (int k = 0; k < all.getLength(); k++) {
                NamedNodeMap attrs = all.item(k).getAttributes();
                for (int a = 0; a < attrs.getLength(); a++) {
                    String v = attrs.item(a).getNodeValue();
                    if (v.startsWith(here + "/")) {
                        attrs.item(a).setNodeValue(there + v.substring(here.length()));
                    }
                }
            }
        }
        Element e = ferryElement(dom);
        if (e != null) {
            e.setAttribute("epoch", Long.toString(epoch));
        }
        try {
            var t = TransformerFactory.newInstance().newTransformer();
            t.setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "yes");
            StringWriter w = new StringWriter();
            t.transform(new DOMSource(dom), new StreamResult(w));
            return w.toString();
        } catch (TransformerException x) {
            throw new IOException("the domain's XML could not be written: " + x.getMessage(), x);
        }
    }

    @Override
    public Progress progress() throws IOException {
        MigrationResult done = outcome;
        if (done != null) {
            return new Progress(done.status(), done.dirtySyncCount());
        }
        if (sending != null) {
            Progress p = latest; // libvirt answers a job query only between the migration's own steps: read in the background
            return p != null ? p : new Progress("setup", 0);
        }
        return readProgress();
    }

    /** libvirt's view of the domain's outgoing migration (it may wait for the migration's current step). */
    private Progress readProgress() throws IOException {
        try {
            Domain d = domain();
            if (d == null) {
                return new Progress(sending != null ? "active" : "none", 0); // sent: the call is returning
            }
            DomainJobStats js = d.getJobStats(0);
            boolean out = js.type != 0 && number(js, "operation", MIGRATION_OUT) == MIGRATION_OUT;
            if (!out) {
                return new Progress(sending != null ? "setup" : "none", 0); // the call is made; libvirt's job has not begun
            }
            return new Progress(postcopy ? "postcopy-active" : "active", number(js, "memory_iteration", 0));
        } catch (LibvirtException e) {
            if (gone(e)) {
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
            Domain d = domain();
            boolean going;
            try {
                going = d != null && d.getJobStats(0).type != 0;
            } catch (LibvirtException e) {
                going = false;
            }
            if (!going) {
                long ms = (System.nanoTime() - since) / 1_000_000;
                return d == null || !alive()
                        ? new MigrationResult("completed", ms, null, 0, 0, null, 0) // a transient domain leaves with its guest
                        : new MigrationResult("failed", ms, null, 0, 0, "the migration ended with the guest still here", 0);
            }
            Thread.sleep(50); // libvirt's job has no wait over this API
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

    /** libvirt's virDomainMigrateStartPostCopy, which the Java binding lacks. */
    interface PostCopy extends com.sun.jna.Library {
        PostCopy LIB = com.sun.jna.Native.load("virt", PostCopy.class);

        int virDomainMigrateStartPostCopy(com.sun.jna.Pointer domain, int flags);

        static com.sun.jna.Pointer pointer(Domain d) throws IOException {
            try {
                var f = Domain.class.getDeclaredField("vdp");
                f.setAccessible(true);
                return ((com.sun.jna.PointerType) f.get(d)).getPointer();
            } catch (ReflectiveOperationException | RuntimeException e) {
                throw new IOException("this libvirt binding does not give its domain handle: " + e, e);
            }
        }
    }

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
        act(d -> {
            if (d.getInfo().state == DomainInfo.DomainState.VIR_DOMAIN_PAUSED) {
                d.resume();
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

    @Override
    public void kill() {
        arriving = false;
        try {
            act(Domain::destroy);
        } catch (IOException e) {
            // gone already
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

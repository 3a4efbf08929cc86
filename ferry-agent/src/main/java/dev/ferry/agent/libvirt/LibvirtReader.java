package dev.ferry.agent.libvirt;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;
import org.libvirt.NodeInfo;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;

/**
 * Reads what a libvirt daemon knows of its host and its running domains (read-only connection):
 * the host's name, hypervisor and version (the driver's type and the hypervisor version the daemon
 * reports: {@code qemu-7.2.22}), CPUs, memory and CPU model (from the capabilities), and each
 * running domain's vCPUs, memory and Ferry metadata ({@value #NS}: {@code
 * <ferry:instance tenant=".." group=".." onHostMaintenance=".."/>} in the domain's
 * {@code <metadata>}, visible with {@code virsh dumpxml}).
 */
public final class LibvirtReader {
    /** The namespace of Ferry's element in a domain's metadata. */
    public static final String NS = "https://ferry.dev/xmlns/libvirt/1";

    /** One daemon's host and domains. */
    public record Daemon(String uri, String hostname, String hypervisor, int cpus, long memoryMiB, String cpuModel,
                         List<DomainView> domains) {
    }

    /** A running domain; tenant, group and onHostMaintenance are null when its metadata does not say. */
    public record DomainView(String name, int vcpus, long memoryMiB, String tenant, String group, String onHostMaintenance) {
    }

    private LibvirtReader() {
    }

    /** Connects read-only to {@code uri} and reads it; an IOException names the URI and libvirt's reason. */
    public static Daemon read(String uri) throws IOException {
        Connect c = null;
        try {
            Domains.quiet(); // libvirt's own line on stderr says again what the IOException says
            c = new Connect(uri, true);
            NodeInfo node = c.nodeInfo();
            Element caps = parse(c.getCapabilities());
            String cpuModel = text(caps, "host", "cpu", "model");
            List<DomainView> domains = new ArrayList<>();
            for (int id : c.listDomains()) {
                Domain d;
                try {
                    d = c.domainLookupByID(id);
                } catch (LibvirtException e) {
                    if (Domains.noDomain(e)) {
                        continue; // it stopped since the list was made
                    }
                    throw e; // anything else: this daemon cannot be read whole, so it is not read at all
                }
                String xml;
                try {
                    xml = d.getXMLDesc(0);
                } catch (LibvirtException e) {
                    if (Domains.noDomain(e)) {
                        continue;
                    }
                    throw e;
                } finally {
                    Domains.free(d);
                }
                domains.add(domain(parse(xml)));
            }
            return new Daemon(uri, c.getHostName(), c.getType().toLowerCase(Locale.ROOT) + "-" + version(c.getVersion()),
                    node.cpus, node.memory / 1024, cpuModel == null ? "unknown" : cpuModel, domains);
        } catch (LibvirtException e) {
            throw new IOException(uri + ": " + e.getMessage(), e);
        } catch (LinkageError e) {
            throw new IOException(uri + ": libvirt's library (Debian package libvirt0) could not be loaded: " + e.getMessage(), e);
        } finally {
            Domains.close(c);
        }
    }

    /** libvirt's version number (major × 1,000,000 + minor × 1,000 + release) as dotted numbers. */
    static String version(long v) {
        return (v / 1_000_000) + "." + (v / 1000 % 1000) + "." + (v % 1000);
    }

    static DomainView domain(Element dom) throws IOException {
        String name = text(dom, "name");
        String vcpu = text(dom, "vcpu");
        Element memory = child(dom, "memory");
        if (name == null || vcpu == null || memory == null) {
            throw new IOException("a domain's XML without its name, vcpu or memory");
        }
        String tenant = null;
        String group = null;
        String ohm = null;
        Element meta = child(dom, "metadata");
        if (meta != null) {
            NodeList ours = meta.getElementsByTagNameNS(NS, "instance");
            if (ours.getLength() > 0) {
                Element e = (Element) ours.item(0);
                tenant = attr(e, "tenant");
                group = attr(e, "group");
                ohm = attr(e, "onHostMaintenance");
            }
        }
        try {
            return new DomainView(name, Integer.parseInt(vcpu.trim()), mib(Long.parseLong(memory.getTextContent().trim()),
                    memory.getAttribute("unit")), tenant, group, ohm);
        } catch (NumberFormatException e) {
            throw new IOException("domain " + name + ": vcpu or memory is not a number");
        }
    }

    /** Memory in libvirt's units (KiB by default) to MiB, rounded up. */
    static long mib(long value, String unit) throws IOException {
        long bytes = switch (unit == null || unit.isEmpty() ? "KiB" : unit) {
            case "b", "bytes" -> value;
            case "KB" -> value * 1000;
            case "k", "KiB" -> value << 10;
            case "MB" -> value * 1_000_000;
            case "M", "MiB" -> value << 20;
            case "GB" -> value * 1_000_000_000;
            case "G", "GiB" -> value << 30;
            default -> throw new IOException("unknown memory unit " + unit);
        };
        return Math.max(1, (bytes + (1 << 20) - 1) >> 20);
    }

    private static String attr(Element e, String name) {
        String v = e.getAttribute(name);
        return v.isEmpty() ? null : v;
    }

    private static Element child(Element parent, String name) {
        for (org.w3c.dom.Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && name.equals(e.getLocalName() != null ? e.getLocalName() : e.getTagName())) {
                return e;
            }
        }
        return null;
    }

    private static String text(Element root, String... path) {
        Element e = root;
        for (String p : path) {
            e = child(e, p);
            if (e == null) {
                return null;
            }
        }
        return e.getTextContent().trim();
    }

    /** Parses libvirt's XML with no DTDs and no external entities. */
    static Element parse(String xml) throws IOException {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setExpandEntityReferences(false);
            DocumentBuilder b = f.newDocumentBuilder();
            Document d = b.parse(new InputSource(new StringReader(xml)));
            return d.getDocumentElement();
        } catch (ParserConfigurationException | SAXException e) {
            throw new IOException("libvirt's XML could not be read: " + e.getMessage(), e);
        }
    }
}

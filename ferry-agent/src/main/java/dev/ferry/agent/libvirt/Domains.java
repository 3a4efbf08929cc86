package dev.ferry.agent.libvirt;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Path;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.TransformerException;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.DomainJobStats;
import org.libvirt.LibvirtException;
import org.libvirt.TypedParameter;
import org.w3c.dom.Element;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/** A heartbeat guest's domain XML, Ferry's metadata element (the epoch), and small helpers around libvirt's handles. */
final class Domains {
    private Domains() {
    }

    /** The XML of a heartbeat guest's transient domain. */
    static String domainXml(String id, long epoch, int memoryMiB, int dirtyMiBPerSecond, Path files) {
        String image = escape(files.resolve("guest.img").toString());
        String serial = escape(files.resolve("serial.sock").toString());
        String notice = escape(files.resolve("notice.sock").toString());
        return "<domain type='qemu'><name>" + id + "</name><memory unit='MiB'>" + memoryMiB + "</memory><vcpu>1</vcpu>"
                + "<metadata><ferry:instance xmlns:ferry='" + LibvirtReader.NS + "' epoch='" + epoch + "' memoryMiB='" + memoryMiB
                + "' dirtyMiBPerSecond='" + dirtyMiBPerSecond + "'/></metadata>"
                + "<os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os><devices>"
                + "<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='" + image + "'/>"
                + "<target dev='hda' bus='ide'/></disk><controller type='usb' model='none'/><memballoon model='none'/>"
                + "<serial type='unix'><source mode='bind' path='" + serial + "'/><target port='0'/></serial>"
                + "<serial type='unix'><source mode='bind' path='" + notice + "'/><target port='1'/></serial>"
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

    static Element ferryElement(Element dom) {
        NodeList ours = dom.getElementsByTagNameNS(LibvirtReader.NS, "instance");
        return ours.getLength() == 0 ? null : (Element) ours.item(0);
    }

    static String escape(String v) {
        return v.replace("&", "&amp;").replace("<", "&lt;").replace("'", "&apos;");
    }

    /** Kept: libvirt holds on to it (a callback collected while set would crash the process). */
    private static final org.libvirt.ErrorCallback QUIET = new org.libvirt.ErrorCallback();

    /** libvirt's own error line on stderr is silenced: Ferry's messages name the URI and libvirt's reason. */
    static void quiet() throws LibvirtException {
        Connect.setErrorCallback(QUIET);
    }

    /** The daemon has no domain of that name or id (any other error is not taken for that). */
    static boolean noDomain(LibvirtException e) {
        return e.getError() != null && e.getError().getCode() == org.libvirt.Error.ErrorNumber.VIR_ERR_NO_DOMAIN;
    }

    /** The domain went away (stopped, or sent away by a migration) between its look-up and a call on it. */
    static boolean gone(LibvirtException e) {
        return noDomain(e) || e.getError() != null
                && e.getError().getCode() == org.libvirt.Error.ErrorNumber.VIR_ERR_OPERATION_INVALID; // "domain is not running"
    }

    static long number(DomainJobStats js, String field, long otherwise) {
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

    static void free(Domain d) {
        if (d != null) {
            try {
                d.free();
            } catch (LibvirtException ignored) {
                // freeing the handle only
            }
        }
    }

    static void close(Connect c) {
        if (c != null) {
            try {
                c.close();
            } catch (LibvirtException ignored) {
                // closing
            }
        }
    }

    /** The domain's migratable XML with the destination's file paths and its epoch in Ferry's element. */
    static String destinationXml(String xml, Path files, Path there, long epoch) throws IOException {
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
}

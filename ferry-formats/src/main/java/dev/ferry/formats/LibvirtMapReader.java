package dev.ferry.formats;

import dev.ferry.core.model.OnHostMaintenance;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reads a libvirt-map/v1 file (docs/formats.md), strictly, like the other readers. Thread-safe (stateless). */
public final class LibvirtMapReader {
    public LibvirtMap read(Path path) throws InvalidInputException {
        return read(Source.of(path));
    }

    public LibvirtMap read(Source source) throws InvalidInputException {
        Problems problems = new Problems(source.name());
        Fields f = SingleMapping.read(source, AdvisoryReader.MAX_BYTES, problems, "libvirt-map/v1");
        if (f == null) {
            problems.throwIfAny();
        }
        Map<String, LibvirtMap.HostEntry> hosts = new LinkedHashMap<>();
        for (Fields h : f.list("hosts", "hosts")) {
            String uri = h.string("uri", true); // a blank one is refused as the other strings are
            LibvirtMap.HostEntry e = new LibvirtMap.HostEntry(h.id("id", false), h.id("zone", false), h.id("rack", false),
                    h.string("agent", false), h.decimal("cpuAllocationRatio", 1.0, 64, null, false));
            h.finish();
            if (uri != null && hosts.put(uri, e) != null) {
                problems.add(h.mapping(), h.path("uri"), "the daemon " + uri + " is mapped twice");
            }
        }
        Map<String, LibvirtMap.InstanceEntry> instances = new LinkedHashMap<>();
        for (Fields i : f.list("instances", "instances")) {
            String domain = i.id("domain", true);
            LibvirtMap.InstanceEntry e = new LibvirtMap.InstanceEntry(i.id("tenant", false), i.id("group", false),
                    i.choice("onHostMaintenance", OnHostMaintenance.class, null, false));
            i.finish();
            if (domain != null && instances.put(domain, e) != null) {
                problems.add(i.mapping(), i.path("domain"), "the domain " + domain + " is mapped twice");
            }
        }
        f.finish();
        problems.throwIfAny();
        return new LibvirtMap(hosts, instances);
    }
}

package dev.ferry.formats;

import dev.ferry.core.model.Group;
import dev.ferry.core.model.Host;
import dev.ferry.core.model.Instance;
import dev.ferry.core.model.Tenant;
import java.io.IOException;

/** Receives a fleet item by item, in section order: hosts, instances, groups, tenants. */
public interface FleetSink {
    void host(Host host) throws IOException;

    void instance(Instance instance) throws IOException;

    void group(Group group) throws IOException;

    void tenant(Tenant tenant) throws IOException;

    void end() throws IOException;
}

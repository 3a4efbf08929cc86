package dev.ferry.formats;

import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.Group;
import dev.ferry.core.model.Host;
import dev.ferry.core.model.Instance;
import dev.ferry.core.model.Tenant;
import java.util.ArrayList;
import java.util.List;

/** Builds an in-memory {@link Fleet} from a generator, without text in between (benchmarks at a million hosts). */
public final class FleetCollector implements FleetSink {
    private final List<Host> hosts = new ArrayList<>();
    private final List<Instance> instances = new ArrayList<>();
    private final List<Group> groups = new ArrayList<>();
    private final List<Tenant> tenants = new ArrayList<>();

    @Override
    public void host(Host host) {
        hosts.add(host);
    }

    @Override
    public void instance(Instance instance) {
        instances.add(instance);
    }

    @Override
    public void group(Group group) {
        groups.add(group);
    }

    @Override
    public void tenant(Tenant tenant) {
        tenants.add(tenant);
    }

    @Override
    public void end() {
    }

    public Fleet fleet() {
        return new Fleet(hosts, instances, groups, tenants);
    }

    /** Generates a fleet in memory. */
    public static Fleet generate(FleetGenerator.Options options) {
        FleetCollector c = new FleetCollector();
        try {
            new FleetGenerator(options).generate(c);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("in-memory sink cannot fail", e);
        }
        return c.fleet();
    }
}

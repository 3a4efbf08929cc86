package dev.ferry.formats;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.model.Fleet;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GeneratorRoundTripTest {
    @TempDir
    Path tmp;

    @Test
    void generatedFleetsReadBackAsTheSameFleetInYamlAndJson() throws Exception {
        FleetGenerator.Options o = FleetGenerator.Options.defaults(300, 42);
        Fleet inMemory = FleetCollector.generate(o);
        for (String ext : new String[] {"yaml", "json"}) {
            Path p = tmp.resolve("f." + ext);
            try (Writer w = Files.newBufferedWriter(p)) {
                new FleetGenerator(o).generate(ext.equals("yaml") ? FleetWriter.yaml(w) : FleetWriter.json(w));
            }
            Fleet read = new FleetReader().read(p);
            assertThat(read.hosts()).isEqualTo(inMemory.hosts());
            assertThat(read.instances()).isEqualTo(inMemory.instances());
            assertThat(read.groups()).isEqualTo(inMemory.groups());
            assertThat(read.tenants()).isEqualTo(inMemory.tenants());
        }
    }

    @Test
    void generatedFleetsHaveTheAdvertisedMix() {
        Fleet f = FleetCollector.generate(FleetGenerator.Options.defaults(2000, 1));
        long affected = f.hosts().stream().filter(h -> h.hypervisor().compareTo("xen-4.5") < 0).count();
        assertThat(affected).isBetween(150L, 250L);
        assertThat(f.zones()).hasSize(4);
        assertThat(f.hosts().stream().map(h -> h.cpuModel()).distinct()).hasSize(3);
        assertThat(f.instances().stream().filter(i -> i.onHostMaintenance() != dev.ferry.core.model.OnHostMaintenance.MIGRATE)
                .count()).isBetween(f.instances().size() / 10L, f.instances().size() / 5L);
        assertThat(f.groups()).isNotEmpty();
        assertThat(f.instances().size() / (double) f.hosts().size()).isBetween(12.0, 22.0);
    }
}

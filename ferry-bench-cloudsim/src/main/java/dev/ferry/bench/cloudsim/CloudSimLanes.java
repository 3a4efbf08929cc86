package dev.ferry.bench.cloudsim;

import dev.ferry.bench.LaneScenario;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.cloudsimplus.allocationpolicies.VmAllocationPolicySimple;
import org.cloudsimplus.brokers.DatacenterBrokerSimple;
import org.cloudsimplus.core.CloudSimEntity;
import org.cloudsimplus.core.CloudSimPlus;
import org.cloudsimplus.core.events.SimEvent;
import org.cloudsimplus.datacenters.DatacenterSimple;
import org.cloudsimplus.hosts.Host;
import org.cloudsimplus.hosts.HostSimple;
import org.cloudsimplus.resources.Pe;
import org.cloudsimplus.resources.PeSimple;
import org.cloudsimplus.vms.Vm;
import org.cloudsimplus.vms.VmSimple;

/**
 * The lane scenario of {@link LaneScenario} in CloudSim Plus 8.5: H loaded hosts of 64 PEs,
 * 512 GiB, 25 Gbit/s with 4 VMs of 8 PEs / 64 GiB; H/10 empty spares; per lane (one per spare),
 * one migration at a time onto the lane's empty host, then a 600 s patch of the emptied host, which
 * becomes the lane's next target. CloudSim computes a migration as RAM ÷ (bandwidth × 50%).
 *
 * <p>Usage: {@code CloudSimLanes H} prints one table row.
 */
public final class CloudSimLanes {
    private static final int PATCHED = 990_001;

    public static void main(String[] args) {
        int loaded = Integer.parseInt(args[0]);
        org.cloudsimplus.util.Log.setLevel(ch.qos.logback.classic.Level.WARN);
        long t0 = System.nanoTime();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            pool.resetPeakUsage();
        }
        CloudSimPlus sim = new CloudSimPlus();
        int spares = loaded / 10;
        List<Host> hosts = new ArrayList<>(loaded + spares);
        for (int h = 0; h < loaded + spares; h++) {
            List<Pe> pes = new ArrayList<>(64);
            for (int p = 0; p < 64; p++) {
                pes.add(new PeSimple(1000));
            }
            hosts.add(new HostSimple(524_288, 25_000, 1_000_000, pes));
        }
        List<Vm> vms = new ArrayList<>(loaded * 4);
        for (int v = 0; v < loaded * 4; v++) {
            Vm vm = new VmSimple(v, 1000, 8);
            vm.setRam(65_536).setBw(100).setSize(1000);
            vms.add(vm);
        }
        VmAllocationPolicySimple policy = new VmAllocationPolicySimple((p, vm) -> Optional.of(hosts.get((int) vm.getId() / 4)));
        DatacenterSimple dc = new DatacenterSimple(sim, hosts, policy);
        dc.setBandwidthPercentForMigration(0.5);
        DatacenterBrokerSimple broker = new DatacenterBrokerSimple(sim);
        broker.setVmDestructionDelay(-1); // keep idle VMs: they have no cloudlets on purpose
        broker.submitVmList(vms);
        Lanes lanes = new Lanes(sim, dc, hosts, vms, loaded, spares);
        broker.addOnVmsCreatedListener(info -> lanes.begin());
        dc.addOnVmMigrationFinishListener(info -> lanes.migrated(info.getVm(), info.isMigrationSuccessful()));
        sim.start();
        double seconds = (System.nanoTime() - t0) / 1e9;
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        System.out.printf(Locale.ROOT, "| CloudSim Plus 8.5.5 | %,d | %.2f | %,d | %,.0f | - | %s |%n", loaded, seconds, peak >> 20,
                lanes.finishedAt, lanes.failures == 0 && lanes.done == spares ? "completed"
                        : lanes.failures + " failed migrations, " + lanes.done + " of " + spares + " lanes done");
    }

    /** Drives the lanes: the CloudSim entity that schedules the patches. */
    static final class Lanes extends CloudSimEntity {
        final DatacenterSimple dc;
        final List<Host> hosts;
        final List<Vm> vms;
        final int loaded;
        final int lanes;
        final Host[] target;
        final int[] round;
        final int[] vmInHost;
        int done;
        int failures;
        double finishedAt;
        boolean begun;

        Lanes(CloudSimPlus sim, DatacenterSimple dc, List<Host> hosts, List<Vm> vms, int loaded, int lanes) {
            super(sim);
            this.dc = dc;
            this.hosts = hosts;
            this.vms = vms;
            this.loaded = loaded;
            this.lanes = lanes;
            this.target = new Host[lanes];
            this.round = new int[lanes];
            this.vmInHost = new int[lanes];
            for (int l = 0; l < lanes; l++) {
                target[l] = hosts.get(loaded + l);
            }
        }

        @Override
        protected void startInternal() {
        }

        void begin() {
            if (begun) {
                return;
            }
            begun = true;
            for (int l = 0; l < lanes; l++) {
                next(l);
            }
        }

        /** Lane l works hosts l, l + lanes, l + 2·lanes, ... */
        private int hostOf(int l) {
            return l + round[l] * lanes;
        }

        private void next(int l) {
            int h = hostOf(l);
            dc.requestVmMigration(vms.get(h * 4 + vmInHost[l]), target[l]);
        }

        void migrated(Vm vm, boolean ok) {
            int h = (int) vm.getId() / 4;
            int l = h % lanes;
            if (!ok) {
                failures++;
                return;
            }
            if (++vmInHost[l] < 4) {
                next(l);
            } else {
                schedule(this, 600, PATCHED, l);
            }
        }

        @Override
        public void processEvent(SimEvent evt) {
            if (evt.getTag() != PATCHED) {
                return;
            }
            int l = (Integer) evt.getData();
            target[l] = hosts.get(hostOf(l));
            vmInHost[l] = 0;
            round[l]++;
            if (hostOf(l) < loaded) {
                next(l);
            } else {
                done++;
                finishedAt = Math.max(finishedAt, getSimulation().clock());
            }
        }
    }
}

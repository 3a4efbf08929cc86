package dev.ferry.agent.sim;

import dev.ferry.agent.host.Guest;
import dev.ferry.agent.host.Hypervisor;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Guests without QEMU (issue 16's agent backend, {@code ferry agent --hypervisor simulated}): the
 * same agent, API, epochs, fencing and reports, with guests that are state in this process and
 * operations that take the simulator's modelled time in real time — a live migration as long as
 * {@link dev.ferry.core.planner.MigrationModel} says for its memory, dirty rate, bandwidth and
 * downtime limit, the host's bandwidth shared by its migrations under way; a start and a stop as long as
 * the agent was told ({@code --start-seconds}, {@code --stop-seconds}); no guest CPU. A migration's end travels to the destination's agent over a
 * connection of its own ({@code arrive <id> <epoch>} to the address its incoming call answered),
 * so agents in other processes and namespaces receive guests as they would from QEMU. Guests live
 * as long as the agent's process: an agent that restarts finds none to adopt (as after a host's
 * crash). Thread-safe.
 */
public final class SimulatedHypervisor implements Hypervisor {
    public static final String NAME = "simulated";

    private final Map<String, SimulatedGuest> guests = new ConcurrentHashMap<>();
    /** Live migrations out of this host under way: they share its bandwidth (as the simulator models it). */
    final java.util.concurrent.atomic.AtomicInteger migrationsOut = new java.util.concurrent.atomic.AtomicInteger();
    private final java.time.Duration start;
    private final java.time.Duration stop;
    private volatile ServerSocket arrivals;
    private volatile boolean closed;

    /** Guests that start and stop at once. */
    public SimulatedHypervisor() {
        this(java.time.Duration.ZERO, java.time.Duration.ZERO);
    }

    /** Guests that take {@code start} to boot (a launch, a restart) and {@code stop} to shut down, in real time. */
    public SimulatedHypervisor(java.time.Duration start, java.time.Duration stop) {
        this.start = start;
        this.stop = stop;
    }

    java.time.Duration stopTime() {
        return stop;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Guest launch(String id, Path dir, long epoch, int memoryMiB, int dirtyMiBPerSecond) throws InterruptedException {
        Thread.sleep(start.toMillis()); // the guest boots
        SimulatedGuest g = new SimulatedGuest(this, id, epoch, memoryMiB, dirtyMiBPerSecond, "running");
        guests.put(id, g);
        return g;
    }

    @Override
    public Incoming incoming(String id, Path dir, long epoch, int memoryMiB, int dirtyMiBPerSecond, boolean postcopy,
                             String listenHost) throws IOException {
        int port = listen(listenHost);
        SimulatedGuest g = new SimulatedGuest(this, id, epoch, memoryMiB, dirtyMiBPerSecond, "inmigrate");
        guests.put(id, g);
        return new Incoming(g, new Guest.Destination(NAME, listenHost, port, null, null, epoch));
    }

    @Override
    public Guest adopt(String id, Path dir, long epoch) {
        SimulatedGuest g = guests.get(id);
        return g != null && g.epoch() == epoch && g.alive() ? g : null;
    }

    void gone(SimulatedGuest g) {
        guests.remove(g.id(), g);
    }

    /** The port arrivals come to, on the agent's address (opened with the first incoming migration). */
    private synchronized int listen(String host) throws IOException {
        if (arrivals == null) {
            ServerSocket s = new ServerSocket(0, 200, InetAddress.getByName(host));
            arrivals = s;
            Thread.ofPlatform().daemon().name("simulated-arrivals").start(() -> accept(s));
        }
        return arrivals.getLocalPort();
    }

    private void accept(ServerSocket s) {
        while (!closed) {
            try {
                Socket c = s.accept();
                Thread.ofVirtual().start(() -> arrive(c));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    /** A source says its guest switched over: the guest waiting here at that epoch runs now ("ok"), else "no". */
    private void arrive(Socket c) {
        try (c; BufferedReader in = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.US_ASCII));
             PrintWriter out = new PrintWriter(c.getOutputStream(), true, StandardCharsets.US_ASCII)) {
            String[] f = String.valueOf(in.readLine()).split(" ");
            SimulatedGuest g = f.length == 3 && f[0].equals("arrive") ? guests.get(f[1]) : null;
            boolean ok = g != null && Long.toString(g.epoch()).equals(f[2]) && g.arrived();
            out.println(ok ? "ok" : "no");
        } catch (IOException | RuntimeException e) {
            // the source hears nothing and fails the migration
        }
    }

    /** Tells the destination's agent that the guest switched over; true when it runs there now. */
    static boolean send(Guest.Destination to, String id, long epoch) {
        try (Socket s = new Socket(to.host(), to.port());
             PrintWriter out = new PrintWriter(s.getOutputStream(), true, StandardCharsets.US_ASCII);
             BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))) {
            s.setSoTimeout(10_000);
            out.println("arrive " + id + " " + epoch);
            return "ok".equals(in.readLine());
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        closed = true;
        ServerSocket s = arrivals;
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                // closed anyway
            }
        }
    }
}

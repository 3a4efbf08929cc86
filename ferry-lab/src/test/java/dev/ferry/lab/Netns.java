package dev.ferry.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * Hosts with network namespaces of their own for partition tests: a bridge in this namespace
 * (the controller's side, at {@code .1}) and, per host, a namespace joined to it by a veth pair,
 * with an address of its own. {@link #cut} takes a host's link down (it reaches neither the
 * controller nor the other hosts) and {@link #restore} brings it back. Needs root and {@code ip}
 * (Debian's iproute2); skipped without them, failed under {@code FERRY_REQUIRE_NETNS=1} (CI).
 * {@link #close} kills what runs in the namespaces and removes them.
 */
final class Netns implements AutoCloseable {
    private final String prefix;
    private final String subnet;
    private final int hosts;

    private Netns(String prefix, String subnet, int hosts) {
        this.prefix = prefix;
        this.subnet = subnet;
        this.hosts = hosts;
    }

    static Netns create(int hosts) throws IOException, InterruptedException {
        boolean can = "root".equals(System.getProperty("user.name")) && new java.io.File("/usr/sbin/ip").canExecute()
                || "root".equals(System.getProperty("user.name")) && new java.io.File("/sbin/ip").canExecute();
        if (!can) {
            if ("1".equals(System.getenv("FERRY_REQUIRE_NETNS"))) {
                throw new AssertionError("FERRY_REQUIRE_NETNS=1 but this test runs without root or without ip (iproute2)");
            }
            Assumptions.abort("skipped: network namespaces need root and ip (iproute2)");
        }
        byte[] r = new byte[2];
        new SecureRandom().nextBytes(r);
        String prefix = "fy" + HexFormat.of().formatHex(r);
        Netns n = new Netns(prefix, "10.213." + (Byte.toUnsignedInt(r[0]) % 200 + 20), hosts);
        try {
            ip("link", "add", prefix + "br", "type", "bridge");
            ip("addr", "add", n.subnet + ".1/24", "dev", prefix + "br");
            ip("link", "set", prefix + "br", "up");
            for (int h = 1; h <= hosts; h++) {
                ip("netns", "add", n.ns(h));
                ip("link", "add", prefix + "a" + h, "type", "veth", "peer", "name", prefix + "b" + h);
                ip("link", "set", prefix + "b" + h, "netns", n.ns(h));
                ip("link", "set", prefix + "a" + h, "master", prefix + "br");
                ip("link", "set", prefix + "a" + h, "up");
                ip("-n", n.ns(h), "addr", "add", n.address(h) + "/24", "dev", prefix + "b" + h);
                ip("-n", n.ns(h), "link", "set", prefix + "b" + h, "up");
                ip("-n", n.ns(h), "link", "set", "lo", "up");
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            n.close();
            throw e;
        }
        return n;
    }

    /** The namespace of host {@code h} (1-based). */
    String ns(int h) {
        return prefix + "h" + h;
    }

    /** Host {@code h}'s address, in its namespace. */
    String address(int h) {
        return subnet + "." + (10 + h);
    }

    /** The command line that runs {@code command} in host {@code h}'s namespace. */
    List<String> in(int h, List<String> command) {
        List<String> out = new ArrayList<>(List.of("ip", "netns", "exec", ns(h)));
        out.addAll(command);
        return out;
    }

    /** Host {@code h}'s link goes down: it reaches neither the controller nor the other hosts. */
    void cut(int h) throws IOException, InterruptedException {
        ip("link", "set", prefix + "a" + h, "down");
    }

    void restore(int h) throws IOException, InterruptedException {
        ip("link", "set", prefix + "a" + h, "up");
    }

    private static void ip(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out.trim());
        }
    }

    /** Kills every process left in the namespaces (agents, their QEMU) and removes them and the bridge. */
    @Override
    public void close() {
        for (int h = 1; h <= hosts; h++) {
            try {
                Process p = new ProcessBuilder("ip", "netns", "pids", ns(h)).start();
                for (String pid : new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\\s+")) {
                    if (!pid.isBlank()) {
                        ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
                    }
                }
                p.waitFor();
                ip("netns", "del", ns(h));
            } catch (IOException | InterruptedException | RuntimeException e) {
                // gone already
            }
        }
        try {
            ip("link", "del", prefix + "br");
        } catch (IOException | InterruptedException e) {
            // gone already
        }
    }
}

package dev.ferry.agent;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds QEMU for the tests ({@code FERRY_QEMU}, else {@code qemu-system-x86_64} on the PATH; Debian
 * package {@code qemu-system-x86}). Without it the tests are skipped, unless
 * {@code FERRY_REQUIRE_QEMU=1} (CI sets it), when they fail.
 */
final class Qemu {
    private Qemu() {
    }

    static String find() {
        String explicit = System.getenv("FERRY_QEMU");
        if (explicit != null && Files.isExecutable(Path.of(explicit))) {
            return explicit;
        }
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(d, "qemu-system-x86_64");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        String why = "qemu-system-x86_64 (Debian package qemu-system-x86) for the real-hypervisor tests";
        if ("1".equals(System.getenv("FERRY_REQUIRE_QEMU"))) {
            throw new AssertionError("FERRY_REQUIRE_QEMU=1 but no " + why);
        }
        Assumptions.abort("skipped: no " + why);
        return null;
    }
}

package dev.ferry.lab;

import dev.ferry.agent.host.QemuBinary;
import org.junit.jupiter.api.Assumptions;

/** QEMU for the tests: skipped without it, failed without it under {@code FERRY_REQUIRE_QEMU=1} (CI). */
public final class RequireQemu {
    private RequireQemu() {
    }

    public static String find() {
        return QemuBinary.find().orElseGet(() -> {
            if ("1".equals(System.getenv("FERRY_REQUIRE_QEMU"))) {
                throw new AssertionError("FERRY_REQUIRE_QEMU=1 but no " + QemuBinary.WHAT);
            }
            Assumptions.abort("skipped: no " + QemuBinary.WHAT);
            return null;
        });
    }
}

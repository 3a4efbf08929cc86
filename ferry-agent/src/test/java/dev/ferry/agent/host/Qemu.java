package dev.ferry.agent.host;

import org.junit.jupiter.api.Assumptions;

/**
 * QEMU for the tests ({@link QemuBinary#find()}). Without it the tests are skipped, unless
 * {@code FERRY_REQUIRE_QEMU=1} (CI sets it), when they fail.
 */
public final class Qemu {
    private Qemu() {
    }

    public static String find() {
        var found = QemuBinary.find();
        if (found.isPresent()) {
            return found.get();
        }
        String why = QemuBinary.WHAT + " for the real-hypervisor tests";
        if ("1".equals(System.getenv("FERRY_REQUIRE_QEMU"))) {
            throw new AssertionError("FERRY_REQUIRE_QEMU=1 but no " + why);
        }
        Assumptions.abort("skipped: no " + why);
        return null;
    }
}

package dev.ferry.agent.libvirt;

import org.junit.jupiter.api.Assumptions;

/**
 * libvirt daemons for a test: skipped with the reason where they cannot run (no libvirtd, or root
 * without the {@code ferry-libvirt} user), failed instead when {@code FERRY_REQUIRE_LIBVIRT=1}
 * ({@code .ci/run} sets it and installs what they need).
 */
public final class LibvirtTests {
    private LibvirtTests() {
    }

    public static LibvirtDaemons daemons(int n) throws Exception {
        require();
        return LibvirtDaemons.start(n);
    }

    /** Skips the test where libvirt's daemons cannot run (fails it with {@code FERRY_REQUIRE_LIBVIRT=1}). */
    public static void require() {
        String why = LibvirtDaemons.unavailable();
        if (why != null) {
            if ("1".equals(System.getenv("FERRY_REQUIRE_LIBVIRT"))) {
                throw new AssertionError("FERRY_REQUIRE_LIBVIRT=1 but " + why);
            }
            Assumptions.abort("skipped: " + why);
        }
    }
}

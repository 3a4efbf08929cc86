package dev.ferry.agent.host;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Where QEMU is: {@code FERRY_QEMU} if set, else {@code qemu-system-x86_64} on the PATH (Debian package qemu-system-x86). */
public final class QemuBinary {
    /** What to install when it is missing. */
    public static final String WHAT = "qemu-system-x86_64 (Debian package qemu-system-x86)";

    private QemuBinary() {
    }

    public static Optional<String> find() {
        String explicit = System.getenv("FERRY_QEMU");
        if (explicit != null && Files.isExecutable(Path.of(explicit))) {
            return Optional.of(explicit);
        }
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(d, "qemu-system-x86_64");
            if (Files.isExecutable(p)) {
                return Optional.of(p.toString());
            }
        }
        return Optional.empty();
    }
}

package dev.ferry.agent.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** Files that hold a secret (a key, a token): created mode 0600 from the start, never readable by others for a moment. */
public final class SecretFiles {
    private SecretFiles() {
    }

    /** Replaces {@code file} with {@code text}, owner-only where the file system has POSIX permissions. */
    public static void write(Path file, String text) throws IOException {
        Files.deleteIfExists(file);
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(file);
        }
        Files.writeString(file, text);
    }
}

package dev.ferry.agent.host;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** What the agent keeps per instance on disk ({@code instance.json}), written before QEMU starts. */
public record Meta(long epoch, int memoryMiB, int dirtyMiBPerSecond) {
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** An instance id the agent takes: letters, digits, '.', '_' and '-', at most 100, not only dots (it names a directory). */
    public static boolean isInstanceId(String id) {
        return id != null && id.matches("[A-Za-z0-9._-]{1,100}") && !id.matches("\\.+");
    }

    public static Meta read(Path dir) {
        Path f = dir.resolve("instance.json");
        try {
            return Files.exists(f) ? JSON.readValue(f.toFile(), Meta.class) : null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void write(Path dir, Meta m) throws IOException {
        Files.createDirectories(dir);
        Path tmp = dir.resolve("instance.json.tmp");
        JSON.writeValue(tmp.toFile(), m);
        Files.move(tmp, dir.resolve("instance.json"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}

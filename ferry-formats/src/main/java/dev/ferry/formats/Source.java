package dev.ferry.formats;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * What a reader reads: a file, or bytes that came another way (a request body, a stored document),
 * with the name problems give it. JSON is read as JSON (a file by its extension, bytes when they
 * start with '{'); anything else as YAML.
 */
public final class Source {
    interface Opener {
        InputStream open() throws IOException;
    }

    interface Sizer {
        long size() throws IOException;
    }

    private final String name;
    private final boolean json;
    private final Sizer size;
    private final Opener opener;

    private Source(String name, boolean json, Sizer size, Opener opener) {
        this.name = name;
        this.json = json;
        this.size = size;
        this.opener = opener;
    }

    /**
     * A file: JSON when its name ends in .json, or (a regular file not named .yaml or .yml) when it
     * starts with '{'; YAML otherwise. A pipe is never read ahead (what was read would be gone).
     */
    public static Source of(Path path) {
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean json = name.endsWith(".json") || !name.endsWith(".yaml") && !name.endsWith(".yml") && Files.isRegularFile(path)
                && startsWithBrace(path);
        return new Source(path.toString(), json, () -> Files.size(path), () -> Files.newInputStream(path));
    }

    private static boolean startsWithBrace(Path path) {
        try (InputStream in = Files.newInputStream(path)) {
            return firstNonBlank(in.readNBytes(4096)) == '{';
        } catch (IOException e) {
            return false; // the read proper reports it
        }
    }

    public static Source of(byte[] bytes, String name) {
        return new Source(name, firstNonBlank(bytes) == '{', () -> bytes.length, () -> new ByteArrayInputStream(bytes));
    }

    private static int firstNonBlank(byte[] bytes) {
        for (byte b : bytes) {
            if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
                return b;
            }
        }
        return -1;
    }

    public String name() {
        return name;
    }

    boolean json() {
        return json;
    }

    long size() throws IOException {
        return size.size();
    }

    InputStream open() throws IOException {
        return opener.open();
    }
}

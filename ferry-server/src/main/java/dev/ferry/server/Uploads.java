package dev.ferry.server;

import dev.ferry.core.model.Fleet;
import dev.ferry.formats.FleetSink;
import dev.ferry.formats.FleetWriter;
import dev.ferry.formats.InvalidInputException;
import dev.ferry.formats.Problem;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

/**
 * Request bodies in Ferry's file formats go through the same strict readers as files: the body is
 * written to a private temporary file, read, and deleted. Problems name "request body", line,
 * column and field. Thread-safe.
 */
public final class Uploads {
    /** Reads a temporary file; the name is what problems call it. */
    @FunctionalInterface
    public interface Reader<T> {
        T read(Path file, String name) throws InvalidInputException;
    }

    private final Path directory;

    public Uploads(Path directory) {
        this.directory = directory;
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses {@code body}; a JSON body is read as JSON, anything else as YAML. Invalid input → 400 listing every problem. */
    public <T> T read(byte[] body, String name, Reader<T> reader) {
        if (body.length == 0) {
            throw ApiException.badRequest(name + " is empty");
        }
        boolean json = firstNonBlank(body) == '{';
        Path file = directory.resolve(UUID.randomUUID() + (json ? ".json" : ".yaml"));
        try {
            Files.write(file, body);
            return reader.read(file, name);
        } catch (InvalidInputException e) {
            throw new ApiException(400, "Invalid Input", describe(e.problems(), e.omitted()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // a leftover temporary file in the data directory; harmless
            }
        }
    }

    static String describe(List<Problem> problems, int omitted) {
        StringBuilder sb = new StringBuilder();
        for (Problem p : problems) {
            sb.append(sb.isEmpty() ? "" : "; ").append(p);
        }
        if (omitted > 0) {
            sb.append("; and ").append(omitted).append(" more problems");
        }
        return sb.toString();
    }

    private static int firstNonBlank(byte[] body) {
        for (byte b : body) {
            if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
                return b;
            }
        }
        return -1;
    }

    /** The fleet/v1 JSON document of a fleet (how an inventory version is stored). */
    public static String json(Fleet fleet) {
        StringWriter w = new StringWriter();
        try {
            FleetSink sink = FleetWriter.json(w);
            for (var h : fleet.hosts()) {
                sink.host(h);
            }
            for (var i : fleet.instances()) {
                sink.instance(i);
            }
            for (var g : fleet.groups()) {
                sink.group(g);
            }
            for (var t : fleet.tenants()) {
                sink.tenant(t);
            }
            sink.end();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }
}

package dev.ferry.server;

import dev.ferry.core.model.Fleet;
import dev.ferry.formats.FleetSink;
import dev.ferry.formats.FleetWriter;
import dev.ferry.formats.InvalidInputException;
import dev.ferry.formats.Problem;
import dev.ferry.formats.Source;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Documents in Ferry's file formats that arrive over the API (or were stored): read by the same
 * strict readers as files, straight from the bytes. Problems name the document ("request body"),
 * line, column and field.
 */
public final class Uploads {
    /** A strict reader of one format. */
    @FunctionalInterface
    public interface Reader<T> {
        T read(Source source) throws InvalidInputException;
    }

    private Uploads() {
    }

    /** Parses {@code body}; a JSON body is read as JSON, anything else as YAML. Invalid input → 400 listing every problem. */
    public static <T> T read(byte[] body, String name, Reader<T> reader) {
        if (body.length == 0) {
            throw Refused.invalid(name + " is empty");
        }
        try {
            return reader.read(Source.of(body, name));
        } catch (InvalidInputException e) {
            throw new Refused(Refused.Kind.INVALID_DOCUMENT, describe(e.problems(), e.omitted()), null, null);
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

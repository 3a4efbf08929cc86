package dev.ferry.cli;

import dev.ferry.formats.FleetSink;
import dev.ferry.formats.FleetWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import picocli.CommandLine.Option;

/** Where and how a command writes a fleet: {@code --format} and {@code -o} (atomically). A picocli mixin. */
final class FleetOutput {
    @Option(names = "--format", defaultValue = "yaml", paramLabel = "yaml|json", description = "Output format (default yaml).")
    String format;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE",
            description = "Write here (atomically: nothing is left behind on failure); default standard output.")
    Path output;

    /** Writes into a writer. */
    interface Body {
        void write(Writer w) throws IOException;
    }

    /** The problem with --format, or null. */
    String formatProblem() {
        return format.equals("yaml") || format.equals("json") ? null : "--format must be yaml or json";
    }

    FleetSink sink(Writer w) throws IOException {
        return format.equals("json") ? FleetWriter.json(w) : FleetWriter.yaml(w);
    }

    /** Writes to {@code -o} through a temporary file moved into place, so a failure leaves nothing behind. */
    void atomically(Body body) throws IOException {
        Path tmp = Files.createTempFile(output.toAbsolutePath().getParent(), ".ferry-fleet-", ".tmp");
        try {
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                body.write(w);
            }
            Files.move(tmp, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}

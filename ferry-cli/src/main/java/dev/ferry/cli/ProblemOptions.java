package dev.ferry.cli;

import java.nio.file.Path;
import java.time.Instant;
import picocli.CommandLine.Option;

/** The inputs every planning command takes (a picocli mixin for {@code plan} and {@code simulate}). */
final class ProblemOptions {
    @Option(names = "--fleet", required = true, paramLabel = "FILE", description = "Inventory, fleet/v1 YAML or JSON.")
    Path fleet;

    @Option(names = "--advisory", required = true, paramLabel = "FILE", description = "Advisory: advisory/v1, or CSAF 2.0, OSV or CVE JSON 5 (told by content).")
    Path advisory;

    @Option(names = "--policy", paramLabel = "FILE", description = "Policy, policy/v1 (default: the documented defaults).")
    Path policy;

    @Option(names = "--start", paramLabel = "TIME",
            description = "When the campaign begins, ISO-8601 (e.g. 2014-09-26T12:00:00Z); default now. "
                    + "Deadline slack is measured from it.")
    Instant start;

    @Option(names = "--strategy", defaultValue = "ferry", paramLabel = "ferry|naive",
            description = "ferry (default) or naive: one host at a time, any destination with room.")
    String strategy;

    @Option(names = "--max-input-mib", defaultValue = "1024", paramLabel = "MiB", description = "Largest fleet file read (default 1024).")
    long maxInputMiB;
}

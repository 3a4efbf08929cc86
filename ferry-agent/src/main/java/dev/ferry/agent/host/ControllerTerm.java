package dev.ferry.agent.host;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The highest controller term this agent has seen (safety rule 11), kept in its data directory
 * ({@code controller-term}) so that a restart does not forget it. A request that carries a higher
 * term raises it — written to disk before the request is acted on; a command (any method but GET)
 * whose term is lower — or that carries none once a term was seen — is refused with 403 and
 * logged: a leader whose lease ran out cannot move anything once its successor has spoken to this
 * host. Thread-safe.
 */
final class ControllerTerm {
    private static final Logger LOG = LoggerFactory.getLogger(ControllerTerm.class);

    private final Path file;
    private long highest;

    ControllerTerm(Path dataDirectory) throws IOException {
        this.file = dataDirectory.resolve("controller-term");
        this.highest = Files.exists(file) ? Long.parseLong(Files.readString(file).trim()) : 0;
    }

    synchronized long highest() {
        return highest;
    }

    /**
     * Judges a request's term header ({@code null}: none, term 0).
     *
     * @throws AgentException 400 for a term that is not a number, 403 for a command below the highest term seen
     */
    synchronized void check(String method, String path, String header) {
        long term;
        try {
            term = header == null ? 0 : Long.parseLong(header.trim());
        } catch (NumberFormatException e) {
            throw new AgentException(400, "the term header is not a number: " + header);
        }
        if (term < 0) {
            throw new AgentException(400, "the term header is negative: " + header);
        }
        if (term > highest) {
            write(term);
            LOG.info("controller term {} (was {})", term, highest);
            highest = term;
        } else if (term < highest && !method.equals("GET")) {
            LOG.warn("refused {} {} from a controller at term {}: this host has seen term {}", method, path, term, highest);
            throw new AgentException(403, "stale controller term " + term + ": this host obeys term " + highest
                    + " or later (another controller leads now)");
        }
    }

    private void write(long term) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (var ch = java.nio.channels.FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(java.nio.ByteBuffer.wrap(Long.toString(term).getBytes(StandardCharsets.US_ASCII)));
            ch.force(true);
        } catch (IOException e) {
            throw new UncheckedIOException("could not record controller term " + term, e);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("could not record controller term " + term, e);
        }
    }
}

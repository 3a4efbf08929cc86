package dev.ferry.agent.host;

import java.io.IOException;
import java.io.Writer;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A guest's two serial ports as Unix sockets that QEMU listens on: the console (COM1), whose every
 * line is appended to a log file prefixed with the host's wall time in microseconds when it
 * arrived, and the notice port (COM2), which {@link #tell} writes to. The same for a QEMU of the
 * agent's own and for a libvirt domain ({@code <serial type='unix'><source mode='bind'>}).
 */
public final class Console implements AutoCloseable {
    private final Path serialSocket;
    private final Path noticeSocket;
    private final Path log;
    private final CountDownLatch connected = new CountDownLatch(1);
    private volatile SocketChannel serial;
    private final Object noticeLock = new Object();
    private SocketChannel noticePort;
    private final Duration appears;
    private volatile boolean closed;

    /** Starts reading {@code serialSocket} (waiting up to 20 s for it to appear) into {@code log}. */
    public Console(String id, Path serialSocket, Path noticeSocket, Path log) {
        this(id, serialSocket, noticeSocket, log, Duration.ofSeconds(20));
    }

    /**
     * As above, waiting up to {@code appears} for the socket (a guest that arrives by live migration
     * through libvirt has it only once the migration begins).
     */
    public Console(String id, Path serialSocket, Path noticeSocket, Path log, Duration appears) {
        this.appears = appears;
        this.serialSocket = serialSocket;
        this.noticeSocket = noticeSocket;
        this.log = log;
        // a platform thread: each line is stamped when it is read, and a virtual thread waits for a free
        // carrier when the machine is busy (a controller starting, QEMUs starting), which made old lines
        // arrive stamped after a relocated copy's first ones in a crash test
        Thread.ofPlatform().daemon().name("serial-" + id).start(this::readSerial);
    }

    /** True once the console is connected (QEMU held with -S, or a domain started paused, waits for this). */
    public boolean awaitConnected(Duration timeout) throws InterruptedException {
        return connected.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void readSerial() {
        try {
            SocketChannel ch = connect(System.nanoTime() + appears.toNanos());
            if (ch == null) {
                return;
            }
            serial = ch;
            if (closed) {
                ch.close(); // closed while it connected
                return;
            }
            connected.countDown();
            try (java.io.InputStream in = new java.io.BufferedInputStream(Channels.newInputStream(ch));
                 Writer w = Files.newBufferedWriter(log, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
                copyLines(in, w);
            }
        } catch (IOException | InterruptedException e) {
            // QEMU went away, or we were closed
        }
    }

    /**
     * Connects to the serial socket once QEMU listens on it: the file appears as QEMU binds it, a
     * moment before it listens, and a connection refused in between is tried again (on a busy
     * machine the moment is long enough to lose the whole console). Null when closed meanwhile.
     */
    private SocketChannel connect(long deadline) throws IOException, InterruptedException {
        while (!closed) {
            if (Files.exists(serialSocket)) {
                try {
                    return SocketChannel.open(UnixDomainSocketAddress.of(serialSocket));
                } catch (java.net.ConnectException e) {
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                }
            } else if (System.nanoTime() > deadline) {
                throw new IOException(serialSocket + " did not appear");
            }
            Thread.sleep(10); // QEMU creates the socket as it starts, and listens on it a moment later
        }
        return null;
    }

    /**
     * Writes one line to the guest's second serial port (COM2; printable ASCII, at most 200
     * characters): the heartbeat guest echoes it on its console. False when the guest has no such
     * port or does not take it.
     */
    public boolean tell(String line) {
        String clean = line.replaceAll("[^\\x20-\\x7E]", "?");
        byte[] bytes = ((clean.length() > 200 ? clean.substring(0, 200) : clean) + "\n").getBytes(StandardCharsets.US_ASCII);
        synchronized (noticeLock) {
            for (int attempt = 0; attempt < 2 && !closed; attempt++) {
                try {
                    if (noticePort == null) {
                        noticePort = SocketChannel.open(UnixDomainSocketAddress.of(noticeSocket));
                        noticePort.configureBlocking(false); // a guest that does not read must not hold the agent
                    }
                    ByteBuffer b = ByteBuffer.wrap(bytes);
                    long deadline = System.nanoTime() + 1_000_000_000L;
                    while (b.hasRemaining() && System.nanoTime() < deadline) {
                        if (noticePort.write(b) == 0) {
                            Thread.sleep(5); // QEMU takes it as the guest's port has room
                        }
                    }
                    return !b.hasRemaining();
                } catch (IOException e) {
                    closeQuietly(noticePort); // QEMU took a new connection (an agent restarted): connect again once
                    noticePort = null;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return false;
        }
    }

    /**
     * Writes each line the guest printed to {@code w}, prefixed with the wall time in microseconds it
     * arrived at. A guest stopped or sent away in the middle of a line leaves a piece at the end ("11"
     * of "1126"): it is written marked {@code ~} ({@code ~11}), so that it never reads as a beat of its
     * own; {@link GuestSerial} joins it with the rest of the line where the guest went on.
     */
    static void copyLines(java.io.InputStream in, Writer w) throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            if (c != '\n') {
                line.append((char) (c & 0x7F));
                continue;
            }
            write(w, line.toString());
            line.setLength(0);
        }
        if (!line.isEmpty()) {
            write(w, "~" + line);
        }
    }

    private static void write(Writer w, String line) throws IOException {
        Instant now = Instant.now();
        w.write((now.getEpochSecond() * 1_000_000 + now.getNano() / 1000) + " " + line + "\n");
        w.flush();
    }

    /** Disconnects from both ports (QEMU keeps listening: a new agent connects again). */
    @Override
    public void close() {
        closed = true;
        closeQuietly(serial);
        synchronized (noticeLock) {
            closeQuietly(noticePort);
            noticePort = null;
        }
    }

    private static void closeQuietly(SocketChannel s) {
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }
}

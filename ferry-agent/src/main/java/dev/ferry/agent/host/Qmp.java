package dev.ferry.agent.host;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A QMP (QEMU Machine Protocol) session over a Unix socket: JSON commands, one answer each, with
 * asynchronous events set aside. Not thread-safe: one caller at a time (the agent serialises).
 */
public final class Qmp implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** QEMU answered a command with an error. */
    public static final class QmpException extends IOException {
        private final String errorClass;

        QmpException(String command, JsonNode error) {
            super(command + ": " + error.path("desc").asText(error.toString()));
            this.errorClass = error.path("class").asText();
        }

        public String errorClass() {
            return errorClass;
        }
    }

    private final SocketChannel channel;
    private final BufferedReader in;
    private final OutputStream out;
    private final List<JsonNode> events = new ArrayList<>();

    private Qmp(SocketChannel channel) throws IOException {
        this.channel = channel;
        this.in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
        this.out = Channels.newOutputStream(channel);
        JsonNode greeting = JSON.readTree(readLine());
        if (!greeting.has("QMP")) {
            throw new IOException("not a QMP greeting: " + greeting);
        }
        execute("qmp_capabilities", Map.of());
    }

    /** Connects, waiting up to {@code wait} for QEMU to create the socket. */
    public static Qmp connect(Path socket, Duration wait) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        IOException last = null;
        while (System.nanoTime() < deadline) {
            if (Files.exists(socket)) {
                SocketChannel channel = null;
                Thread watchdog = null;
                try {
                    channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
                    // a QEMU that accepts the connection but never greets must not hang its caller:
                    // the greeting is waited for only until the deadline, then the channel is closed
                    SocketChannel c = channel;
                    long leftMs = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
                    watchdog = Thread.ofVirtual().start(() -> {
                        try {
                            Thread.sleep(leftMs);
                            c.close();
                        } catch (InterruptedException | IOException e) {
                            // greeted in time, or closed already
                        }
                    });
                    return new Qmp(channel);
                } catch (IOException e) {
                    last = e;
                    if (channel != null) {
                        channel.close();
                    }
                } finally {
                    if (watchdog != null) {
                        watchdog.interrupt();
                    }
                }
            }
            Thread.sleep(20); // QEMU is starting: poll for its socket
        }
        throw new IOException("no QMP socket at " + socket + " after " + wait.toMillis() + " ms"
                + (last == null ? "" : ": " + last.getMessage()));
    }

    /** Runs a command and returns its {@code return} value. */
    public JsonNode execute(String command, Map<String, ?> arguments) throws IOException {
        ObjectNode request = JSON.createObjectNode().put("execute", command);
        if (!arguments.isEmpty()) {
            request.set("arguments", JSON.valueToTree(arguments));
        }
        out.write((JSON.writeValueAsString(request) + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        while (true) {
            JsonNode answer = JSON.readTree(readLine());
            if (answer.has("event")) {
                events.add(answer);
            } else if (answer.has("error")) {
                throw new QmpException(command, answer.get("error"));
            } else if (answer.has("return")) {
                return answer.get("return");
            }
        }
    }

    public JsonNode execute(String command) throws IOException {
        return execute(command, Map.of());
    }

    /** Events received so far (and forgotten here). */
    public List<JsonNode> drainEvents() {
        List<JsonNode> out = List.copyOf(events);
        events.clear();
        return out;
    }

    private String readLine() throws IOException {
        String line = in.readLine();
        if (line == null) {
            throw new IOException("QMP connection closed");
        }
        return line;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}

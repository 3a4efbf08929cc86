package dev.ferry.agent.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.agent.AgentClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A controller that closes the connection of a report without answering it (what an idle timeout on
 * a busy controller does to a kept connection just as the next report arrives on it): the JDK's
 * client fails that request with no answer ("header parser received no bytes"), and the agent sends
 * the report again at once on a new connection instead of a whole period later.
 */
class HeartbeatsTest {
    /** A request as the server read it: which connection (1, 2, ...) and its body. */
    private record Received(int connection, String body) {
    }

    @Test
    void aReportWhoseConnectionWasClosedUnansweredIsSentAgainAtOnce() throws Exception {
        BlockingQueue<Received> received = new LinkedBlockingQueue<>();
        AtomicInteger connections = new AtomicInteger();
        AtomicBoolean closedOnce = new AtomicBoolean();
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        int n = connections.incrementAndGet();
                        Thread.ofVirtual().start(() -> serve(s, n, received, closedOnce));
                    } catch (IOException e) {
                        return; // closed: the test is over
                    }
                }
            });
            AtomicInteger reports = new AtomicInteger();
            Heartbeats h = new Heartbeats("h1", new AgentClient("http://127.0.0.1:" + server.getLocalPort(), "t"), Duration.ofHours(1),
                    () -> Map.of("report", reports.getAndIncrement()), false);
            try {
                assertThat(received.poll(30, TimeUnit.SECONDS).body()).isEqualTo("{\"report\":0}");
                h.now(); // the next report: its connection closed without an answer
                Received closed = received.poll(30, TimeUnit.SECONDS);
                assertThat(closed.body()).isEqualTo("{\"report\":1}");
                Received again = received.poll(30, TimeUnit.SECONDS);
                assertThat(again.body()).as("the same report again, not an hour later").isEqualTo("{\"report\":1}");
                assertThat(again.connection()).as("on another connection").isNotEqualTo(closed.connection());
            } finally {
                h.close();
            }
        }
    }

    /** Answers every request and keeps the connection, but closes it at the first report 1 without answering. */
    private static void serve(Socket s, int connection, BlockingQueue<Received> received,
                              AtomicBoolean closedOnce) {
        try (s) {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            OutputStream out = s.getOutputStream();
            while (true) {
                int length = -1;
                for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                    if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                        length = Integer.parseInt(line.substring("content-length:".length()).trim());
                    }
                }
                if (length < 0) {
                    return; // the client closed it
                }
                char[] body = new char[length];
                for (int got = 0; got < length; ) {
                    int n = in.read(body, got, length - got);
                    if (n < 0) {
                        return; // the client closed it mid-request
                    }
                    got += n;
                }
                received.add(new Received(connection, new String(body)));
                if (new String(body).contains("\"report\":1") && closedOnce.compareAndSet(false, true)) {
                    return; // closed with no answer
                }
                out.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
                        .getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (IOException e) {
            // the test's end
        }
    }
}

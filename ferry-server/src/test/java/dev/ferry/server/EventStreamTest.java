package dev.ferry.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.agent.Poll;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Event streams whose clients go away mid-stream (a browser closed, a connection reset): each
 * stream ends at its next write, the open-stream count goes back to zero, and the server goes on
 * answering. (Javalin's asynchronous streams resumed a request Jetty had already recycled when
 * this happened, and looped on the errors.)
 */
class EventStreamTest {
    private static final Pattern OPEN = Pattern.compile("(?m)^ferry_event_streams_open (\\S+)$");

    @TempDir
    Path dir;

    @Test
    void streamsWhoseClientsWentAwayEndAtTheirNextWriteAndTheServerGoesOn() throws Exception {
        try (TestServer s = new TestServer(dir, "h2")) {
            TestServer.Seeded seeded = s.seed(30, 1);
            String id = s.propose(6);
            assertThat(s.post("/v1/campaigns/" + id + "/approve", s.operator, null).status()).isEqualTo(200);
            Socket watcher = open(s, "/v1/campaigns/" + id + "/stream", s.operator, "event: progress");
            Socket tenant = open(s, "/v1/tenant/stream", seeded.tenantTokens().get(0)[1], "event: events");
            assertThat(openStreams(s)).isEqualTo(2);

            reset(watcher);
            reset(tenant);
            s.runToEnd(id); // the loop publishes: the campaign's stream, then the tenant's (its events changed), write to nobody
            assertThat(Poll.until(60_000, 20, () -> openStreams(s) == 0 ? true : null)).as("both streams ended").isNotNull();

            // the server goes on: a new stream opens and runs to its end, requests are answered
            assertThat(s.get("/v1/campaigns/" + id, s.operator).json().path("state").asText()).isEqualTo("completed");
            try (Socket again = open(s, "/v1/campaigns/" + id + "/stream", s.operator, "event: end")) {
                assertThat(again.isConnected()).isTrue();
            }
        }
    }

    /** Opens a stream over a plain socket and reads until {@code expected} (the stream is open and has sent it). */
    private static Socket open(TestServer s, String path, String token, String expected) throws IOException {
        Socket socket = new Socket("127.0.0.1", Integer.parseInt(s.base.substring(s.base.lastIndexOf(':') + 1)));
        socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token
                + "\r\nAccept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        String status = in.readLine();
        assertThat(status).as(path).isEqualTo("HTTP/1.1 200 OK");
        for (String line; (line = in.readLine()) != null; ) {
            if (line.contains(expected)) {
                return socket;
            }
        }
        throw new AssertionError(path + ": the stream ended before " + expected);
    }

    /** Closes with a reset, as a client that went away without a goodbye. */
    private static void reset(Socket socket) throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    private static int openStreams(TestServer s) {
        Matcher m = OPEN.matcher(s.get("/metrics", s.operator).body());
        assertThat(m.find()).as("the open-stream gauge").isTrue();
        return (int) Double.parseDouble(m.group(1));
    }
}

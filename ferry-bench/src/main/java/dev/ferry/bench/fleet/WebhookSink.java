package dev.ferry.bench.fleet;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/** The tenants' webhook receiver on loopback: answers 204 to every delivery and counts them. */
final class WebhookSink implements AutoCloseable {
    private final HttpServer server;
    private final AtomicLong received = new AtomicLong();

    private WebhookSink(HttpServer server) {
        this.server = server;
    }

    static WebhookSink start() throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 100);
        WebhookSink sink = new WebhookSink(s);
        s.createContext("/", x -> {
            x.getRequestBody().readAllBytes();
            sink.received.incrementAndGet();
            x.sendResponseHeaders(204, -1);
            x.close();
        });
        s.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        s.start();
        return sink;
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    long received() {
        return received.get();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}

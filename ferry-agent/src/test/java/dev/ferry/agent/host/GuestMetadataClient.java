package dev.ferry.agent.host;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.io.Transport;

/** What software in a guest does: HTTP to the guest's metadata listener (its instance's {@code metadata.sock}). */
public final class GuestMetadataClient implements AutoCloseable {
    private final HttpClient http = new HttpClient();
    private final Path socket;

    public GuestMetadataClient(Path socket) throws Exception {
        this.socket = socket;
        http.start();
    }

    /** A request with headers (and a JSON body, or null); the whole answer. */
    public ContentResponse send(String method, String pathAndQuery, Map<String, String> headers, String json) throws Exception {
        Request r = http.newRequest("http://169.254.169.254" + pathAndQuery).method(method).timeout(60, TimeUnit.SECONDS)
                .transport(new Transport.TCPUnix(socket));
        r.headers(h -> headers.forEach(h::put));
        if (json != null) {
            r.body(new StringRequestContent("application/json", json));
        }
        return r.send();
    }

    public ContentResponse get(String pathAndQuery, Map<String, String> headers) throws Exception {
        return send("GET", pathAndQuery, headers, null);
    }

    @Override
    public void close() throws Exception {
        http.stop();
    }
}

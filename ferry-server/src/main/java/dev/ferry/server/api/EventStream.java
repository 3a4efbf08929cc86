package dev.ferry.server.api;

import io.javalin.http.Context;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * One server-sent event stream (text/event-stream), written to the servlet response by the
 * request's own handler and flushed after each event. Writing to a client that has gone throws the
 * IOException that ends the stream. Not thread-safe: one handler writes.
 */
final class EventStream {
    private final HttpServletResponse res;
    private final ServletOutputStream out;

    private EventStream(HttpServletResponse res) throws IOException {
        this.res = res;
        this.out = res.getOutputStream();
    }

    /** Answers 200 with the stream's headers, sent at once: the client sees the stream open before the first event. */
    static EventStream open(Context ctx) throws IOException {
        HttpServletResponse res = ctx.res();
        res.setStatus(200);
        res.setCharacterEncoding("UTF-8");
        res.setContentType("text/event-stream");
        res.setHeader("Cache-Control", "no-cache");
        res.setHeader("X-Accel-Buffering", "no"); // nginx would buffer the stream otherwise
        res.flushBuffer();
        return new EventStream(res);
    }

    /** An event: its name, and its data one {@code data:} line per line (line breaks in either cannot forge another event). */
    void event(String name, String data) throws IOException {
        StringBuilder b = new StringBuilder("event: ").append(name.replace("\r", "").replace("\n", "")).append('\n');
        for (String line : data.split("\r\n|\r|\n", -1)) {
            b.append("data: ").append(line).append('\n');
        }
        write(b.append('\n'));
    }

    /** A comment (ignored by clients; keeps proxies from closing an idle stream). */
    void comment(String text) throws IOException {
        write(new StringBuilder(": ").append(text.replace("\r", "").replace("\n", " ")).append('\n'));
    }

    private void write(CharSequence s) throws IOException {
        out.write(s.toString().getBytes(StandardCharsets.UTF_8));
        res.flushBuffer();
    }
}

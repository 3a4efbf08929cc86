package dev.ferry.server.api;

import dev.ferry.server.Principal;
import dev.ferry.server.Refused;
import io.javalin.http.Context;
import java.util.List;

/** What the endpoints read from a request besides its body: the caller, the request id, paging. Stateless. */
final class Requests {
    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;

    private Requests() {
    }

    static Principal who(Context ctx) {
        return ctx.attribute(HttpApi.PRINCIPAL);
    }

    static String tenant(Context ctx) {
        return who(ctx).tenant();
    }

    static String rid(Context ctx) {
        return ctx.attribute(HttpApi.REQUEST_ID);
    }

    static String state(Context ctx) {
        String s = ctx.queryParam("state");
        if (s != null && !List.of("scheduled", "rescheduled", "started", "completed", "cancelled").contains(s)) {
            throw Refused.invalid("state must be scheduled, rescheduled, started, completed or cancelled");
        }
        return s;
    }

    static int limit(Context ctx) {
        String l = ctx.queryParam("limit");
        if (l == null) {
            return DEFAULT_LIMIT;
        }
        try {
            int n = Integer.parseInt(l);
            if (n >= 1 && n <= MAX_LIMIT) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // falls through to the message
        }
        throw Refused.invalid("limit must be between 1 and " + MAX_LIMIT);
    }
}

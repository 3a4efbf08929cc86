package dev.ferry.cli.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** A list's paging: a page of {@code --limit} from {@code --cursor}, or every page with {@code --all}. */
public final class PageOptions {
    @Option(names = "--limit", paramLabel = "N", description = "Items per page (default: the server's, 100).")
    Integer limit;

    @Option(names = "--cursor", paramLabel = "CURSOR", description = "The page after this cursor (a list's \"more\" line gives it).")
    String cursor;

    @Option(names = "--all", description = "Every page, one after the other.")
    boolean all;

    /** The page (or, with --all, every page's items in one list) of {@code path} with {@code params}. */
    JsonNode fetch(ServerApi api, String path, Map<String, ?> params) throws ClientError {
        Map<String, Object> q = new LinkedHashMap<>(params);
        q.put("limit", limit);
        q.put("cursor", cursor);
        JsonNode page = api.get(ServerApi.query(path, q));
        if (!all) {
            return page;
        }
        ObjectNode out = ServerApi.JSON.createObjectNode();
        ArrayNode items = out.putArray("items");
        while (true) {
            page.path("items").forEach(items::add);
            if (!page.hasNonNull("next")) {
                break;
            }
            q.put("cursor", page.get("next").asText());
            page = api.get(ServerApi.query(path, q));
        }
        out.putNull("next");
        return out;
    }
}

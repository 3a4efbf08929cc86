package dev.ferry.server;

import java.util.List;
import java.util.function.Function;

/**
 * One page of a list: the items and the cursor of the next page (null on the last). Queries ask
 * for one item more than the limit to know whether another page exists.
 */
public record Page<T>(List<T> items, String next) {
    public static <T> Page<T> of(List<T> fetched, int limit, Function<T, String> key) {
        if (fetched.size() <= limit) {
            return new Page<>(fetched, null);
        }
        List<T> items = fetched.subList(0, limit);
        return new Page<>(List.copyOf(items), key.apply(items.get(limit - 1)));
    }
}

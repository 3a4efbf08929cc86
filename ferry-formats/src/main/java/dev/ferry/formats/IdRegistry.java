package dev.ferry.formats;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Finds duplicate ids and ids that differ only in letter case (confusable for people and for
 * case-insensitive systems downstream). Not thread-safe.
 */
final class IdRegistry {
    private final String kind;
    private final Map<String, Integer> byFolded = new HashMap<>();
    private final Map<Integer, String> spelled = new HashMap<>();
    private final IntList lines = new IntList();

    IdRegistry(String kind) {
        this.kind = kind;
    }

    /**
     * Registers an id at a position; returns its index, or -1 (after reporting) when it clashes.
     */
    int register(Problems problems, String id, int line, String field) {
        String folded = id.toLowerCase(Locale.ROOT);
        int index = lines.size();
        Integer earlier = byFolded.putIfAbsent(folded, index);
        if (earlier != null) {
            String other = spelled.getOrDefault(earlier, folded);
            if (other.equals(id)) {
                problems.add(line, 0, field, "duplicate " + kind + " id '" + id + "' (first at line " + lines.get(earlier) + ")");
            } else {
                problems.add(line, 0, field, kind + " id '" + id + "' is confusable with '" + other + "' (line "
                        + lines.get(earlier) + "): ids must differ in more than letter case");
            }
            lines.add(line);
            return -1;
        }
        if (!folded.equals(id)) {
            spelled.put(index, id);
        }
        lines.add(line);
        return index;
    }

    boolean contains(String id) {
        Integer i = byFolded.get(id.toLowerCase(Locale.ROOT));
        return i != null && spelled.getOrDefault(i, id.toLowerCase(Locale.ROOT)).equals(id);
    }

    int lineOf(String id) {
        Integer i = byFolded.get(id.toLowerCase(Locale.ROOT));
        return i == null ? 0 : lines.get(i);
    }
}

package dev.ferry.formats;

/**
 * One thing wrong with an input file.
 *
 * @param line  1-based, 0 when the problem concerns the whole file
 * @param field path of the field, e.g. {@code hosts[3].memoryMiB}; empty for the whole file
 */
public record Problem(String file, int line, int column, String field, String message) {
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(file);
        if (line > 0) {
            sb.append(':').append(line);
            if (column > 0) {
                sb.append(':').append(column);
            }
        }
        sb.append(": ");
        if (!field.isEmpty()) {
            sb.append(field).append(": ");
        }
        return sb.append(message).toString();
    }
}

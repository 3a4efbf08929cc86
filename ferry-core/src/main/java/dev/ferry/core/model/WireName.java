package dev.ferry.core.model;

/** An enum whose constants have a spelling in the file formats (docs/formats.md), e.g. {@code reboot-in-place}. */
public interface WireName {
    String wireName();

    /** Finds the constant spelled {@code text}, or null. */
    static <E extends Enum<E> & WireName> E parse(Class<E> type, String text) {
        for (E e : type.getEnumConstants()) {
            if (e.wireName().equals(text)) {
                return e;
            }
        }
        return null;
    }

    /** The accepted spellings, for error messages. */
    static <E extends Enum<E> & WireName> String choices(Class<E> type) {
        StringBuilder sb = new StringBuilder();
        for (E e : type.getEnumConstants()) {
            if (!sb.isEmpty()) {
                sb.append(" | ");
            }
            sb.append(e.wireName());
        }
        return sb.toString();
    }
}

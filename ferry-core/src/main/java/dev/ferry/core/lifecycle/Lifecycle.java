package dev.ferry.core.lifecycle;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * A transition table: which state may follow which. Illegal transitions are refused with an
 * exception, never ignored. Immutable and thread-safe.
 */
public final class Lifecycle<S extends Enum<S>> {
    private final Class<S> type;
    private final Map<S, Set<S>> next;

    private Lifecycle(Class<S> type, Map<S, Set<S>> next) {
        this.type = type;
        this.next = next;
    }

    public static <S extends Enum<S>> Builder<S> of(Class<S> type) {
        return new Builder<>(type);
    }

    public boolean allows(S from, S to) {
        return next.get(from).contains(to);
    }

    /** Returns {@code to} when the transition is legal, otherwise throws {@link IllegalTransitionException}. */
    public S transition(S from, S to) {
        if (!allows(from, to)) {
            throw new IllegalTransitionException(type.getSimpleName() + " " + from + " -> " + to + " is not allowed");
        }
        return to;
    }

    public boolean terminal(S state) {
        return next.get(state).isEmpty();
    }

    public static final class IllegalTransitionException extends IllegalStateException {
        public IllegalTransitionException(String message) {
            super(message);
        }
    }

    public static final class Builder<S extends Enum<S>> {
        private final Class<S> type;
        private final Map<S, Set<S>> next;

        private Builder(Class<S> type) {
            this.type = type;
            this.next = new EnumMap<>(type);
            for (S s : type.getEnumConstants()) {
                next.put(s, EnumSet.noneOf(type));
            }
        }

        @SafeVarargs
        public final Builder<S> allow(S from, S... to) {
            for (S t : to) {
                next.get(from).add(t);
            }
            return this;
        }

        public Lifecycle<S> build() {
            Map<S, Set<S>> copy = new EnumMap<>(type);
            next.forEach((k, v) -> copy.put(k, Set.copyOf(v)));
            return new Lifecycle<>(type, copy);
        }
    }
}

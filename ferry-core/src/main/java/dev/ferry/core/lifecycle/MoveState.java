package dev.ferry.core.lifecycle;

/** One instance move: {@code reserved -> in progress -> switched over | rolled back}; {@code reserved -> rolled back}. */
public enum MoveState {
    RESERVED, IN_PROGRESS, SWITCHED_OVER, ROLLED_BACK;

    public static final Lifecycle<MoveState> TABLE = Lifecycle.of(MoveState.class)
            .allow(RESERVED, IN_PROGRESS, ROLLED_BACK)
            .allow(IN_PROGRESS, SWITCHED_OVER, ROLLED_BACK)
            .build();
}

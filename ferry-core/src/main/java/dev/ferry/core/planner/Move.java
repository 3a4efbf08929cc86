package dev.ferry.core.planner;

/**
 * One instance handled by a step.
 *
 * @param to        equals {@code from} for a reboot in place
 * @param bootstrap the destination is itself still unpatched (the instance will move again)
 * @param reason    why this kind was chosen when it is not what the instance asked for; null otherwise
 */
public record Move(String instance, String from, String to, MoveKind kind, boolean bootstrap, String reason) {
}

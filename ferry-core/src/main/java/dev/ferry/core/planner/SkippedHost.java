package dev.ferry.core.planner;

/** An affected host the plan leaves alone, and why (it stays vulnerable). */
public record SkippedHost(String host, String reason) {
}

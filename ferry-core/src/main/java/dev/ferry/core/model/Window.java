package dev.ferry.core.model;

import java.time.DayOfWeek;
import java.time.LocalTime;
import java.util.Set;

/** A tenant's preferred maintenance window, in UTC: on each of {@code days}, from {@code start} for {@code hours}. */
public record Window(Set<DayOfWeek> days, LocalTime start, int hours) {
    public Window {
        days = Set.copyOf(days);
        if (days.isEmpty() || hours <= 0 || hours > 168) {
            throw new IllegalArgumentException("window needs days and 1..168 hours");
        }
    }
}

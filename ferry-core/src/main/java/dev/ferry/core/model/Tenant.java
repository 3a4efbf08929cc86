package dev.ferry.core.model;

import java.util.Objects;

/** A customer; {@code window} may be null (no preference). */
public record Tenant(String id, Window window) {
    public Tenant {
        Objects.requireNonNull(id, "id");
    }
}

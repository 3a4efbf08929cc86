package dev.ferry.store;

import java.util.function.Supplier;

/** Server-wide settings. Thread-safe. */
public interface SettingsStore {
    /** The secret stored under {@code name}, made by {@code create} and stored the first time it is asked for. */
    byte[] secret(String name, Supplier<byte[]> create);
}

package dev.ferry.store;

import java.sql.SQLException;

/** The database failed (unavailable, or a statement was refused); unchecked so that callers decide where to answer 503. */
public final class StoreException extends RuntimeException {
    public StoreException(SQLException cause) {
        super(cause.getMessage(), cause);
    }

    /** The store could not do it for a reason of its own (stopping, or no answer in time); {@code cause} may be null. */
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}

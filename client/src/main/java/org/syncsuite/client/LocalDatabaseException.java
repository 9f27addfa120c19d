package org.syncsuite.client;

/** A statement on the local database failed: its SQL and SQLite's reason. */
public final class LocalDatabaseException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public LocalDatabaseException(String message, Throwable cause) {
        super(message, cause);
    }
}

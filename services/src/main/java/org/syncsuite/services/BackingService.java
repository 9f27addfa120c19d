package org.syncsuite.services;

import java.util.Map;

/**
 * A real server (database, broker, object store) started on this machine for tests and the
 * local stack. {@link #start()} returns once the server accepts connections; {@link #close()}
 * stops it and leaves no process behind.
 */
public interface BackingService extends AutoCloseable {

    /** A short name for logs and status tables ("mariadb", "kafka", "s3"). */
    String name();

    /** Starts the server and waits until it accepts connections. Calling it twice is an error. */
    void start();

    boolean isRunning();

    /** Where and how to connect, for people: printed by {@code powersync stack start}. */
    Map<String, String> connectionInfo();

    /** Stops the server. Idempotent; never throws for a server that is already gone. */
    @Override
    void close();
}

package org.syncsuite.client;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Copies the write-ahead log back into the database file on its own thread and connection, after
 * each write transaction. SQLite's automatic checkpoint would do it in the committing thread: the
 * copy of every page the transaction wrote, and the file's sync, before the next transaction can
 * start, and for a first sync's publish that is hundreds of megabytes. The writer's connection
 * keeps an automatic checkpoint far above this one's pace, as a backstop should this thread fall
 * behind. A passive checkpoint waits for no reader or writer; while a writer commits without a
 * pause (a large download) the log grows, since only a writer that finds it all copied starts it
 * over, and once it has, the log's file is cut back to {@link #LOG_LIMIT_BYTES}.
 */
final class WalCheckpointer implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(WalCheckpointer.class.getName());
    /** The writer's own automatic checkpoint, in bytes of WAL (SQLite counts it in pages). */
    static final long BACKSTOP_BYTES = 1L << 30;
    /** What the log's file is cut back to once checkpointed. */
    static final long LOG_LIMIT_BYTES = 64L << 20;

    private final Connection connection;
    private final Statement statement;
    private final Object signal = new Object();
    private final Thread thread;
    private boolean pending; // guarded by signal
    private boolean closed; // guarded by signal

    WalCheckpointer(Path file) throws SQLException {
        this.connection = DriverManager.getConnection("jdbc:sqlite:" + file);
        try {
            this.statement = connection.createStatement();
            statement.execute("PRAGMA busy_timeout = 30000");
        } catch (SQLException e) {
            connection.close();
            throw e;
        }
        this.thread = Thread.ofPlatform().daemon().name("powersync-checkpoint").start(this::run);
    }

    /** A write transaction committed: its pages go into the database file soon. */
    void committed() {
        synchronized (signal) {
            pending = true;
            signal.notifyAll();
        }
    }

    private void run() {
        while (true) {
            synchronized (signal) {
                while (!pending && !closed) {
                    try {
                        signal.wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) {
                    return;
                }
                pending = false;
            }
            try {
                statement.execute("PRAGMA wal_checkpoint(PASSIVE)");
            } catch (SQLException e) {
                // the next commit tries again; the writer's backstop bounds the log meanwhile
                LOG.log(Level.FINE, "A checkpoint of the local database failed", e);
            }
        }
    }

    /** Stops the thread (after the checkpoint it may be running) and closes its connection. */
    @Override
    public void close() {
        synchronized (signal) {
            closed = true;
            signal.notifyAll();
        }
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true; // the connection is closed all the same, so that the writer's is the last
            }
        }
        try {
            statement.close();
            connection.close();
        } catch (SQLException e) {
            LOG.log(Level.FINE, "Closing the checkpoint connection failed", e);
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}

package org.syncsuite.gateway.api;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.SyncException;
import org.syncsuite.core.change.SourcePosition;
import org.syncsuite.core.service.ServiceConfig;

/**
 * Reads the source database's current binlog position (GTIDs, file and offset), which a write
 * checkpoint waits for. Requests that arrive while a read runs share the next read, which starts
 * after they arrived, so that each gets a position at or after its own writes; one connection
 * serves them all.
 *
 * <p>Thread-safe.
 */
public final class SourceHead implements AutoCloseable, java.util.function.Supplier<SourcePosition> {

    private final ServiceConfig.SourceConnection source;
    private CompletableFuture<SourcePosition> next; // guarded by this: the batch waiting for the next read
    private boolean reading; // guarded by this
    private Connection connection; // used by one read at a time
    private Boolean mariadb;

    public SourceHead(ServiceConfig.SourceConnection source) {
        this.source = source;
    }

    /** The source's position now (read after this call began). */
    @Override
    public SourcePosition get() {
        CompletableFuture<SourcePosition> mine;
        synchronized (this) {
            if (next == null) {
                next = new CompletableFuture<>();
            }
            mine = next;
            if (!reading) {
                startRead();
            }
        }
        try {
            return mine.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw SyncException.in(e.getCause()).orElseGet(() -> new SyncException(ErrorCode.SOURCE_UNREACHABLE,
                    "The source database cannot be read: " + e.getCause().getMessage(), e.getCause()));
        } catch (TimeoutException e) {
            throw new SyncException(ErrorCode.SOURCE_UNREACHABLE, "The source database did not answer within 30 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SyncException(ErrorCode.SHUTTING_DOWN, "Interrupted while reading the source position", e);
        }
    }

    private void startRead() { // holds the monitor
        CompletableFuture<SourcePosition> batch = next;
        next = null;
        reading = true;
        Thread.ofVirtual().name("source-head").start(() -> {
            try {
                batch.complete(query());
            } catch (SQLException | RuntimeException e) {
                closeConnection();
                batch.completeExceptionally(new SyncException(ErrorCode.SOURCE_UNREACHABLE,
                        "The source database " + source.hostname() + ":" + source.port() + " cannot be read: " + e.getMessage(), e));
            } finally {
                synchronized (this) {
                    reading = false;
                    if (next != null) {
                        startRead();
                    }
                }
            }
        });
    }

    private SourcePosition query() throws SQLException {
        if (connection == null || !connection.isValid(2)) {
            closeConnection();
            connection = DriverManager.getConnection("jdbc:mysql://" + source.hostname() + ":" + source.port() + "/"
                    + source.database() + "?allowPublicKeyRetrieval=true&useSSL=" + source.tls().enabled()
                    + "&connectTimeout=10000&socketTimeout=30000", source.username(), source.password());
        }
        try (Statement statement = connection.createStatement()) {
            if (mariadb == null) {
                try (ResultSet rs = statement.executeQuery("SELECT VERSION()")) {
                    rs.next();
                    mariadb = rs.getString(1).toLowerCase(java.util.Locale.ROOT).contains("mariadb");
                }
            }
            String gtids;
            try (ResultSet rs = statement.executeQuery(mariadb ? "SELECT @@GLOBAL.gtid_binlog_pos" : "SELECT @@GLOBAL.gtid_executed")) {
                rs.next();
                gtids = rs.getString(1) == null ? "" : rs.getString(1).replaceAll("\\s+", "");
            }
            try (ResultSet rs = statement.executeQuery("SHOW MASTER STATUS")) {
                if (!rs.next()) {
                    throw new SyncException(ErrorCode.SOURCE_MISCONFIGURED, "SHOW MASTER STATUS returned nothing: is the binary log on?");
                }
                return SourcePosition.at(gtids, rs.getString(1), rs.getLong(2));
            }
        }
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // already broken
            }
            connection = null;
        }
    }

    @Override
    public synchronized void close() {
        closeConnection();
    }
}

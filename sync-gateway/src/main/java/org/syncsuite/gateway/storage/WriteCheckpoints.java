package org.syncsuite.gateway.storage;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;

/**
 * Write checkpoints (reference §1.13): per user and client, an increasing number and the source
 * position at which it was asked for. A checkpoint whose source position reaches that position
 * acknowledges the number. Each call is its own transaction.
 */
public final class WriteCheckpoints {

    /** The newest write checkpoint of a user and client, and the source position it waits for. */
    public record Pending(long id, String sourcePosition) {
    }

    /** The managed flow ({@code write-checkpoint2.json}): the next number, waiting for {@code position}. */
    public long next(Connection connection, String userId, String clientId, String position) throws SQLException {
        return inTransaction(connection, () -> {
            try (PreparedStatement upsert = connection.prepareStatement("INSERT INTO write_checkpoints "
                    + "(user_id, client_id, write_checkpoint, source_position) VALUES (?, ?, 1, ?) ON DUPLICATE KEY UPDATE "
                    + "write_checkpoint = write_checkpoint + 1, source_position = VALUES(source_position), "
                    + "requested_at = CURRENT_TIMESTAMP(3), processed_at_op = NULL")) {
                bind(upsert, userId, clientId);
                upsert.setString(3, position);
                upsert.executeUpdate();
            }
            return find(connection, userId, clientId).orElseThrow().id();
        });
    }

    /**
     * The client-numbered flow ({@code /sync/checkpoint-request}): a higher number than stored
     * replaces it and waits for {@code position}; the same number only refreshes its retention; a
     * lower one changes nothing. Returns the number stored afterwards.
     */
    public long request(Connection connection, String userId, String clientId, long requested, String position)
            throws SQLException {
        return inTransaction(connection, () -> {
            try (PreparedStatement upsert = connection.prepareStatement("INSERT INTO write_checkpoints "
                    + "(user_id, client_id, write_checkpoint, source_position) VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE "
                    + "source_position = IF(VALUES(write_checkpoint) > write_checkpoint, VALUES(source_position), source_position), "
                    + "processed_at_op = IF(VALUES(write_checkpoint) > write_checkpoint, NULL, processed_at_op), "
                    + "requested_at = IF(VALUES(write_checkpoint) >= write_checkpoint, CURRENT_TIMESTAMP(3), requested_at), "
                    + "write_checkpoint = GREATEST(write_checkpoint, VALUES(write_checkpoint))")) {
                bind(upsert, userId, clientId);
                upsert.setLong(3, requested);
                upsert.setString(4, position);
                upsert.executeUpdate();
            }
            return find(connection, userId, clientId).orElseThrow().id();
        });
    }

    public Optional<Pending> find(Connection connection, String userId, String clientId) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT write_checkpoint, source_position "
                + "FROM write_checkpoints WHERE user_id = ? AND client_id = ?")) {
            bind(select, userId, clientId);
            try (ResultSet rs = select.executeQuery()) {
                return rs.next() ? Optional.of(new Pending(rs.getLong(1), rs.getString(2))) : Optional.empty();
            }
        }
    }

    /** Forgets write checkpoints not asked for within {@code retention}; returns how many. */
    public int expire(Connection connection, Duration retention) throws SQLException {
        return inTransaction(connection, () -> {
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM write_checkpoints "
                    + "WHERE requested_at < CURRENT_TIMESTAMP(3) - INTERVAL ? SECOND")) {
                delete.setLong(1, retention.toSeconds());
                return delete.executeUpdate();
            }
        });
    }

    private static void bind(PreparedStatement statement, String userId, String clientId) throws SQLException {
        statement.setBytes(1, userId.getBytes(StandardCharsets.UTF_8));
        statement.setBytes(2, clientId.getBytes(StandardCharsets.UTF_8));
    }

    private interface Work<T> {
        T run() throws SQLException;
    }

    private static <T> T inTransaction(Connection connection, Work<T> work) throws SQLException {
        boolean auto = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try {
            T result = work.run();
            connection.commit();
            return result;
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(auto);
        }
    }
}

package org.syncsuite.gateway.storage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * The deployed sync config versions and their checkpoints, on the caller's connection and
 * transaction (but {@link #reserveOpIds}, which is a transaction of its own). A new version starts {@code PROCESSING} beside the active one; activating it
 * stops the old one in the same transaction, so exactly one version serves at any moment. A
 * checkpoint is committed with the changes topic offset it was built from, in the transaction
 * that wrote its operations: a writer that restarts resumes from exactly there.
 *
 * <p>Stateless and thread-safe.
 */
public final class SyncConfigVersions {

    /** A version's life cycle. */
    public enum State { PROCESSING, ACTIVE, STOP, TERMINATED, ERRORED }

    /** One version: its id, state, sync config text, and last checkpoint if it has one. */
    public record Version(int id, State state, String content, Optional<Checkpoint> lastCheckpoint) {
    }

    /** A committed checkpoint: its op id, the source position it reflects, and the changes offset to consume next. */
    public record Checkpoint(long opId, String sourcePosition, long changesOffset) {
    }

    /** Where a version came from: the service config's {@code sync_config}, or the admin API. */
    public enum Origin { CONFIG, API }

    /** Stores a new version from the service config, {@code PROCESSING}, and returns its id. */
    public int deploy(Connection connection, String content) throws SQLException {
        return deploy(connection, content, Origin.CONFIG);
    }

    /** Stores a new version, {@code PROCESSING}, and returns its id. */
    public int deploy(Connection connection, String content, Origin origin) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO sync_config_versions (state, content, deployed_from) VALUES ('PROCESSING', ?, ?)",
                Statement.RETURN_GENERATED_KEYS)) {
            insert.setString(1, content);
            insert.setString(2, origin.name().toLowerCase(java.util.Locale.ROOT));
            insert.executeUpdate();
            try (ResultSet keys = insert.getGeneratedKeys()) {
                keys.next();
                return keys.getInt(1);
            }
        }
    }

    /**
     * Makes {@code id} the active version and stops the one it replaces, in one step.
     *
     * @throws IllegalStateException when {@code id} is not a processing (or already active) version
     */
    public void activate(Connection connection, int id) throws SQLException {
        Version version = find(connection, id, true).orElseThrow(() -> new IllegalStateException("No sync config version " + id));
        if (version.state() == State.ACTIVE) {
            return;
        }
        if (version.state() != State.PROCESSING) {
            throw new IllegalStateException("Version " + id + " is " + version.state() + ": only a processing version becomes active");
        }
        try (PreparedStatement stop = connection.prepareStatement(
                "UPDATE sync_config_versions SET state = 'STOP' WHERE state IN ('ACTIVE', 'ERRORED') AND id <> ?");
             PreparedStatement activate = connection.prepareStatement(
                     "UPDATE sync_config_versions SET state = 'ACTIVE', activated_at = CURRENT_TIMESTAMP(3) WHERE id = ?")) {
            stop.setInt(1, id);
            stop.executeUpdate();
            activate.setInt(1, id);
            activate.executeUpdate();
        }
    }

    /** The text of the last version deployed from {@code origin}, whatever its state now. */
    public Optional<String> lastContentFrom(Connection connection, Origin origin) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT content FROM sync_config_versions WHERE deployed_from = ? ORDER BY id DESC LIMIT 1")) {
            select.setString(1, origin.name().toLowerCase(java.util.Locale.ROOT));
            try (ResultSet rs = select.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        }
    }

    /** The version that serves clients now, if any. */
    public Optional<Version> active(Connection connection) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT id FROM sync_config_versions WHERE state IN ('ACTIVE', 'ERRORED') ORDER BY id DESC LIMIT 1");
             ResultSet rs = select.executeQuery()) {
            return rs.next() ? find(connection, rs.getInt(1), false) : Optional.empty();
        }
    }

    /** Version {@code id}; {@code lock} takes its row lock for the rest of the transaction. */
    public Optional<Version> find(Connection connection, int id, boolean lock) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT state, content, last_checkpoint, "
                + "last_checkpoint_position, changes_offset FROM sync_config_versions WHERE id = ?" + (lock ? " FOR UPDATE" : ""))) {
            select.setInt(1, id);
            try (ResultSet rs = select.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                long opId = rs.getLong(3);
                Optional<Checkpoint> checkpoint = rs.wasNull() ? Optional.empty()
                        : Optional.of(new Checkpoint(opId, rs.getString(4), rs.getLong(5)));
                return Optional.of(new Version(id, State.valueOf(rs.getString(1)), rs.getString(2), checkpoint));
            }
        }
    }

    /**
     * A version's writer progress, read under the version's row lock: what a writer checks before
     * it commits, so that a writer that lost its place (another took over, or the version was
     * stopped) commits nothing. {@code reserved} is the range of op ids its writer took ahead
     * ({@link #reserveOpIds}).
     */
    public record Progress(State state, long changesOffset, long writtenOp, long lastCheckpoint, boolean snapshotDone,
                           OpIdRange reserved) {
    }

    /** Op ids {@code from} to {@code until}, both included, that a version's writer took ahead; {@link #NONE} when none. */
    public record OpIdRange(long from, long until) {

        public static final OpIdRange NONE = new OpIdRange(0, 0);

        public boolean contains(long opId) {
            return from > 0 && opId >= from && opId <= until;
        }
    }

    /**
     * Takes the op id sequence's row lock for the rest of the transaction. Writers' commits and
     * deployments take it before any version's row, so that one version's activation (which stops
     * another) never waits in a cycle with that other version's writer.
     */
    public void lockSequence(Connection connection) throws SQLException {
        try (PreparedStatement lock = connection.prepareStatement("SELECT last_op_id FROM op_id_sequence WHERE id = 1 FOR UPDATE")) {
            lock.executeQuery().close();
        }
    }

    /** Version {@code id}'s progress, locked for the rest of the transaction. */
    public Progress lockProgress(Connection connection, int id) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement("SELECT state, changes_offset, written_op, last_checkpoint, "
                + "snapshot_done, op_ids_reserved_from, op_ids_reserved_until FROM sync_config_versions WHERE id = ? FOR UPDATE")) {
            select.setInt(1, id);
            try (ResultSet rs = select.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalStateException("No sync config version " + id);
                }
                long from = rs.getLong(6);
                OpIdRange reserved = rs.wasNull() ? OpIdRange.NONE : new OpIdRange(from, rs.getLong(7));
                return new Progress(State.valueOf(rs.getString(1)), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getBoolean(5),
                        reserved);
            }
        }
    }

    /**
     * Takes {@code count} op ids from the sequence for version {@code id}'s writer and records them
     * as the version's reserved range, in one transaction of its own on {@code connection}
     * (committed or rolled back here, unlike this class's other methods). Ids that follow straight
     * on from {@code expected} extend it. The record is replaced only if it still is
     * {@code expected} and the version is still written (processing, active or errored); otherwise
     * the answer is empty and nothing is taken. A writer that was replaced finds the record changed
     * once its successor has reserved ids; until then the offset check at each commit fences it.
     */
    public Optional<OpIdRange> reserveOpIds(Connection connection, int id, OpIdRange expected, int count)
            throws SQLException {
        try {
            lockSequence(connection); // the sequence before the version's row, as every writer commit takes them
            long first = new BucketStore().allocateOpIds(connection, count);
            OpIdRange range = new OpIdRange(expected.from() > 0 && first == expected.until() + 1 ? expected.from() : first,
                    first + count - 1);
            try (PreparedStatement update = connection.prepareStatement("UPDATE sync_config_versions SET op_ids_reserved_from = ?, "
                    + "op_ids_reserved_until = ? WHERE id = ? AND COALESCE(op_ids_reserved_from, 0) = ? "
                    + "AND COALESCE(op_ids_reserved_until, 0) = ? AND state IN ('PROCESSING', 'ACTIVE', 'ERRORED')")) {
                update.setLong(1, range.from());
                update.setLong(2, range.until());
                update.setInt(3, id);
                update.setLong(4, expected.from());
                update.setLong(5, expected.until());
                if (update.executeUpdate() != 1) {
                    connection.rollback();
                    return Optional.empty();
                }
            }
            connection.commit();
            return Optional.of(range);
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        }
    }

    /**
     * Records a writer's progress in the caller's transaction: the changes offset to consume next,
     * the last op id written and the source position reached. With {@code checkpoint}, the
     * position is a source transaction boundary and every op up to {@code writtenOp} becomes
     * checkpoint {@code writtenOp} (which may equal the last one: the position still advances,
     * which is what acknowledges write checkpoints).
     */
    public void recordProgress(Connection connection, int id, long changesOffset, long writtenOp, String position,
                               boolean checkpoint) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement("UPDATE sync_config_versions SET changes_offset = ?, "
                + "written_op = ?, written_position = ? WHERE id = ?")) {
            update.setLong(1, changesOffset);
            update.setLong(2, writtenOp);
            update.setString(3, position);
            update.setInt(4, id);
            update.executeUpdate();
        }
        if (!checkpoint) {
            return;
        }
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO checkpoints "
                + "(group_id, op_id, source_position, changes_offset) VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE "
                + "source_position = VALUES(source_position), changes_offset = VALUES(changes_offset), "
                + "created_at = CURRENT_TIMESTAMP(3)");
             PreparedStatement update = connection.prepareStatement("UPDATE sync_config_versions SET last_checkpoint = ?, "
                     + "last_checkpoint_position = ?, last_checkpoint_at = CURRENT_TIMESTAMP(3), snapshot_done = TRUE "
                     + "WHERE id = ?")) {
            insert.setInt(1, id);
            insert.setLong(2, writtenOp);
            insert.setString(3, position);
            insert.setLong(4, changesOffset);
            insert.executeUpdate();
            update.setLong(1, writtenOp);
            update.setString(2, position);
            update.setInt(3, id);
            update.executeUpdate();
        }
    }

    /** The versions in {@code states}, oldest first. */
    public List<Version> inStates(Connection connection, State... states) throws SQLException {
        List<Integer> ids = new ArrayList<>();
        String marks = String.join(", ", Collections.nCopies(states.length, "?"));
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT id FROM sync_config_versions WHERE state IN (" + marks + ") ORDER BY id")) {
            for (int i = 0; i < states.length; i++) {
                select.setString(i + 1, states[i].name());
            }
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getInt(1));
                }
            }
        }
        List<Version> versions = new ArrayList<>();
        for (int id : ids) {
            find(connection, id, false).ifPresent(versions::add);
        }
        return versions;
    }

    /** Sets version {@code id}'s state (STOP, TERMINATED, ERRORED) with an optional error text. */
    public void setState(Connection connection, int id, State state, String error) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE sync_config_versions SET state = ?, last_fatal_error = COALESCE(?, last_fatal_error) WHERE id = ?")) {
            update.setString(1, state.name());
            update.setString(2, error);
            update.setInt(3, id);
            update.executeUpdate();
        }
    }

    /**
     * Deletes up to {@code limit} rows of version {@code id}'s data, table by table, and returns
     * how many went: call it until it returns 0. Each call is one short statement per table, so a
     * large version is dropped without one long transaction.
     */
    public int dropData(Connection connection, int id, int limit) throws SQLException {
        int deleted = 0;
        for (String table : List.of("bucket_ops", "bucket_state", "current_data", "parameter_index", "checkpoints")) {
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM " + table + " WHERE group_id = ? LIMIT ?")) {
                delete.setInt(1, id);
                delete.setInt(2, limit - deleted);
                deleted += delete.executeUpdate();
            }
            if (deleted >= limit) {
                break;
            }
        }
        return deleted;
    }
}

package org.syncsuite.replicator;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.SqliteValue;
import org.syncsuite.core.SyncException;
import org.syncsuite.core.change.SnapshotProgress;
import org.syncsuite.core.change.SourcePosition;

/**
 * Streaming after a snapshot that was continued in later read views: streaming starts at the
 * first view's position, but a row read in a later view already holds every change committed
 * before that view, so those changes are not written again. Past the last view's position every
 * change passes.
 *
 * <p>Which view read a row follows from where the snapshot stood at each restart: tables are
 * read in name order and rows in primary-key order, so a row read after that point was read in
 * that restart's view (or a later one). Keys compare as the source orders them: numbers by value,
 * byte strings by bytes, text in its column's collation, asked of the source.
 *
 * <p>Confined to the binlog reader's thread, which closes it when it is done.
 */
final class SnapshotCatchUp {

    private final List<SnapshotProgress.Restart> restarts;
    private final SourcePosition lastView;
    private final Map<String, TableSchema> schemas;
    private final Supplier<Connection> jdbc;
    private final Map<String, String[]> collations = new HashMap<>();
    private final java.util.Set<String> truncated = new java.util.HashSet<>();
    private Connection connection;

    private SnapshotCatchUp(List<SnapshotProgress.Restart> restarts, Map<String, TableSchema> schemas, Supplier<Connection> jdbc) {
        this.restarts = restarts;
        this.lastView = restarts.getLast().view();
        this.schemas = schemas;
        this.jdbc = jdbc;
    }

    /** The catch-up a snapshot's progress calls for, streaming from {@code from}; none once past its last view. */
    static Optional<SnapshotCatchUp> of(Optional<SnapshotProgress> progress, SourcePosition from,
                                        Map<String, TableSchema> schemas, Supplier<Connection> jdbc) {
        return progress.map(SnapshotProgress::restarts).filter(r -> !r.isEmpty())
                .filter(r -> compare(from.file(), from.offset(), r.getLast().view()) < 0)
                .map(r -> new SnapshotCatchUp(r, schemas, jdbc));
    }

    /** Whether changes at this position (the end of a binlog event) may still be held by a snapshot read. */
    boolean covers(String file, long position) {
        return compare(file, position, lastView) <= 0;
    }

    /**
     * Whether the change to {@code key} of {@code table}, in a transaction committed at or before
     * {@code file}/{@code position}, is already in the row as the snapshot read it.
     */
    boolean alreadyRead(String table, Map<String, SqliteValue> key, String file, long position) {
        if (truncated.contains(table)) {
            return false;
        }
        for (SnapshotProgress.Restart restart : restarts.reversed()) {
            if (after(restart, table, key)) {
                return compare(file, position, restart.view()) <= 0;
            }
        }
        return false; // read in the first view, whose position streaming starts from
    }

    /**
     * The table was truncated or dropped within the catch-up: from here its changes all pass, as
     * the truncation does (rows a later view read may then arrive twice; none is lost).
     */
    void truncated(String table) {
        truncated.add(table);
    }

    /** Releases the connection used to compare text keys. */
    void close() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                // closing anyway
            }
            connection = null;
        }
    }

    /** Whether the row comes after where the snapshot stood at {@code restart}. */
    private boolean after(SnapshotProgress.Restart restart, String table, Map<String, SqliteValue> key) {
        if (restart.doneTables().contains(table)) {
            return false;
        }
        if (restart.table().isEmpty() || !restart.table().get().equals(table)) {
            return true;
        }
        return restart.lastKey().map(last -> compareKeys(table, key, last) > 0).orElse(true);
    }

    private int compareKeys(String table, Map<String, SqliteValue> key, Map<String, SqliteValue> last) {
        TableSchema schema = schemas.get(table);
        for (String column : last.keySet()) {
            SqliteValue a = key.getOrDefault(column, SqliteValue.NULL);
            SqliteValue b = last.get(column);
            TableSchema.Column definition = schema == null ? null
                    : schema.columns().stream().filter(c -> c.name().equals(column)).findFirst().orElse(null);
            int order = compareValues(table, column, definition, a, b);
            if (order != 0) {
                return order;
            }
        }
        return 0;
    }

    private int compareValues(String table, String column, TableSchema.Column definition, SqliteValue a, SqliteValue b) {
        if (a instanceof SqliteValue.Blob x && b instanceof SqliteValue.Blob y) {
            return java.util.Arrays.compareUnsigned(x.value(), y.value());
        }
        // Text columns first: '10' < '2' there, whatever the digits look like.
        if (definition != null && definition.type().charset().isPresent() && !definition.type().isBinaryString()) {
            return collate(table, column, text(a), text(b));
        }
        BigDecimal x = number(a);
        BigDecimal y = number(b);
        if (x != null && y != null) {
            return x.compareTo(y);
        }
        return text(a).compareTo(text(b)); // dates and times: their ISO text sorts as they do
    }

    private static BigDecimal number(SqliteValue value) {
        return switch (value) {
            case SqliteValue.Integer i -> BigDecimal.valueOf(i.value());
            case SqliteValue.Real r -> new BigDecimal(r.value());
            case SqliteValue.Text t when t.value().matches("-?\\d+(\\.\\d+)?") -> new BigDecimal(t.value());
            default -> null;
        };
    }

    private static String text(SqliteValue value) {
        return switch (value) {
            case SqliteValue.Text t -> t.value();
            case SqliteValue.Null n -> "";
            default -> value.toString();
        };
    }

    /** Compares two strings in the column's collation, as the source ordered the snapshot's chunks. */
    private int collate(String table, String column, String left, String right) {
        try {
            if (connection == null) {
                connection = jdbc.get();
            }
            String[] collation = collations.get(table + "." + column);
            if (collation == null) {
                try (PreparedStatement statement = connection.prepareStatement("SELECT CHARACTER_SET_NAME, COLLATION_NAME "
                        + "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = ?")) {
                    statement.setString(1, table);
                    statement.setString(2, column);
                    try (ResultSet rs = statement.executeQuery()) {
                        collation = rs.next() ? new String[] {rs.getString(1), rs.getString(2)} : new String[] {"utf8mb4", "utf8mb4_bin"};
                    }
                }
                collations.put(table + "." + column, collation);
            }
            String cast = "CONVERT(? USING " + identifier(collation[0]) + ") COLLATE " + identifier(collation[1]);
            try (PreparedStatement statement = connection.prepareStatement("SELECT STRCMP(" + cast + ", " + cast + ")")) {
                statement.setString(1, left);
                statement.setString(2, right);
                try (ResultSet rs = statement.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }
        } catch (SQLException e) {
            close();
            throw new SyncException(ErrorCode.SOURCE_UNREACHABLE, "Could not compare keys of " + table + " on the source: "
                    + e.getMessage(), e);
        }
    }

    private static String identifier(String name) {
        if (!name.matches("\\w+")) {
            throw new SyncException(ErrorCode.SOURCE_MISCONFIGURED, "Unexpected character set or collation name: " + name);
        }
        return name;
    }

    /** Binlog positions of one source: file names sort by their sequence number, then offsets. */
    static int compare(String file, long offset, SourcePosition position) {
        int byFile = file.compareTo(position.file());
        return byFile != 0 ? byFile : Long.compare(offset, position.offset());
    }
}

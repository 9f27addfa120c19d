package org.syncsuite.core.change;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.syncsuite.core.SqliteValue;

/**
 * One record of the changes topic, decoded. The topic holds row changes, a position marker
 * closing each Kafka transaction, schema changes, truncations, and tombstones after deletes.
 */
public sealed interface ChangeRecord {

    /** What happened to a row: created, updated, deleted, or read by the snapshot. */
    enum Op {
        CREATE("c"), UPDATE("u"), DELETE("d"), READ("r");

        private final String code;

        Op(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }

        public static Op ofCode(String code) {
            for (Op op : values()) {
                if (op.code.equals(code)) {
                    return op;
                }
            }
            throw new IllegalArgumentException("Unknown op " + code);
        }
    }

    /** Where an event came from in the source. {@code snapshot} is true for rows read by the initial snapshot. */
    record Source(String connector, String connection, String database, String table, Optional<String> gtid,
                  String file, long offset, int row, long serverId, long timestampMillis, boolean snapshot) {
    }

    /**
     * A row change. {@code key} holds the primary key columns in key order; {@code before} and
     * {@code after} hold all columns as SQLite values in table order (before is empty for
     * creates and reads, after for deletes).
     */
    record RowChange(Op op, String database, String table, Map<String, SqliteValue> key,
                     Optional<Map<String, SqliteValue>> before, Optional<Map<String, SqliteValue>> after, Source source,
                     long timestampMillis) implements ChangeRecord {
    }

    /**
     * The end of a Kafka transaction: every event before it is committed up to {@code position}.
     * While the initial snapshot runs, {@code position} is where streaming will start once it is
     * done, and {@code snapshot} says how far it got.
     */
    record PositionMarker(String connection, SourcePosition position, Optional<SnapshotProgress> snapshot,
                          long timestampMillis) implements ChangeRecord {

        public PositionMarker(String connection, SourcePosition position, long timestampMillis) {
            this(connection, position, Optional.empty(), timestampMillis);
        }
    }

    /** A table's columns changed (or the table appeared); {@code ddl} is the statement when known. */
    record SchemaChange(String database, String table, List<String> columns, List<String> keyColumns,
                        Optional<String> ddl, long timestampMillis) implements ChangeRecord {
        public SchemaChange {
            columns = List.copyOf(columns);
            keyColumns = List.copyOf(keyColumns);
        }
    }

    /** Every row of a table was removed ({@code TRUNCATE}, or {@code DROP TABLE}). */
    record Truncate(String database, String table, boolean dropped, long timestampMillis) implements ChangeRecord {
    }

    /** A null value after a delete, so compaction can forget the row. */
    record Tombstone(String database, String table, Map<String, SqliteValue> key) implements ChangeRecord {
    }
}

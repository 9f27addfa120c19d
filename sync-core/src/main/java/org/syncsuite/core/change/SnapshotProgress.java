package org.syncsuite.core.change;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.syncsuite.core.SqliteValue;

/**
 * How far the initial snapshot got: the tables read completely, and in the table being read, the
 * key of the last row written. A restarted replicator continues after that row.
 */
public record SnapshotProgress(List<String> doneTables, Optional<String> table,
                               Optional<Map<String, SqliteValue>> lastKey, boolean complete) {

    public SnapshotProgress {
        doneTables = List.copyOf(doneTables);
    }

    public static SnapshotProgress started() {
        return new SnapshotProgress(List.of(), Optional.empty(), Optional.empty(), false);
    }
}

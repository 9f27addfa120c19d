package org.syncsuite.core.change;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.syncsuite.core.SqliteValue;

/**
 * How far the initial snapshot got: the tables read completely, and in the table being read, the
 * key of the last row written. A restarted replicator continues after that row, in a new read
 * view: each such restart is kept, with where the snapshot stood and the binlog position of the
 * new view, so that streaming from the snapshot's first position can tell which changes the rows
 * read later already hold.
 */
public record SnapshotProgress(List<String> doneTables, Optional<String> table,
                               Optional<Map<String, SqliteValue>> lastKey, boolean complete, List<Restart> restarts) {

    /**
     * The snapshot continued in a new read view at {@code view}: rows after the point it stood at
     * ({@code doneTables}, {@code table}, {@code lastKey}) were read there.
     */
    public record Restart(SourcePosition view, List<String> doneTables, Optional<String> table,
                          Optional<Map<String, SqliteValue>> lastKey) {

        public Restart {
            doneTables = List.copyOf(doneTables);
        }
    }

    public SnapshotProgress {
        doneTables = List.copyOf(doneTables);
        restarts = List.copyOf(restarts);
    }

    public SnapshotProgress(List<String> doneTables, Optional<String> table, Optional<Map<String, SqliteValue>> lastKey,
                            boolean complete) {
        this(doneTables, table, lastKey, complete, List.of());
    }

    public static SnapshotProgress started() {
        return new SnapshotProgress(List.of(), Optional.empty(), Optional.empty(), false);
    }

    /** This progress, continued in a new read view at {@code view}. */
    public SnapshotProgress restartedAt(SourcePosition view) {
        List<Restart> all = new java.util.ArrayList<>(restarts);
        all.add(new Restart(view, doneTables, table, lastKey));
        return new SnapshotProgress(doneTables, table, lastKey, complete, all);
    }
}

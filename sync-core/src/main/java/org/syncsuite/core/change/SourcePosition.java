package org.syncsuite.core.change;

import java.util.Objects;

/**
 * Where replication stands in the source's binary log: the executed GTID set, and the binlog
 * file and offset of the next event to read, with how many events and rows of that event to skip
 * (a crash can land inside a multi-row event). Resuming from it repeats nothing and loses nothing.
 */
public record SourcePosition(String gtidSet, String file, long offset, long eventsToSkip, long rowsToSkip) {

    public SourcePosition {
        Objects.requireNonNull(gtidSet, "gtidSet");
        Objects.requireNonNull(file, "file");
        if (offset < 0 || eventsToSkip < 0 || rowsToSkip < 0) {
            throw new IllegalArgumentException("positions and skip counts are never negative");
        }
    }

    public static SourcePosition at(String gtidSet, String file, long offset) {
        return new SourcePosition(gtidSet, file, offset, 0, 0);
    }
}

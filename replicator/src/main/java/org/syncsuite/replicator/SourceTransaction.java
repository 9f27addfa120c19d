package org.syncsuite.replicator;

import java.util.List;

import org.syncsuite.core.change.ChangeRecord;
import org.syncsuite.core.change.SourcePosition;

/**
 * The changes of one source transaction (possibly none, when only the position moved), and the
 * position right after it. {@code bytes} estimates its size for the queue's bound.
 */
record SourceTransaction(List<ChangeRecord> records, SourcePosition end, long bytes) {

    SourceTransaction {
        records = List.copyOf(records);
    }
}

package org.syncsuite.replicator;

import java.util.Collections;
import java.util.List;

import org.syncsuite.core.change.SourcePosition;

/**
 * The changes of one source transaction (possibly none, when only the position moved), already
 * encoded, and the position right after it. {@code bytes} is their size, for the queue's bound;
 * {@code sourceCommitMillis} when the source committed it (epoch milliseconds, 0 if unknown).
 * {@code heartbeat}: no transaction at all, but an idle source's heartbeat that confirms the position.
 */
record SourceTransaction(List<ChangesTopic.Encoded> records, SourcePosition end, long bytes, long sourceCommitMillis,
                         boolean heartbeat) {

    /** {@code records} is handed over: the caller no longer changes it. */
    SourceTransaction {
        records = Collections.unmodifiableList(records);
    }

    SourceTransaction(List<ChangesTopic.Encoded> records, SourcePosition end, long bytes) {
        this(records, end, bytes, 0, false);
    }
}

package org.syncsuite.replicator;

import java.time.Duration;

import org.syncsuite.core.SyncException;
import org.syncsuite.core.change.SourcePosition;

/**
 * What a replicator reports as it works, for metrics and health. Calls come from the
 * replicator's writer thread; implementations must be thread-safe and quick.
 */
public interface ReplicationListener {

    /**
     * A Kafka transaction committed: a run of streamed source transactions, or a snapshot chunk.
     *
     * @param sourceTransactions source transactions it held (0 for a snapshot chunk)
     * @param changes change records it held (rows, tombstones, schema events)
     * @param kafkaTime from the first send to the end of the commit
     * @param position the source position it ends at
     * @param sourceCommitMillis when the source committed the newest of those transactions
     *                           (epoch milliseconds; 0 when the source gave no time)
     */
    default void committed(int sourceTransactions, int changes, Duration kafkaTime, SourcePosition position,
                           long sourceCommitMillis) {
    }

    /** The snapshot is about to read {@code table}, which holds about {@code expectedRows} rows. */
    default void snapshotTableStarted(String table, long expectedRows) {
    }

    /** A snapshot chunk of {@code table} committed; {@code rowsRead} counts the table's rows so far. */
    default void snapshotChunk(String table, long rowsRead, boolean tableDone) {
    }

    /** The snapshot finished (or, on a resumed replicator, had finished before). */
    default void snapshotComplete() {
    }

    /** Replication was interrupted by a transient failure and resumes after a pause. */
    default void retrying(SyncException cause) {
    }

    /** Fans each call out to several listeners. */
    static ReplicationListener of(ReplicationListener... listeners) {
        return new ReplicationListener() {
            @Override
            public void committed(int sourceTransactions, int changes, Duration kafkaTime, SourcePosition position,
                                  long sourceCommitMillis) {
                for (ReplicationListener listener : listeners) {
                    listener.committed(sourceTransactions, changes, kafkaTime, position, sourceCommitMillis);
                }
            }

            @Override
            public void snapshotTableStarted(String table, long expectedRows) {
                for (ReplicationListener listener : listeners) {
                    listener.snapshotTableStarted(table, expectedRows);
                }
            }

            @Override
            public void snapshotChunk(String table, long rowsRead, boolean tableDone) {
                for (ReplicationListener listener : listeners) {
                    listener.snapshotChunk(table, rowsRead, tableDone);
                }
            }

            @Override
            public void snapshotComplete() {
                for (ReplicationListener listener : listeners) {
                    listener.snapshotComplete();
                }
            }

            @Override
            public void retrying(SyncException cause) {
                for (ReplicationListener listener : listeners) {
                    listener.retrying(cause);
                }
            }
        };
    }
}

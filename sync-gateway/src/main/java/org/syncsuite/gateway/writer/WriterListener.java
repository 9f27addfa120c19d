package org.syncsuite.gateway.writer;

/**
 * What a writer reports, for logs, metrics and health. Called on the writer's threads: its
 * storage lanes call {@link #beforeCommit} and {@link #committed}, one batch at a time in commit
 * order. The defaults do nothing.
 */
public interface WriterListener {

    /** A batch was committed: {@code rows} row changes became {@code ops} operations and index entries. */
    default void committed(int versionId, Commit commit) {
    }

    /** A row (or a record) was skipped: the config could not evaluate it, or it could not be read. */
    default void rowSkipped(int versionId, String table, String key, String error) {
    }

    /** A failure the writer retries after a pause (storage or Kafka unreachable). */
    default void retrying(int versionId, Exception cause) {
    }

    /** Called after a batch's operations are written and before its transaction commits (a fault-injection point). */
    default void beforeCommit(int versionId, Commit commit) {
    }

    /**
     * A committed batch. {@code checkpoint} is empty when the batch ended inside a source
     * transaction (or before the snapshot was done); {@code latencyMillis} is from the source
     * commit of its last transaction to this commit; {@code lag} is the records left in the topic.
     */
    record Commit(int rows, int ops, long firstOp, long lastOp, java.util.OptionalLong checkpoint, long changesOffset,
                  long latencyMillis, long lag, boolean activated) {
    }
}

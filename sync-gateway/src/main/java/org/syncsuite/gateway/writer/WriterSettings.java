package org.syncsuite.gateway.writer;

import java.time.Duration;

/**
 * How a writer batches. A batch is committed at a source transaction boundary once it holds
 * {@code batchOps} operations, once it is {@code linger} old, or when the topic has nothing more
 * to give right now; a batch that reaches {@code maxBatchOps} inside one long source transaction
 * (or a replay of a compacted topic, whose boundaries are mostly gone) is committed where it is,
 * without a checkpoint. A version that is processing becomes active at a checkpoint once its
 * consumer is within {@code caughtUpLag} records of the topic's end.
 */
public record WriterSettings(int batchOps, int maxBatchOps, Duration linger, int maxPollRecords, Duration pollTimeout,
                             long caughtUpLag, Duration retryBackoff) {

    public static final WriterSettings DEFAULTS = new WriterSettings(30_000, 100_000, Duration.ofMillis(200), 20_000,
            Duration.ofMillis(200), 1_000, Duration.ofSeconds(1));

    public WriterSettings {
        if (batchOps < 1 || maxBatchOps < batchOps || maxPollRecords < 1 || caughtUpLag < 0) {
            throw new IllegalArgumentException("Inconsistent writer settings");
        }
    }

    public WriterSettings withCaughtUpLag(long caughtUpLag) {
        return new WriterSettings(batchOps, maxBatchOps, linger, maxPollRecords, pollTimeout, caughtUpLag, retryBackoff);
    }

    public WriterSettings withBatchOps(int batchOps, int maxBatchOps) {
        return new WriterSettings(batchOps, maxBatchOps, linger, maxPollRecords, pollTimeout, caughtUpLag, retryBackoff);
    }
}

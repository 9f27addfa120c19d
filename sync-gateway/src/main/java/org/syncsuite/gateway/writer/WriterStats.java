package org.syncsuite.gateway.writer;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Running totals of the writer role, for metrics and health: rows and operations written, their
 * rate over the last ten seconds, rows skipped, checkpoints and the latency of the last one, and
 * retries. Thread-safe.
 */
public final class WriterStats implements WriterListener {

    private static final int WINDOW_SECONDS = 10;

    private final AtomicLong rows = new AtomicLong();
    private final AtomicLong ops = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private final AtomicLong checkpoints = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    private final AtomicLong[] opsPerSecond = new AtomicLong[WINDOW_SECONDS + 1];
    private final AtomicLong[] slotSecond = new AtomicLong[WINDOW_SECONDS + 1];
    private volatile long checkpointLatencyMillis;
    private volatile Exception lastFailure;

    public WriterStats() {
        for (int i = 0; i < opsPerSecond.length; i++) {
            opsPerSecond[i] = new AtomicLong();
            slotSecond[i] = new AtomicLong(-1);
        }
    }

    @Override
    public void committed(int versionId, Commit commit) {
        rows.addAndGet(commit.rows());
        ops.addAndGet(commit.ops());
        long second = System.currentTimeMillis() / 1000;
        int slot = (int) (second % opsPerSecond.length);
        if (slotSecond[slot].getAndSet(second) != second) {
            opsPerSecond[slot].set(0);
        }
        opsPerSecond[slot].addAndGet(commit.ops());
        lastFailure = null;
        if (commit.checkpoint().isPresent()) {
            checkpoints.incrementAndGet();
            checkpointLatencyMillis = commit.latencyMillis();
        }
    }

    @Override
    public void rowSkipped(int versionId, String table, String key, String error) {
        skipped.incrementAndGet();
    }

    @Override
    public void retrying(int versionId, Exception cause) {
        retries.incrementAndGet();
        lastFailure = cause;
    }

    public long rows() {
        return rows.get();
    }

    public long ops() {
        return ops.get();
    }

    /** Operations written per second over the last ten whole seconds. */
    public double opsPerSecond() {
        long now = System.currentTimeMillis() / 1000;
        long sum = 0;
        for (int i = 0; i < opsPerSecond.length; i++) {
            long second = slotSecond[i].get();
            if (second < now && second >= now - WINDOW_SECONDS) {
                sum += opsPerSecond[i].get();
            }
        }
        return sum / (double) WINDOW_SECONDS;
    }

    public long skippedRows() {
        return skipped.get();
    }

    public long checkpoints() {
        return checkpoints.get();
    }

    public long retries() {
        return retries.get();
    }

    /** From the source commit of the last checkpoint's last transaction to its storage commit. */
    public long checkpointLatencyMillis() {
        return checkpointLatencyMillis;
    }

    /** The failure being retried, until the next commit succeeds. */
    public java.util.Optional<Exception> lastFailure() {
        return java.util.Optional.ofNullable(lastFailure);
    }

}

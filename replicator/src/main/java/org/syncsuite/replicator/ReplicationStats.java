package org.syncsuite.replicator;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import org.syncsuite.core.SyncException;
import org.syncsuite.core.change.SourcePosition;

/**
 * Running figures of one process's replication, kept across the replicators it runs (one per
 * activation): changes committed and their rate over the last ten seconds, replication lag, the
 * last committed position, Kafka transaction times and the snapshot's progress per table.
 *
 * <p>Thread-safe: the writer thread reports, metrics and health read from any thread.
 */
public final class ReplicationStats implements ReplicationListener {

    private static final int WINDOW_SECONDS = 10;

    /** Progress of one table's snapshot. */
    public record TableProgress(long expectedRows, long rowsRead, boolean done) {
    }

    private final LongSupplier clock;
    private final AtomicLong changes = new AtomicLong();
    private final AtomicLong transactions = new AtomicLong();
    private final AtomicLong kafkaTransactions = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    private final AtomicLong kafkaNanos = new AtomicLong();
    private final AtomicLong kafkaMaxNanos = new AtomicLong();
    private final Map<String, TableProgress> snapshot = new ConcurrentHashMap<>();
    // @GuardedBy("this")
    private final long[] slotSecond = new long[WINDOW_SECONDS + 1];
    // @GuardedBy("this")
    private final long[] slotChanges = new long[WINDOW_SECONDS + 1];
    private volatile SourcePosition position;
    private volatile long lagMillis;
    private volatile long lastCommitMillis;
    private volatile boolean snapshotComplete;

    public ReplicationStats() {
        this(System::currentTimeMillis);
    }

    /** {@code clock}: epoch milliseconds, for tests. */
    public ReplicationStats(LongSupplier clock) {
        this.clock = clock;
    }

    @Override
    public void committed(int sourceTransactions, int changeCount, Duration kafkaTime, SourcePosition end,
                          long sourceCommitMillis) {
        long now = clock.getAsLong();
        changes.addAndGet(changeCount);
        transactions.addAndGet(sourceTransactions);
        long nanos = kafkaTime.toNanos();
        kafkaTransactions.incrementAndGet();
        kafkaNanos.addAndGet(nanos);
        kafkaMaxNanos.accumulateAndGet(nanos, Math::max);
        position = end;
        lastCommitMillis = now;
        // No source time (a heartbeat, or a transaction that only moved the position): caught up.
        lagMillis = sourceCommitMillis > 0 ? Math.max(0, now - sourceCommitMillis) : 0;
        countInWindow(now / 1000, changeCount);
    }

    @Override
    public void snapshotTableStarted(String table, long expectedRows) {
        snapshot.put(table, new TableProgress(expectedRows, 0, false));
    }

    @Override
    public void snapshotChunk(String table, long rowsRead, boolean tableDone) {
        snapshot.merge(table, new TableProgress(0, rowsRead, tableDone),
                (old, update) -> new TableProgress(old.expectedRows(), rowsRead, tableDone));
    }

    @Override
    public void snapshotComplete() {
        snapshotComplete = true;
    }

    @Override
    public void retrying(SyncException cause) {
        retries.incrementAndGet();
    }

    private synchronized void countInWindow(long second, long count) {
        int slot = (int) (second % slotSecond.length);
        if (slotSecond[slot] != second) {
            slotSecond[slot] = second;
            slotChanges[slot] = 0;
        }
        slotChanges[slot] += count;
    }

    /** Changes committed per second, averaged over the last ten whole seconds. */
    public synchronized double changesPerSecond() {
        long now = clock.getAsLong() / 1000;
        long sum = 0;
        for (int i = 0; i < slotSecond.length; i++) {
            if (slotSecond[i] < now && slotSecond[i] >= now - WINDOW_SECONDS) {
                sum += slotChanges[i];
            }
        }
        return sum / (double) WINDOW_SECONDS;
    }

    /** Times replication was interrupted by a transient failure (a lost connection) and resumed. */
    public long retries() {
        return retries.get();
    }

    /** Change records committed to Kafka since this process started. */
    public long changes() {
        return changes.get();
    }

    /** Source transactions committed to Kafka since this process started. */
    public long sourceTransactions() {
        return transactions.get();
    }

    /**
     * Seconds between the source's commit of the newest replicated transaction and its Kafka
     * commit; 0 once an idle source's heartbeat has been committed.
     */
    public double lagSeconds() {
        return lagMillis / 1000.0;
    }

    /** The position of the last Kafka transaction. */
    public Optional<SourcePosition> position() {
        return Optional.ofNullable(position);
    }

    /** Epoch milliseconds of the last Kafka commit, 0 before the first. */
    public long lastCommitMillis() {
        return lastCommitMillis;
    }

    public long kafkaTransactions() {
        return kafkaTransactions.get();
    }

    /** Mean Kafka transaction time in seconds (0 before the first). */
    public double kafkaTransactionMeanSeconds() {
        long count = kafkaTransactions.get();
        return count == 0 ? 0 : kafkaNanos.get() / 1e9 / count;
    }

    public double kafkaTransactionMaxSeconds() {
        return kafkaMaxNanos.get() / 1e9;
    }

    /** Snapshot progress of every table it has started, by name. */
    public Map<String, TableProgress> snapshotTables() {
        return new TreeMap<>(snapshot);
    }

    public boolean isSnapshotComplete() {
        return snapshotComplete;
    }
}

package org.syncsuite.bench;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What became of each transaction of a soak run, numbered from 0: when its commit returned, how
 * many open streams its op concerns, how many saw it, and the latencies of those arrivals: in
 * the baseline (transactions below {@link #baselineCount}, after its warm-up) or in the main phase,
 * per period of the main phase and overall.
 *
 * <p>Thread-safe. A committer {@link #expect}s a transaction before committing it and notes
 * {@link #committed} or {@link #failed} after; stream readers add {@link #arrived}.
 */
final class SoakLedger {

    /** Arrivals of a transaction whose commit has not been noted yet wait this long for it. */
    private static final long COMMIT_NOTE_WAIT_NANOS = TimeUnit.SECONDS.toNanos(2);

    final int baselineCount;
    private final int capacity;
    private final AtomicLongArray committedAt;
    private final AtomicIntegerArray expected;
    private final AtomicIntegerArray arrived;
    private final AtomicLong expectedTotal = new AtomicLong();
    private final AtomicLong arrivedTotal = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong strangers = new AtomicLong();
    private final AtomicLong history = new AtomicLong();
    private final AtomicLong failedTotal = new AtomicLong();

    private final LatencyHistogram baseline = new LatencyHistogram();
    private final LatencyHistogram overall = new LatencyHistogram();
    private final LatencyHistogram[] periods;
    private final AtomicLongArray committedPerPeriod;
    private final AtomicLongArray failedPerPeriod;
    private final long periodNanos;
    private volatile long baselineMeasuredFrom = Long.MAX_VALUE;
    private volatile long mainStart = Long.MAX_VALUE;

    SoakLedger(int baselineCount, int mainCount, int periods, long periodNanos) {
        this.baselineCount = baselineCount;
        this.capacity = baselineCount + mainCount;
        this.committedAt = new AtomicLongArray(capacity);
        this.expected = new AtomicIntegerArray(capacity);
        this.arrived = new AtomicIntegerArray(capacity);
        this.periods = new LatencyHistogram[periods];
        for (int i = 0; i < periods; i++) {
            this.periods[i] = new LatencyHistogram();
        }
        this.committedPerPeriod = new AtomicLongArray(periods);
        this.failedPerPeriod = new AtomicLongArray(periods);
        this.periodNanos = periodNanos;
    }

    /** Baseline arrivals of transactions committed from {@code nanos} on count; earlier ones warm up. */
    void measureBaselineFrom(long nanos) {
        baselineMeasuredFrom = nanos;
    }

    /** The main phase's periods start at {@code nanos}. */
    void startMain(long nanos) {
        mainStart = nanos;
    }

    /** Transaction {@code tx} is about to commit; {@code streams} open streams are concerned by its op. */
    void expect(int tx, int streams) {
        expected.set(tx, streams);
    }

    void committed(int tx, long nanos) {
        committedAt.set(tx, nanos);
        expectedTotal.addAndGet(expected.get(tx));
        if (tx >= baselineCount) {
            committedPerPeriod.incrementAndGet(period(nanos));
        }
    }

    void failed(int tx, long nanos) {
        expected.set(tx, 0);
        failedTotal.incrementAndGet();
        if (tx >= baselineCount) {
            failedPerPeriod.incrementAndGet(period(nanos));
        }
    }

    private int period(long nanos) {
        return Math.clamp((nanos - mainStart) / periodNanos, 0, periods.length - 1);
    }

    /**
     * A stream that has been in sync since {@code since} saw transaction {@code tx}'s op at
     * {@code nanos}. The op of a transaction committed before that is history the stream came to
     * (the writer was still behind when it synced), not an arrival it was owed. An arrival beyond
     * what the transaction concerns is a duplicate; one of a transaction this run never committed,
     * a stranger.
     */
    void arrived(int tx, long nanos, long since) throws InterruptedException {
        if (tx < 0 || tx >= capacity) {
            strangers.incrementAndGet();
            return;
        }
        long committed = committedAt.get(tx);
        long waited = System.nanoTime();
        while (committed == 0 && System.nanoTime() - waited < COMMIT_NOTE_WAIT_NANOS) {
            Thread.sleep(1); // the committer's thread has not noted the commit it returned from yet
            committed = committedAt.get(tx);
        }
        if (committed == 0) {
            strangers.incrementAndGet();
            return;
        }
        if (committed < since) {
            history.incrementAndGet();
            return;
        }
        if (arrived.incrementAndGet(tx) > expected.get(tx)) {
            duplicates.incrementAndGet();
            return;
        }
        arrivedTotal.incrementAndGet();
        long millis = Math.max(0, nanos - committed) / 1_000_000;
        if (tx < baselineCount) {
            if (committed >= baselineMeasuredFrom) {
                baseline.record(millis);
            }
        } else {
            periods[period(committed)].record(millis);
            overall.record(millis);
        }
    }

    /** Arrivals still owed: what committed transactions concern minus what arrived of it. */
    long outstanding() {
        return expectedTotal.get() - arrivedTotal.get();
    }

    long expectedTotal() {
        return expectedTotal.get();
    }

    long arrivedTotal() {
        return arrivedTotal.get();
    }

    long duplicates() {
        return duplicates.get();
    }

    long strangers() {
        return strangers.get();
    }

    /** Ops of transactions committed before the stream that saw them was in sync (not arrivals, not errors). */
    long history() {
        return history.get();
    }

    long failedTotal() {
        return failedTotal.get();
    }

    /**
     * Arrivals owed and not (yet) seen for main-phase transactions committed in {@code period};
     * all periods when it is negative.
     */
    long missingIn(int period) {
        long missing = 0;
        for (int tx = baselineCount; tx < capacity; tx++) {
            long committed = committedAt.get(tx);
            if (committed != 0 && (period < 0 || period(committed) == period)) {
                missing += Math.max(0, expected.get(tx) - arrived.get(tx));
            }
        }
        return missing;
    }

    /** Arrivals owed and not seen for baseline transactions. */
    long missingInBaseline() {
        long missing = 0;
        for (int tx = 0; tx < baselineCount; tx++) {
            missing += Math.max(0, expected.get(tx) - arrived.get(tx));
        }
        return missing;
    }

    LatencyHistogram baseline() {
        return baseline;
    }

    LatencyHistogram overall() {
        return overall;
    }

    LatencyHistogram period(int index) {
        return periods[index];
    }

    long committedIn(int period) {
        return committedPerPeriod.get(period);
    }

    long failedIn(int period) {
        return failedPerPeriod.get(period);
    }
}

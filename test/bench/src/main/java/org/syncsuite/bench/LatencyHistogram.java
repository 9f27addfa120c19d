package org.syncsuite.bench;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Latencies in milliseconds, counted in buckets: one per millisecond below 1,024 ms, then 512
 * per doubling (a bucket is at most 0.2% wide), up to about 24 days; the largest value is kept
 * exactly. About 94 KiB, whatever the number of values. Thread-safe: any thread records.
 */
final class LatencyHistogram {

    private static final int EXACT = 1024;
    private static final int PER_DOUBLING = 512;
    private static final int SUB_BITS = 9; // log2(PER_DOUBLING)
    private static final int MAX_EXPONENT = 30;
    private static final int BUCKETS = EXACT + (MAX_EXPONENT - 9) * PER_DOUBLING;

    private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);
    private final AtomicLong total = new AtomicLong();
    private final AtomicLong max = new AtomicLong(-1);

    void record(long millis) {
        long value = Math.max(0, millis);
        counts.incrementAndGet(index(value));
        total.incrementAndGet();
        max.accumulateAndGet(value, Math::max);
    }

    static int index(long value) {
        if (value < EXACT) {
            return (int) value;
        }
        int exponent = Math.min(MAX_EXPONENT, 63 - Long.numberOfLeadingZeros(value)); // 10 and up
        long capped = Math.min(value, (1L << (MAX_EXPONENT + 1)) - 1);
        int sub = (int) ((capped >> (exponent - SUB_BITS)) & (PER_DOUBLING - 1));
        return EXACT + (exponent - 10) * PER_DOUBLING + sub;
    }

    /** The largest value that falls into bucket {@code index}. */
    static long highestIn(int index) {
        if (index < EXACT) {
            return index;
        }
        int exponent = 10 + (index - EXACT) / PER_DOUBLING;
        long sub = (index - EXACT) % PER_DOUBLING;
        long width = 1L << (exponent - SUB_BITS);
        return ((PER_DOUBLING + sub) * width) + width - 1;
    }

    long count() {
        return total.get();
    }

    /** The largest value recorded; -1 when none. */
    long max() {
        return max.get();
    }

    /**
     * The value at or below which a share {@code p} of the values lie (nearest rank), to the
     * bucket's width, never above the largest value; -1 when none was recorded.
     */
    long percentile(double p) {
        long n = total.get();
        if (n == 0) {
            return -1;
        }
        long rank = Math.max(1, (long) Math.ceil(n * p));
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += counts.get(i);
            if (seen >= rank) {
                return Math.min(highestIn(i), max.get());
            }
        }
        return max.get();
    }
}

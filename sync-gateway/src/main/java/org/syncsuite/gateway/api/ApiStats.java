package org.syncsuite.gateway.api;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The api role's counters, shared by every stream of the process: streams opened and refused,
 * lines, ops and bytes sent, and the time from a source commit to the checkpoint that carries it
 * reaching a client (the last one and the highest since read). Thread-safe.
 */
public final class ApiStats {

    final LongAdder streamsOpened = new LongAdder();
    final LongAdder streamsRefused = new LongAdder();
    final LongAdder checkpointsSent = new LongAdder();
    final LongAdder opsSent = new LongAdder();
    final LongAdder bytesSent = new LongAdder();
    final LongAdder writeCheckpoints = new LongAdder();
    private final AtomicLong lastLatencyMillis = new AtomicLong();
    private final AtomicLong maxLatencyMillis = new AtomicLong();

    void checkpointSent(long sourceTimestampMillis) {
        checkpointsSent.increment();
        if (sourceTimestampMillis > 0) {
            long latency = Math.max(0, System.currentTimeMillis() - sourceTimestampMillis);
            lastLatencyMillis.set(latency);
            maxLatencyMillis.accumulateAndGet(latency, Math::max);
        }
    }

    public long streamsOpened() {
        return streamsOpened.sum();
    }

    public long streamsRefused() {
        return streamsRefused.sum();
    }

    public long checkpointsSent() {
        return checkpointsSent.sum();
    }

    public long opsSent() {
        return opsSent.sum();
    }

    public long bytesSent() {
        return bytesSent.sum();
    }

    public long writeCheckpoints() {
        return writeCheckpoints.sum();
    }

    /** Source commit to checkpoint sent, for the last checkpoint sent, in milliseconds. */
    public long lastLatencyMillis() {
        return lastLatencyMillis.get();
    }
}

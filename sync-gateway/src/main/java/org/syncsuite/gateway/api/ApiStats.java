package org.syncsuite.gateway.api;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The api role's counters, shared by every stream of the process: streams opened and refused,
 * lines, ops and bytes sent, chunks read ahead, and the time from a source commit to the
 * checkpoint that carries it reaching a client (the last one and the highest since read).
 * Thread-safe.
 */
public final class ApiStats {

    final LongAdder streamsOpened = new LongAdder();
    final LongAdder streamsRefused = new LongAdder();
    final LongAdder checkpointsSent = new LongAdder();
    final LongAdder opsSent = new LongAdder();
    final LongAdder bytesSent = new LongAdder();
    final LongAdder writeCheckpoints = new LongAdder();
    final LongAdder chunksReadAhead = new LongAdder();
    private final AtomicLong lastLatencyMillis = new AtomicLong();
    private final java.util.Map<String, java.util.Deque<UserError>> errorsByUser = new java.util.LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(java.util.Map.Entry<String, java.util.Deque<UserError>> eldest) {
            return size() > ERROR_USERS;
        }
    };
    /** The users whose recent errors are kept (the most recently failing ones). */
    static final int ERROR_USERS = 1000;
    /** The errors kept per user. */
    static final int ERRORS_PER_USER = 10;

    /** A failed request of a known user: when, the error code and its message. */
    public record UserError(java.time.Instant at, String code, String message) {
    }

    /** Remembers a failed request of {@code userId} (its token was valid), for the user inspector. */
    public void userError(String userId, String code, String message) {
        synchronized (errorsByUser) {
            java.util.Deque<UserError> errors = errorsByUser.computeIfAbsent(userId, u -> new java.util.ArrayDeque<>());
            errors.addFirst(new UserError(java.time.Instant.now(), code, message));
            while (errors.size() > ERRORS_PER_USER) {
                errors.removeLast();
            }
        }
    }

    /** {@code userId}'s recent failed requests, newest first. */
    public java.util.List<UserError> recentErrors(String userId) {
        synchronized (errorsByUser) {
            java.util.Deque<UserError> errors = errorsByUser.get(userId);
            return errors == null ? java.util.List.of() : java.util.List.copyOf(errors);
        }
    }
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

    /** Chunks of bucket ops that a stream found read ahead when it came to send them. */
    public long chunksReadAhead() {
        return chunksReadAhead.sum();
    }

    /** Source commit to checkpoint sent, for the last checkpoint sent, in milliseconds. */
    public long lastLatencyMillis() {
        return lastLatencyMillis.get();
    }
}

package org.syncsuite.gateway.api;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.syncsuite.core.change.SourcePosition;

/**
 * One stream's mailbox at the {@link CheckpointHub}: what changed for it since it last looked
 * (buckets, lookups, everything, a write checkpoint reached, or the end), and the wake-up its
 * virtual thread waits on. The hub only signals the streams a checkpoint concerns, so an idle
 * stream costs nothing per checkpoint.
 *
 * <p>Thread-safe: the hub's thread signals, the stream's thread takes; both under {@link #lock}.
 */
final class StreamSignal {

    /** What a stream has to catch up with. */
    record Changes(boolean all, Set<String> buckets, Set<String> lookups, long writeCheckpoint, String ended) {

        boolean isEmpty() {
            return !all && buckets.isEmpty() && lookups.isEmpty() && ended == null;
        }
    }

    /** A write checkpoint waiting for a checkpoint to reach its source position. */
    record WaitingWrite(long id, SourcePosition position) {
    }

    final String writeKey;
    /** The user whose stream this is. */
    final String userId;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition woken = lock.newCondition();
    // guarded by lock
    private boolean all;
    private Set<String> buckets = new HashSet<>();
    private Set<String> lookups = new HashSet<>();
    private long writeCheckpoint;
    private long acknowledgedWrite;
    private String ended;
    private boolean signalled;
    // Registration, read and written by the hub under its own lock.
    Set<String> registeredBuckets = Set.of();
    Set<String> registeredLookups = Set.of();
    WaitingWrite waitingWrite;

    StreamSignal(String userId, String clientId) {
        this.userId = userId;
        this.writeKey = userId + "/" + clientId;
    }

    void changed(Iterable<String> changedBuckets, Iterable<String> changedLookups) {
        lock.lock();
        try {
            changedBuckets.forEach(buckets::add);
            changedLookups.forEach(lookups::add);
            signalled = true;
            woken.signal();
        } finally {
            lock.unlock();
        }
    }

    void changedAll() {
        lock.lock();
        try {
            all = true;
            signalled = true;
            woken.signal();
        } finally {
            lock.unlock();
        }
    }

    /** A write checkpoint of this stream's user and client is now reached. */
    void writeReached(long id) {
        lock.lock();
        try {
            if (id > writeCheckpoint) {
                writeCheckpoint = id;
                signalled = true;
                woken.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    void end(String reason) {
        lock.lock();
        try {
            if (ended == null) {
                ended = reason;
            }
            signalled = true;
            woken.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Waits until signalled or {@code nanos} have passed; true when signalled. */
    boolean await(long nanos) throws InterruptedException {
        lock.lock();
        try {
            long left = nanos;
            while (!signalled && left > 0) {
                left = woken.awaitNanos(left);
            }
            return signalled;
        } finally {
            lock.unlock();
        }
    }

    /** Takes what has accumulated, leaving the mailbox empty. Called by the hub, under its lock. */
    Changes take() {
        lock.lock();
        try {
            Changes changes = new Changes(all, buckets, lookups, writeCheckpoint > acknowledgedWrite ? writeCheckpoint : 0, ended);
            all = false;
            buckets = new HashSet<>();
            lookups = new HashSet<>();
            acknowledgedWrite = Math.max(acknowledgedWrite, writeCheckpoint);
            signalled = ended != null;
            return changes;
        } finally {
            lock.unlock();
        }
    }

    long writeCheckpoint() {
        lock.lock();
        try {
            return writeCheckpoint;
        } finally {
            lock.unlock();
        }
    }
}

package org.syncsuite.replicator;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The bounded queue between the binlog reader and the Kafka writer, limited by transaction count
 * and bytes: when full, the reader waits, and so the source's binlog stream slows down instead of
 * memory growing. A failure of either side is passed to the other. Thread-safe.
 */
final class TransactionQueue {

    private final int maxTransactions;
    private final long maxBytes;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notFull = lock.newCondition();
    private final Condition notEmpty = lock.newCondition();
    private final ArrayDeque<SourceTransaction> queue = new ArrayDeque<>();
    private long bytes;
    private RuntimeException failure;
    private boolean leftSome; // guarded by lock: the last drain left transactions waiting

    TransactionQueue(int maxTransactions, long maxBytes) {
        this.maxTransactions = maxTransactions;
        this.maxBytes = maxBytes;
    }

    /** Adds a transaction, waiting while the queue is full (a single oversized one is let through alone). */
    void put(SourceTransaction transaction) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            while (!queue.isEmpty() && (queue.size() >= maxTransactions || bytes + transaction.bytes() > maxBytes)) {
                throwIfFailed();
                notFull.await(100, TimeUnit.MILLISECONDS);
            }
            throwIfFailed();
            queue.addLast(transaction);
            bytes += transaction.bytes();
            notEmpty.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Takes the waiting transactions, up to the limits, waiting at most {@code timeoutMillis} for the first. */
    List<SourceTransaction> drain(int maxCount, long maxDrainBytes, long timeoutMillis) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
            while (queue.isEmpty()) {
                throwIfFailed();
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return List.of();
                }
                notEmpty.awaitNanos(left);
            }
            List<SourceTransaction> taken = new ArrayList<>();
            long takenBytes = 0;
            while (!queue.isEmpty() && taken.size() < maxCount
                    && (taken.isEmpty() || takenBytes + queue.peekFirst().bytes() <= maxDrainBytes)) {
                SourceTransaction next = queue.pollFirst();
                bytes -= next.bytes();
                takenBytes += next.bytes();
                taken.add(next);
            }
            leftSome = !queue.isEmpty();
            notFull.signalAll();
            return taken;
        } finally {
            lock.unlock();
        }
    }

    /** Marks the queue failed: both sides see {@code cause} on their next call. */
    void fail(RuntimeException cause) {
        lock.lock();
        try {
            if (failure == null) {
                failure = cause;
            }
            notFull.signalAll();
            notEmpty.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Whether the last {@link #drain} stopped at its limits with transactions still waiting (one consumer thread). */
    boolean drainLeftSome() {
        lock.lock();
        try {
            return leftSome;
        } finally {
            lock.unlock();
        }
    }

    int size() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    private void throwIfFailed() {
        if (failure != null) {
            throw failure;
        }
    }
}

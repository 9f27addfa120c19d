package org.syncsuite.client;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * A held subscription to a stream ({@link SyncStream#subscribe}). Let it go with
 * {@link #unsubscribe()} (or {@link #close()}): its rows then stay for the time to live.
 */
public final class SyncStreamSubscription implements AutoCloseable {

    private final StreamSubscriptions owner;
    private final long id;
    private final SyncStream stream;
    private boolean released;

    SyncStreamSubscription(StreamSubscriptions owner, long id, SyncStream stream) {
        this.owner = owner;
        this.id = id;
        this.stream = stream;
    }

    public String stream() {
        return stream.name();
    }

    public Map<String, Object> parameters() {
        return stream.parameters();
    }

    /** When a complete checkpoint with this subscription was last applied. */
    public Optional<Instant> lastSyncedAt() {
        return owner.lastSyncedAt(id);
    }

    public boolean hasSynced() {
        return lastSyncedAt().isPresent();
    }

    /** Waits until the stream's rows are synced; false when {@code timeout} passed first. */
    public boolean waitForFirstSync(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!hasSynced()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    /** Lets this handle go (once); the last one starts the subscription's time to live. */
    public synchronized void unsubscribe() {
        if (!released) {
            released = true;
            owner.release(id);
        }
    }

    @Override
    public void close() {
        unsubscribe();
    }
}

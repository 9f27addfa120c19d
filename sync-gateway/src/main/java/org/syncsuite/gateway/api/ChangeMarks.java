package org.syncsuite.gateway.api;

import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The checkpoint at which each key (a bucket, or a parameter lookup) last changed, as far as the
 * checkpoints the hub applied say. It is what lets a value read at one checkpoint serve a stream
 * at another: a bucket's checksum or chunk read at checkpoint {@code a} is the same at {@code b}
 * when the bucket did not change after {@code min(a, b)}. When checkpoints come by the hundred
 * each second, the streams a change wakes each see a slightly different latest checkpoint; without
 * this they would each read storage on their own.
 *
 * <p>Bounded: beyond {@code maxKeys} keys it forgets them all and counts every key as changed at
 * the latest checkpoint (the floor), which only costs the caches one reload each.
 *
 * <p>Thread-safe. One thread (the hub's, under its monitor) records; any thread asks. A change is
 * recorded before the checkpoint that carries it is served, so a stream never sees a checkpoint
 * whose changes are not here yet.
 */
final class ChangeMarks {

    private final int maxKeys;
    private final ConcurrentHashMap<String, Long> changedAt = new ConcurrentHashMap<>();
    private volatile long floor = Long.MIN_VALUE; // every key changed at or before this

    ChangeMarks(int maxKeys) {
        this.maxKeys = maxKeys;
    }

    /** {@code keys} changed at {@code checkpoint} (every key, when {@code all}). */
    void record(long checkpoint, Collection<String> keys, boolean all) {
        if (all || changedAt.size() + keys.size() > maxKeys) {
            floor = Math.max(floor, checkpoint); // first the floor, then forget: a reader in between sees the later of both
            changedAt.clear();
            return;
        }
        for (String key : keys) {
            changedAt.merge(key, checkpoint, Math::max);
        }
    }

    /** The last checkpoint known to have changed {@code key} (the floor for a key not seen since). */
    long lastChange(String key) {
        Long at = changedAt.get(key); // the map first: one found empty by a clear is followed by its floor
        long atFloor = floor;
        return at == null ? atFloor : Math.max(at, atFloor);
    }

    /** Whether {@code key}'s value at checkpoint {@code a} is also its value at {@code b}. */
    boolean sameAt(String key, long a, long b) {
        return lastChange(key) <= Math.min(a, b);
    }

    /** Keys remembered (for tests). */
    int size() {
        return changedAt.size();
    }
}

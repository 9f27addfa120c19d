package org.syncsuite.gateway.api;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.SyncException;

/**
 * Values that hold from one checkpoint until a later checkpoint names their key as changed:
 * bucket checksums, parameter lookup results. An entry computed at checkpoint X answers any
 * checkpoint from X up to the latest one, because every change since X would have removed it.
 * Values missing at a checkpoint are computed once, whoever asks: concurrent askers wait for the
 * first one's load ({@link #getAll}), which is what lets thousands of streams woken by the same
 * checkpoint share one storage read per bucket.
 *
 * <p>Thread-safe. {@link #advance} (the checkpoint listener) takes the write lock; readers take
 * the read lock only to store a value, and only a value computed at the latest checkpoint is
 * stored, so a slow reader never stores a stale one.
 */
final class CheckpointCache<V> {

    /** Loads values for keys at a checkpoint; keys it leaves out have no value (and are not cached). */
    @FunctionalInterface
    interface Loader<V> {
        Map<String, V> load(List<String> keys, long checkpoint) throws Exception;
    }

    private record Entry<V>(long checkpoint, V value) {
    }

    private record Flight(String key, long checkpoint) {
    }

    private final int maxEntries;
    private final ConcurrentHashMap<String, Entry<V>> entries = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Flight, CompletableFuture<Map<String, V>>> inFlight = new ConcurrentHashMap<>();
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private long latest; // guarded by lock

    CheckpointCache(int maxEntries) {
        this.maxEntries = maxEntries;
    }

    /** A new latest checkpoint: the entries of {@code changed} no longer hold (all of them when {@code all}). */
    void advance(long checkpoint, Collection<String> changed, boolean all) {
        lock.writeLock().lock();
        try {
            if (all) {
                entries.clear();
            } else {
                changed.forEach(entries::remove);
            }
            latest = Math.max(latest, checkpoint);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Forgets everything (a new sync config version). */
    void reset(long checkpoint) {
        lock.writeLock().lock();
        try {
            entries.clear();
            latest = checkpoint;
        } finally {
            lock.writeLock().unlock();
        }
    }

    int size() {
        return entries.size();
    }

    /**
     * The values of {@code keys} at {@code checkpoint}, in the order asked, those the loader
     * has no value for left out. Cached values serve when they hold; the others are loaded in one
     * call, or awaited when another caller is already loading them at this checkpoint.
     */
    Map<String, V> getAll(Collection<String> keys, long checkpoint, Loader<V> loader) {
        Map<String, V> found = new HashMap<>();
        List<String> mine = new ArrayList<>();
        Map<String, CompletableFuture<Map<String, V>>> theirs = new HashMap<>();
        CompletableFuture<Map<String, V>> myFlight = new CompletableFuture<>();
        for (String key : keys) {
            Entry<V> entry = entries.get(key);
            if (entry != null && entry.checkpoint() <= checkpoint) {
                found.put(key, entry.value());
                continue;
            }
            CompletableFuture<Map<String, V>> other = inFlight.putIfAbsent(new Flight(key, checkpoint), myFlight);
            if (other == null) {
                mine.add(key);
            } else {
                theirs.put(key, other);
            }
        }
        if (!mine.isEmpty()) {
            try {
                Map<String, V> loaded = loader.load(mine, checkpoint);
                myFlight.complete(loaded);
                found.putAll(loaded);
                store(loaded, checkpoint);
            } catch (Exception e) {
                myFlight.completeExceptionally(e);
                throw failure(e);
            } finally {
                for (String key : mine) {
                    inFlight.remove(new Flight(key, checkpoint), myFlight);
                }
            }
        }
        for (Map.Entry<String, CompletableFuture<Map<String, V>>> waiting : theirs.entrySet()) {
            try {
                V value = waiting.getValue().get().get(waiting.getKey());
                if (value != null) {
                    found.put(waiting.getKey(), value);
                }
            } catch (ExecutionException e) {
                throw failure(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SyncException(ErrorCode.SHUTTING_DOWN, "Interrupted while waiting for storage", e);
            }
        }
        Map<String, V> ordered = new LinkedHashMap<>();
        for (String key : keys) {
            V value = found.get(key);
            if (value != null) {
                ordered.put(key, value);
            }
        }
        return ordered;
    }

    private void store(Map<String, V> values, long checkpoint) {
        lock.readLock().lock();
        try {
            if (checkpoint != latest) {
                return; // a newer checkpoint may have changed them already
            }
            if (entries.size() + values.size() > maxEntries) {
                entries.clear();
            }
            values.forEach((key, value) -> entries.put(key, new Entry<>(checkpoint, value)));
        } finally {
            lock.readLock().unlock();
        }
    }

    private static RuntimeException failure(Throwable e) {
        if (e instanceof RuntimeException runtime) {
            return runtime;
        }
        return new SyncException(ErrorCode.STORAGE_UNAVAILABLE, "Bucket storage failed: " + e.getMessage(), e);
    }
}

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

import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.SyncException;

/**
 * Values that hold from one checkpoint until a later checkpoint names their key as changed:
 * bucket checksums, parameter lookup results. A value read at checkpoint X answers a stream at
 * checkpoint Y when its key did not change after the earlier of the two ({@link ChangeMarks}), so
 * the streams one change wakes share a read even though each took a different latest checkpoint.
 * Values missing are computed once, whoever asks: concurrent askers wait for a load already
 * running for the same value ({@link #getAll}), which is what lets thousands of streams woken by
 * the same change share one storage read per bucket.
 *
 * <p>Thread-safe. {@link #advance} and {@link #reset} are called by the checkpoint listener, before
 * the checkpoint they describe is served; every check of a value against its checkpoint is made
 * when it is read, so a slow loader that stores a value already stale does no harm.
 */
final class CheckpointCache<V> {

    /** Loads values for keys at a checkpoint; keys it leaves out have no value (and are not cached). */
    @FunctionalInterface
    interface Loader<V> {
        Map<String, V> load(List<String> keys, long checkpoint) throws Exception;
    }

    private record Entry<V>(long checkpoint, V value) {
    }

    private record Flight<V>(long checkpoint, CompletableFuture<Map<String, V>> result) {
    }

    private final int maxEntries;
    private final ChangeMarks marks;
    private final ConcurrentHashMap<String, Entry<V>> entries = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Flight<V>> inFlight = new ConcurrentHashMap<>();

    CheckpointCache(int maxEntries) {
        this.maxEntries = maxEntries;
        this.marks = new ChangeMarks(maxEntries);
    }

    /** A new latest checkpoint: the entries of {@code changed} no longer hold (all of them when {@code all}). */
    void advance(long checkpoint, Collection<String> changed, boolean all) {
        marks.record(checkpoint, changed, all);
        if (all) {
            entries.clear();
        } else {
            changed.forEach(entries::remove);
        }
    }

    /** The value of {@code key} at {@code checkpoint}, when one is held: what a later value can be derived from. */
    java.util.Optional<V> heldAt(String key, long checkpoint) {
        Entry<V> entry = entries.get(key);
        return entry != null && marks.sameAt(key, entry.checkpoint(), checkpoint)
                ? java.util.Optional.of(entry.value()) : java.util.Optional.empty();
    }

    /** Holds {@code value} as {@code key}'s value at {@code checkpoint}, known without a load. */
    void put(String key, long checkpoint, V value) {
        store(Map.of(key, value), checkpoint);
    }

    /** Forgets everything (a new sync config version). */
    void reset(long checkpoint) {
        marks.record(checkpoint, List.of(), true);
        entries.clear();
    }

    int size() {
        return entries.size();
    }

    /** When each key last changed: what decides whether a value read at one checkpoint holds at another. */
    ChangeMarks marks() {
        return marks;
    }

    /**
     * The values of {@code keys} at {@code checkpoint}, in the order asked, those the loader
     * has no value for left out. Cached values serve when they hold; the others are loaded in one
     * call, or awaited when another caller is already loading a value that holds at this checkpoint.
     */
    Map<String, V> getAll(Collection<String> keys, long checkpoint, Loader<V> loader) {
        Map<String, V> found = new HashMap<>();
        List<String> mine = new ArrayList<>();
        Map<String, CompletableFuture<Map<String, V>>> theirs = new HashMap<>();
        Flight<V> myFlight = new Flight<>(checkpoint, new CompletableFuture<>());
        for (String key : keys) {
            Entry<V> entry = entries.get(key);
            if (entry != null && marks.sameAt(key, entry.checkpoint(), checkpoint)) {
                found.put(key, entry.value());
                continue;
            }
            Flight<V> other = inFlight.compute(key, (k, running) ->
                    running != null && marks.sameAt(k, running.checkpoint(), checkpoint) ? running : myFlight);
            if (other == myFlight) {
                mine.add(key);
            } else {
                theirs.put(key, other.result());
            }
        }
        if (!mine.isEmpty()) {
            try {
                Map<String, V> loaded = loader.load(mine, checkpoint);
                myFlight.result().complete(loaded);
                found.putAll(loaded);
                store(loaded, checkpoint);
            } catch (Exception | Error e) { // whatever ends the load, those waiting for it are told
                myFlight.result().completeExceptionally(e);
                if (e instanceof Error error) {
                    throw error;
                }
                throw failure(e);
            } finally {
                for (String key : mine) {
                    inFlight.remove(key, myFlight);
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
        if (entries.size() + values.size() > maxEntries) {
            entries.clear();
        }
        values.forEach((key, value) -> entries.merge(key, new Entry<>(checkpoint, value),
                (held, loaded) -> held.checkpoint() >= loaded.checkpoint() ? held : loaded));
    }

    private static RuntimeException failure(Throwable e) {
        if (e instanceof RuntimeException runtime) {
            return runtime;
        }
        return new SyncException(ErrorCode.STORAGE_UNAVAILABLE, "Bucket storage failed: " + e.getMessage(), e);
    }
}

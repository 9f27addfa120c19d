package org.syncsuite.gateway.api;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.SyncException;
import org.syncsuite.core.protocol.DataChunk;
import org.syncsuite.core.protocol.OplogEntry;
import org.syncsuite.gateway.storage.BucketReader;

/**
 * Recently read chunks of bucket ops, shared by the streams that ask for the same bucket from the
 * same position: when a change reaches thousands of streams that were all up to date, they all
 * read the same few ops, and storage is asked once. A chunk read up to checkpoint X serves a
 * stream at checkpoint Y when the bucket did not change after the earlier of the two
 * ({@link ChangeMarks}): the ops up to either are then the same. A chunk below a committed
 * checkpoint never changes except by compaction, which keeps what a client converges to, so a
 * cached chunk stays correct. Bounded by the heap its entries take (objects and text, as
 * {@link #footprint} estimates it, not only the row data); the oldest go first.
 *
 * <p>Thread-safe: the map is guarded by this object; loads run outside the lock, one per key.
 */
final class ChunkCache {

    @FunctionalInterface
    interface Loader {
        Optional<BucketReader.Read> load() throws Exception;
    }

    private record Key(int version, String bucket, long after) {
    }

    /** A chunk read (or being read) up to {@code checkpoint}; {@code size} is counted in the bound once it is known. */
    private static final class Slot {
        final long checkpoint;
        final CompletableFuture<Optional<BucketReader.Read>> read = new CompletableFuture<>();
        long size = -1; // guarded by the cache

        Slot(long checkpoint) {
            this.checkpoint = checkpoint;
        }
    }

    private final long maxBytes;
    private final ChangeMarks marks;
    private final LinkedHashMap<Key, Slot> chunks = new LinkedHashMap<>();
    private long bytes; // guarded by this: the footprint of the completed chunks held

    ChunkCache(long maxBytes, ChangeMarks marks) {
        this.maxBytes = maxBytes;
        this.marks = marks;
    }

    Optional<BucketReader.Read> read(int version, String bucket, long after, long checkpoint, Loader loader) {
        Key key = new Key(version, bucket, after);
        Slot mine = new Slot(checkpoint);
        Slot existing;
        synchronized (this) {
            existing = chunks.get(key);
            if (existing == null || !marks.sameAt(bucket, existing.checkpoint, checkpoint)) {
                if (existing != null) {
                    drop(key, existing);
                }
                existing = null;
                chunks.put(key, mine);
            }
        }
        if (existing != null) {
            try {
                return existing.read.get();
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException r ? r
                        : new SyncException(ErrorCode.STORAGE_UNAVAILABLE, "Bucket storage failed: " + e.getCause(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SyncException(ErrorCode.SHUTTING_DOWN, "Interrupted while reading bucket storage", e);
            }
        }
        Optional<BucketReader.Read> read;
        try {
            read = loader.load();
        } catch (Exception | Error e) { // whatever ends the load, those waiting for it are told
            synchronized (this) {
                chunks.remove(key, mine);
            }
            mine.read.completeExceptionally(e);
            if (e instanceof Error error) {
                throw error;
            }
            throw e instanceof RuntimeException r ? r
                    : new SyncException(ErrorCode.STORAGE_UNAVAILABLE, "Bucket storage cannot be read: " + e.getMessage(), e);
        }
        mine.read.complete(read);
        long size = footprint(key, read);
        synchronized (this) {
            if (chunks.get(key) != mine) {
                return read; // replaced meanwhile by a newer read
            }
            if (size > maxBytes / 4) {
                chunks.remove(key); // too big to keep: shared only while it was being read
            } else {
                mine.size = size;
                bytes += size;
                evict();
            }
        }
        return read;
    }

    private void drop(Key key, Slot slot) { // holds the monitor
        chunks.remove(key);
        if (slot.size >= 0) {
            bytes -= slot.size;
        }
    }

    private void evict() { // holds the monitor
        Iterator<Map.Entry<Key, Slot>> it = chunks.entrySet().iterator();
        while (bytes > maxBytes && it.hasNext()) {
            Slot oldest = it.next().getValue();
            if (oldest.size < 0) {
                continue; // still being read
            }
            bytes -= oldest.size;
            it.remove();
        }
    }

    /** Bytes an object header, a reference-holding field set and a String's own fields take, rounded up. */
    private static final long OBJECT = 48;

    /**
     * The heap an entry takes, estimated from above: the map entry, key, future, read and chunk
     * objects, and per op its entry, its optionals and its strings (two bytes a character). A
     * chunk of one small op takes about a kilobyte, most of it not row data.
     */
    private static long footprint(Key key, Optional<BucketReader.Read> read) {
        long size = 6 * OBJECT + text(key.bucket());
        if (read.isEmpty()) {
            return size;
        }
        DataChunk chunk = read.get().chunk();
        size += OBJECT + 16L * chunk.data().size() + text(chunk.bucket());
        for (OplogEntry op : chunk.data()) {
            size += OBJECT + 4 * OBJECT + text(op.objectType()) + text(op.objectId()) + text(op.subkey()) + text(op.data());
        }
        return size;
    }

    private static long text(Optional<String> value) {
        return value.map(ChunkCache::text).orElse(0L);
    }

    private static long text(String value) {
        return OBJECT + 2L * value.length();
    }

    /** Entries held (for tests). */
    synchronized int size() {
        return chunks.size();
    }

    /** Estimated bytes held (for tests). */
    synchronized long bytes() {
        return bytes;
    }

    /** Forgets everything (a new sync config version). */
    synchronized void clear() {
        chunks.clear();
        bytes = 0;
    }
}

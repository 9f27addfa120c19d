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
 * same position up to the same checkpoint: when a change reaches thousands of streams that were
 * all up to date, they all read the same few ops, and storage is asked once. A chunk below a
 * committed checkpoint never changes except by compaction, which keeps what a client converges
 * to, so a cached chunk stays correct. Bounded by the heap its entries take (objects and text, as
 * {@link #footprint} estimates it, not only the row data); the oldest go first.
 *
 * <p>Thread-safe: the map is guarded by this object; loads run outside the lock, one per key.
 */
final class ChunkCache {

    @FunctionalInterface
    interface Loader {
        Optional<BucketReader.Read> load() throws Exception;
    }

    private record Key(int version, String bucket, long after, long checkpoint) {
    }

    private final long maxBytes;
    private final LinkedHashMap<Key, CompletableFuture<Optional<BucketReader.Read>>> chunks = new LinkedHashMap<>();
    private long bytes; // guarded by this: the row bytes of the completed chunks held

    ChunkCache(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    Optional<BucketReader.Read> read(int version, String bucket, long after, long checkpoint, Loader loader) {
        Key key = new Key(version, bucket, after, checkpoint);
        CompletableFuture<Optional<BucketReader.Read>> mine = new CompletableFuture<>();
        CompletableFuture<Optional<BucketReader.Read>> existing;
        synchronized (this) {
            existing = chunks.putIfAbsent(key, mine);
        }
        if (existing != null) {
            try {
                return existing.get();
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
        } catch (Exception e) {
            synchronized (this) {
                chunks.remove(key, mine);
            }
            mine.completeExceptionally(e);
            throw e instanceof RuntimeException r ? r
                    : new SyncException(ErrorCode.STORAGE_UNAVAILABLE, "Bucket storage cannot be read: " + e.getMessage(), e);
        }
        mine.complete(read);
        long size = footprint(key, read);
        synchronized (this) {
            if (size > maxBytes / 4) {
                chunks.remove(key, mine); // too big to keep: shared only while it was being read
            } else {
                bytes += size;
                evict();
            }
        }
        return read;
    }

    private void evict() { // holds the monitor
        Iterator<Map.Entry<Key, CompletableFuture<Optional<BucketReader.Read>>>> it = chunks.entrySet().iterator();
        while (bytes > maxBytes && it.hasNext()) {
            Map.Entry<Key, CompletableFuture<Optional<BucketReader.Read>>> oldest = it.next();
            if (!oldest.getValue().isDone()) {
                continue;
            }
            bytes -= footprint(oldest.getKey(), oldest.getValue().join());
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

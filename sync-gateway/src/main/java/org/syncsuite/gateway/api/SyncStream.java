package org.syncsuite.gateway.api;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongConsumer;
import java.util.logging.Logger;

import javax.sql.DataSource;

import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.SyncException;
import org.syncsuite.core.change.SourcePosition;
import org.syncsuite.core.config.BucketResolution;
import org.syncsuite.core.config.LookupSource;
import org.syncsuite.core.config.ResolvedBucket;
import org.syncsuite.core.protocol.BucketChecksum;
import org.syncsuite.core.protocol.Checkpoint;
import org.syncsuite.core.protocol.CheckpointComplete;
import org.syncsuite.core.protocol.CheckpointDiff;
import org.syncsuite.core.protocol.DataChunk;
import org.syncsuite.core.protocol.OplogEntry;
import org.syncsuite.core.protocol.PartialCheckpointComplete;
import org.syncsuite.core.protocol.StreamingSyncRequest;
import org.syncsuite.core.protocol.SyncLine;
import org.syncsuite.core.protocol.TokenExpiresIn;
import org.syncsuite.core.sql.RequestParameters;
import org.syncsuite.gateway.auth.VerifiedToken;
import org.syncsuite.gateway.storage.BucketReader;
import org.syncsuite.gateway.storage.BucketStore;
import org.syncsuite.gateway.storage.WriteCheckpoints;

/**
 * One client's {@code /sync/stream} (reference §1.7): the first {@code checkpoint} with every
 * bucket's checksum, the ops the client lacks, {@code checkpoint_complete}; then, each time the
 * {@link CheckpointHub} says a bucket or lookup of this client changed (or its write checkpoint
 * was reached), a {@code checkpoint_diff}, the new ops, and {@code checkpoint_complete} again.
 * Between checkpoints it sleeps on its {@link StreamSignal}, waking for keepalives and token
 * expiry; it never polls storage. Checksums and lookup results come from the hub's shared caches.
 *
 * <p>Runs on the request's (virtual) thread; not thread-safe.
 */
final class SyncStream implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(SyncStream.class.getName());
    private static final Duration RETRY = Duration.ofSeconds(1);
    private static final Duration EXPIRY_WARNING = Duration.ofSeconds(20);

    /** A line to send and the buckets whose ops follow it, in priority then name order. */
    private record Prepared(long checkpoint, SyncLine line, List<ResolvedBucket> toFetch, long sourceMillis) {
    }

    private final CheckpointHub hub;
    private final DataSource storage;
    private final VerifiedToken token;
    private final StreamingSyncRequest request;
    private final ApiLimits limits;
    private final ApiStats stats;
    private final Clock clock;
    private final StreamSignal signal;
    private final RequestParameters parameters;
    private final String clientId;
    private final BucketReader reader = new BucketReader();
    private final Map<String, Long> requested = new HashMap<>();
    private final Map<String, Long> positions = new HashMap<>();
    private Map<String, BucketChecksum> sent = Map.of();
    private Map<String, ResolvedBucket> current = Map.of();
    private Set<String> usedLookups = Set.of();
    private final Set<String> pendingFetch = new LinkedHashSet<>();
    private long acknowledgedWrite;
    private int version;
    private boolean retrySoon;
    // No checkpoint before this op id can be completed: compaction moved ops the client holds past it.
    private long reachableFrom;
    private boolean registered;
    private Prepared first;
    // The last checkpoint completed, and its buckets: each holds on the client every op up to it.
    private long covered;
    private Set<String> coveredBuckets = new HashSet<>();
    private boolean resolveAgain; // a wake that resolved buckets could not send: the next one resolves again
    private boolean firstPrepared;

    SyncStream(CheckpointHub hub, DataSource storage, VerifiedToken token, StreamingSyncRequest request, ApiLimits limits,
               ApiStats stats, Clock clock) {
        this.hub = hub;
        this.storage = storage;
        this.token = token;
        this.request = request;
        this.limits = limits;
        this.stats = stats;
        this.clock = clock;
        this.clientId = request.clientId().orElse("");
        this.signal = new StreamSignal(token.userId(), clientId);
        this.parameters = new RequestParameters(token.claims(), org.syncsuite.core.sql.SqlJson.parse(request.parametersJson()),
                Optional.empty());
        for (StreamingSyncRequest.BucketRequest bucket : request.buckets()) {
            requested.put(bucket.name(), bucket.after());
        }
    }

    /**
     * Prepares the first checkpoint before the response starts, so that what makes the stream
     * impossible (no active sync config, too many buckets, storage down) is an HTTP error.
     */
    void open() {
        hub.register(signal);
        registered = true;
        CheckpointHub.Snapshot snapshot = hub.take(signal);
        CheckpointHub.Served served = snapshot.served();
        if (served == null) {
            throw new SyncException(ErrorCode.NO_ACTIVE_SYNC_CONFIG, "No sync config is active yet: the writer has not "
                    + "committed a first checkpoint");
        }
        version = served.version();
        acknowledgedWrite = initialWriteCheckpoint(served);
        first = prepare(served, new StreamSignal.Changes(true, Set.of(), Set.of(), 0, null), true);
    }

    /** Sends until the token expires, the active version changes, the process stops or the client goes away. */
    void serve(LineSink out) throws IOException, InterruptedException {
        Prepared next = first;
        first = null;
        long nextKeepalive = System.nanoTime() + keepaliveNanos();
        boolean warned = false;
        while (true) {
            if (next != null) {
                send(next, out);
                next = null;
            }
            long untilExpiry = Duration.between(clock.instant(), token.expiresAt()).toNanos();
            if (untilExpiry <= 0) {
                out.write(new TokenExpiresIn(0));
                out.flush();
                return;
            }
            long untilWarning = warned ? Long.MAX_VALUE : untilExpiry - EXPIRY_WARNING.toNanos();
            long wait = Math.min(Math.min(nextKeepalive - System.nanoTime(), untilExpiry), untilWarning);
            if (retrySoon) {
                wait = Math.min(wait, RETRY.toNanos());
            }
            if (signal.await(Math.max(0, wait)) || retrySoon) {
                CheckpointHub.Snapshot snapshot = hub.take(signal);
                StreamSignal.Changes changes = snapshot.changes();
                if (changes.ended() != null) {
                    LOG.fine(() -> "Ending the stream of " + signal.writeKey + ": " + changes.ended());
                    return;
                }
                if (snapshot.served() == null || snapshot.served().version() != version) {
                    return; // a new sync config version: the client reconnects and gets its new buckets
                }
                if (snapshot.served().checkpoint() < reachableFrom && changes.isEmpty()) {
                    continue; // still before the op that compaction points to: wait for a newer checkpoint
                }
                retrySoon = false;
                next = prepare(snapshot.served(), changes, !firstPrepared);
                continue;
            }
            long now = System.nanoTime();
            boolean warn = !warned && untilExpiry <= EXPIRY_WARNING.toNanos();
            if (now >= nextKeepalive || warn) {
                warned |= warn;
                long millis = Duration.between(clock.instant(), token.expiresAt()).toMillis();
                out.write(new TokenExpiresIn(Math.max(0, (millis + 999) / 1000)));
                out.flush();
                nextKeepalive = now + keepaliveNanos();
            }
        }
    }

    private long keepaliveNanos() {
        return (long) (limits.keepalive().toNanos() * ThreadLocalRandom.current().nextDouble(0.9, 1.1));
    }

    // ---- the checkpoint to send

    private Prepared prepare(CheckpointHub.Served served, StreamSignal.Changes changes, boolean isFirst) {
        long checkpoint = served.checkpoint();
        boolean resolve = isFirst || resolveAgain || changes.all()
                || changes.lookups().stream().anyMatch(usedLookups::contains);
        List<String> removed = new ArrayList<>();
        Map<String, ResolvedBucket> next = current;
        if (resolve) {
            next = resolve(served);
            for (String bucket : current.keySet()) {
                if (!next.containsKey(bucket)) {
                    removed.add(bucket);
                }
            }
        }
        Set<String> toChecksum = new LinkedHashSet<>();
        for (String bucket : next.keySet()) {
            if (isFirst || changes.all() || changes.buckets().contains(bucket) || !sent.containsKey(bucket)
                    || pendingFetch.contains(bucket)) {
                toChecksum.add(bucket);
            }
        }
        Map<String, BucketStore.CheckpointTotals> totals = checksums(toChecksum, served);
        if (totals.values().stream().anyMatch(t -> !t.reachable())) {
            // Compaction got ahead of this checkpoint; the next one is consistent. What this wake
            // took from the hub is kept for it: the buckets to look at again, and the resolution.
            retrySoon = true;
            pendingFetch.addAll(toChecksum);
            resolveAgain |= resolve;
            return null;
        }
        current = next;
        resolveAgain = false;
        Map<String, BucketChecksum> now = new LinkedHashMap<>();
        List<BucketChecksum> updated = new ArrayList<>();
        List<ResolvedBucket> toFetch = new ArrayList<>();
        for (ResolvedBucket bucket : current.values()) {
            BucketStore.CheckpointTotals total = totals.get(bucket.bucket());
            BucketChecksum before = sent.get(bucket.bucket());
            BucketChecksum after = total != null
                    ? new BucketChecksum(bucket.bucket(), total.checksum(), total.count(), bucket.priority(), bucket.reasons())
                    : new BucketChecksum(bucket.bucket(), before.checksum(), before.count(), bucket.priority(), bucket.reasons());
            now.put(bucket.bucket(), after);
            boolean changed = before == null || before.checksum() != after.checksum() || before.count() != after.count()
                    || before.priority() != after.priority() || !before.subscriptions().equals(after.subscriptions());
            if (changed) {
                updated.add(after);
            }
            if (isFirst || changed || pendingFetch.contains(bucket.bucket())) {
                toFetch.add(bucket);
            }
        }
        boolean writeMoved = changes.writeCheckpoint() > acknowledgedWrite;
        if (writeMoved) {
            acknowledgedWrite = changes.writeCheckpoint();
        }
        if (!isFirst && updated.isEmpty() && removed.isEmpty() && !writeMoved && pendingFetch.isEmpty()) {
            if (covered > 0) {
                covered = checkpoint; // nothing of this stream changed up to here: the client holds it all
            }
            if (resolve) {
                hub.track(signal, current.keySet(), usedLookups, checkpoint);
            }
            return null;
        }
        for (String bucket : removed) {
            positions.remove(bucket);
            coveredBuckets.remove(bucket); // the client drops it: if it comes back, it is sent from its start
        }
        for (ResolvedBucket bucket : toFetch) {
            positions.putIfAbsent(bucket.bucket(), requested.getOrDefault(bucket.bucket(), 0L));
        }
        if (isFirst) {
            // The client drops every bucket it asked about that the first checkpoint leaves out, and
            // every bucket a later diff removes: one that comes back later is sent from its start.
            requested.clear();
        }
        sent = now;
        if (resolve) {
            hub.track(signal, current.keySet(), usedLookups, checkpoint); // the buckets and lookups may have changed
        }
        OptionalLong write = acknowledgedWrite > 0 ? OptionalLong.of(acknowledgedWrite) : OptionalLong.empty();
        SyncLine line = isFirst
                ? new Checkpoint(checkpoint, write, List.copyOf(now.values()), lastResolution.streams())
                : new CheckpointDiff(checkpoint, write, updated, removed);
        toFetch.sort(Comparator.comparingInt(ResolvedBucket::priority).thenComparing(ResolvedBucket::bucket));
        firstPrepared = true;
        return new Prepared(checkpoint, line, toFetch, served.sourceMillis());
    }

    private BucketResolution lastResolution;

    private Map<String, ResolvedBucket> resolve(CheckpointHub.Served served) {
        Set<String> lookupsUsed = new LinkedHashSet<>();
        LookupSource source = StorageReads.lookupSource(hub, storage, served, limits.maxParameterResults(), lookupsUsed);
        BucketResolution resolution = served.plan().resolveBuckets(parameters, request.effectiveStreams(), source,
                limits.maxBuckets());
        lastResolution = resolution;
        usedLookups = lookupsUsed;
        Map<String, ResolvedBucket> buckets = new LinkedHashMap<>();
        for (ResolvedBucket bucket : resolution.buckets()) {
            buckets.put(bucket.bucket(), bucket);
        }
        return buckets;
    }

    private Map<String, BucketStore.CheckpointTotals> checksums(Set<String> buckets, CheckpointHub.Served served) {
        if (buckets.isEmpty()) {
            return Map.of();
        }
        return hub.checksums().getAll(buckets, served.checkpoint(),
                (keys, checkpoint) -> StorageReads.totals(storage, served.version(), keys, checkpoint));
    }

    private long initialWriteCheckpoint(CheckpointHub.Served served) {
        Optional<WriteCheckpoints.Pending> pending;
        try (Connection connection = storage.getConnection()) {
            pending = new WriteCheckpoints().find(connection, token.userId(), clientId);
        } catch (SQLException e) {
            throw new SyncException(ErrorCode.STORAGE_UNAVAILABLE, "Bucket storage cannot be read: " + e.getMessage(), e);
        }
        if (pending.isEmpty()) {
            return 0;
        }
        SourcePosition position = SourcePosition.parseJson(pending.get().sourcePosition());
        if (served.position().reaches(position)) {
            return pending.get().id();
        }
        hub.writeCheckpoint(signal.writeKey, pending.get().id(), position);
        return 0;
    }

    // ---- sending

    private void send(Prepared prepared, LineSink out) throws IOException {
        out.write(prepared.line());
        List<ResolvedBucket> buckets = prepared.toFetch();
        for (int i = 0; i < buckets.size(); i++) {
            ResolvedBucket bucket = buckets.get(i);
            reachableFrom = Math.max(reachableFrom, sendBucket(bucket.bucket(), prepared.checkpoint(), out));
            boolean invalidated = prepared.checkpoint() < reachableFrom;
            boolean lastOfPriority = i == buckets.size() - 1 || buckets.get(i + 1).priority() != bucket.priority();
            if (lastOfPriority && i < buckets.size() - 1 && !invalidated) {
                out.write(new PartialCheckpointComplete(prepared.checkpoint(), bucket.priority()));
                out.flush();
            }
        }
        if (prepared.checkpoint() < reachableFrom) {
            pendingFetch.addAll(buckets.stream().map(ResolvedBucket::bucket).toList());
            retrySoon = true;
        } else {
            out.write(new CheckpointComplete(prepared.checkpoint()));
            pendingFetch.clear();
            covered = prepared.checkpoint();
            coveredBuckets = new HashSet<>(sent.keySet());
            stats.checkpointSent(prepared.sourceMillis());
        }
        out.flush();
    }

    /**
     * Sends a bucket's ops up to the checkpoint; returns the op id from which on a checkpoint is
     * reachable again when compaction made this one unreachable, else 0.
     */
    private long sendBucket(String bucket, long checkpoint, LineSink out) throws IOException {
        if (covered > 0 && coveredBuckets.contains(bucket)) {
            Optional<List<OplogEntry>> recent = hub.recent().between(bucket, covered, checkpoint);
            if (recent.isPresent()) {
                sendOps(bucket, recent.get(), out);
                return 0;
            }
        }
        long from = 0;
        ReadAhead reads = new ReadAhead(bucket, checkpoint);
        while (true) {
            Optional<BucketReader.Read> read = reads.take(positions.getOrDefault(bucket, 0L));
            if (read.isEmpty()) {
                return from;
            }
            DataChunk chunk = read.get().chunk();
            out.write(chunk);
            stats.opsSent.add(chunk.data().size());
            positions.put(bucket, chunk.nextAfter());
            from = Math.max(from, read.get().reachableFrom());
            if (!chunk.hasMore()) {
                return from;
            }
        }
    }

    /** Sends ops the hub already holds (those after the client's position), in chunks within the limits. */
    private void sendOps(String bucket, List<OplogEntry> ops, LineSink out) throws IOException {
        long after = positions.getOrDefault(bucket, 0L);
        List<OplogEntry> chunk = new ArrayList<>();
        long bytes = 0;
        for (int i = 0; i < ops.size(); i++) {
            OplogEntry op = ops.get(i);
            if (op.opId() <= after) {
                continue; // already sent in a checkpoint that compaction kept from completing
            }
            chunk.add(op);
            bytes += 64 + op.data().map(String::length).orElse(0);
            boolean last = i == ops.size() - 1;
            if (last || chunk.size() >= limits.chunkOps() || bytes >= limits.chunkBytes()) {
                long next = op.opId();
                out.write(new DataChunk(bucket, after, next, !last, chunk));
                stats.opsSent.add(chunk.size());
                positions.put(bucket, next);
                after = next;
                chunk = new ArrayList<>();
                bytes = 0;
            }
        }
    }

    /**
     * One bucket's chunks, read ahead of this stream sending them. Storage answers a chunk's query
     * with its last op id before the rows become ops: the read of the next chunk starts then, on a
     * virtual thread of its own, while this one is built, encoded and written, so storage, the
     * driver and the encoder work at once. At most {@link #DEPTH} reads run ahead of the stream
     * (so it holds at most three chunks), each with one of the hub's read-ahead permits, which
     * leave the rest of the storage pool to the streams' own reads; without a permit the stream
     * reads the chunk itself when it gets there, as it does when a read ahead failed. A stream
     * that ends early leaves its reads ahead to finish into the shared chunk cache.
     */
    private final class ReadAhead {
        private static final int DEPTH = 2;
        private final String bucket;
        private final long checkpoint;
        private final Map<Long, CompletableFuture<Optional<BucketReader.Read>>> started = new HashMap<>(); // guarded by this
        private long frontier = -1; // guarded by this: the highest chunk start known so far
        private boolean deferred; // guarded by this: the read from the frontier waits for room

        ReadAhead(String bucket, long checkpoint) {
            this.bucket = bucket;
            this.checkpoint = checkpoint;
        }

        /** The chunk after {@code after}: the one read ahead there, or one read now. */
        Optional<BucketReader.Read> take(long after) {
            CompletableFuture<Optional<BucketReader.Read>> read;
            synchronized (this) {
                read = started.remove(after);
                if (deferred && after >= frontier) {
                    deferred = false; // the stream got there first: it reads that chunk itself
                }
                if (deferred && started.size() < DEPTH && hub.readAhead().tryAcquire()) {
                    deferred = false;
                    start(frontier);
                }
            }
            if (read != null) {
                try {
                    Optional<BucketReader.Read> ahead = read.get();
                    stats.chunksReadAhead.increment();
                    return ahead;
                } catch (ExecutionException e) {
                    LOG.fine(() -> "A read ahead of " + bucket + " failed; the stream reads it itself: " + e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new SyncException(ErrorCode.SHUTTING_DOWN, "Interrupted while reading bucket storage", e);
                }
            }
            return load(after);
        }

        private Optional<BucketReader.Read> load(long after) {
            Optional<BucketReader.Read> read = readChunk(bucket, after, checkpoint, this::next);
            if (read.isPresent() && read.get().chunk().hasMore()) {
                next(read.get().chunk().nextAfter()); // a chunk from the cache: no query told where the next starts
            }
            return read;
        }

        private synchronized void next(long after) {
            if (after <= frontier) {
                return; // started, taken or waiting already
            }
            frontier = after;
            if (started.size() < DEPTH && hub.readAhead().tryAcquire()) {
                start(after);
            } else {
                deferred = true;
            }
        }

        private void start(long after) { // holds the monitor and a permit, which the read gives back
            CompletableFuture<Optional<BucketReader.Read>> read = new CompletableFuture<>();
            started.put(after, read);
            Thread.ofVirtual().name("read-ahead").start(() -> {
                try {
                    read.complete(load(after));
                } catch (Throwable e) { // whatever ends the read, the stream waiting for it is told
                    read.completeExceptionally(e);
                } finally {
                    hub.readAhead().release();
                }
            });
        }
    }

    /** The chunk of {@code bucket} after {@code after}, through the hub's shared chunk cache. */
    private Optional<BucketReader.Read> readChunk(String bucket, long after, long checkpoint, LongConsumer nextKnown) {
        return hub.chunks().read(version, bucket, after, checkpoint, () -> {
            try (Connection connection = storage.getConnection()) {
                return reader.read(connection, version, bucket, after, checkpoint, limits.chunkOps(), limits.chunkBytes(),
                        nextKnown);
            } catch (SQLException e) {
                throw new SyncException(ErrorCode.STORAGE_UNAVAILABLE, "Bucket storage cannot be read: " + e.getMessage(), e);
            }
        });
    }

    @Override
    public void close() {
        if (registered) {
            registered = false;
            hub.unregister(signal);
        }
    }
}

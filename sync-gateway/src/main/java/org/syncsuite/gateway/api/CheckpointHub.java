package org.syncsuite.gateway.api;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

import javax.sql.DataSource;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.syncsuite.core.Checksums;
import org.syncsuite.core.change.SourcePosition;
import org.syncsuite.core.config.SyncPlan;
import org.syncsuite.core.protocol.OplogEntry;
import org.syncsuite.gateway.storage.BucketReader;
import org.syncsuite.gateway.storage.BucketStore;
import org.syncsuite.gateway.storage.SyncConfigVersions;
import org.syncsuite.gateway.writer.WriterSupervisor;

/**
 * The api role's one listener per process: it follows the checkpoints topic (and, as a safety
 * net, the active version's row in storage every few seconds), keeps the checkpoint every stream
 * serves, and wakes only the streams a checkpoint concerns: those holding a changed bucket or
 * lookup, or waiting for a write checkpoint the new position reaches. It also owns the caches of
 * bucket checksums and lookup results that those streams share.
 *
 * <p>Thread-safe: topic records and storage checks are applied under this object's monitor, and
 * streams take their changes under it, so a stream always sees a checkpoint together with every
 * change up to it.
 */
public final class CheckpointHub implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(CheckpointHub.class.getName());
    /** More ops than this in one checkpoint are left to each stream to read (a large transaction, a replay). */
    private static final int MAX_STEP_OPS = 10_000;
    private static final long MAX_STEP_BYTES = 8L << 20;

    /** The checkpoint streams serve: a sync config version, its plan, the op id and the source position. */
    public record Served(int version, SyncPlan plan, long checkpoint, SourcePosition position, long sourceMillis) {
    }

    /** A stream's view after taking its changes: the checkpoint to serve and what changed up to it. */
    record Snapshot(Served served, StreamSignal.Changes changes) {
    }

    private final DataSource storage;
    private final SyncConfigVersions versions = new SyncConfigVersions();
    private final Duration storageCheckEvery;
    private final CheckpointCache<BucketStore.CheckpointTotals> checksums = new CheckpointCache<>(100_000);
    private final CheckpointCache<List<String>> lookups = new CheckpointCache<>(100_000);
    private final ChunkCache chunks = new ChunkCache(64L << 20, checksums.marks());
    private final Semaphore readAhead;
    private final RecentOps recent = new RecentOps(1024, 20_000, 16L << 20);
    private final BucketReader reader = new BucketReader();
    private final Set<StreamSignal> streams = ConcurrentHashMap.newKeySet();
    // guarded by this
    private final Map<String, Set<StreamSignal>> byBucket = new HashMap<>();
    private final Map<String, Set<StreamSignal>> byLookup = new HashMap<>();
    private final Map<String, Set<StreamSignal>> byWriteKey = new HashMap<>();
    private final Set<StreamSignal> waitingWrites = new HashSet<>();
    private volatile Served served;
    private Seen seenInStorage; // guarded by this: the storage check before the latest
    private final Map<Integer, SyncPlan> plans = new ConcurrentHashMap<>();
    private volatile long lastTopicRead;
    private volatile boolean closed;
    private Thread listener;
    private Connection stepConnection; // the listener thread's own, so that busy streams never hold it up
    private long stepReadsPausedUntil; // listener thread only
    private KafkaConsumer<byte[], byte[]> consumer;
    private volatile Consumer<TopicRecord.Checkpoint> onCheckpoint = c -> { };

    public CheckpointHub(DataSource storage, Duration storageCheckEvery) {
        this.storage = storage;
        this.storageCheckEvery = storageCheckEvery;
        this.readAhead = new Semaphore(readAheadPermits(storage));
    }

    /**
     * Storage reads that streams may run ahead of sending at once: half the storage pool, so
     * that the other half always serves streams' own reads, the listener and write checkpoints.
     */
    static int readAheadPermits(DataSource storage) {
        try {
            if (storage.isWrapperFor(com.zaxxer.hikari.HikariDataSource.class)) {
                return Math.max(1, storage.unwrap(com.zaxxer.hikari.HikariDataSource.class).getMaximumPoolSize() / 2);
            }
        } catch (java.sql.SQLException e) {
            // not a pool it can see into
        }
        return 2;
    }

    /** The permits of reads ahead of a stream ({@link #readAheadPermits}): taken with {@code tryAcquire}, never waited for. */
    Semaphore readAhead() {
        return readAhead;
    }

    /** Called after each checkpoint is applied (for metrics). */
    public void onCheckpoint(Consumer<TopicRecord.Checkpoint> listener) {
        this.onCheckpoint = listener;
    }

    /** Starts following {@code topic}: from its end, after reading the active version's checkpoint from storage. */
    public void start(Map<String, Object> kafkaProperties, String topic) {
        Map<String, Object> props = new HashMap<>(kafkaProperties);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.putIfAbsent(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 20);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        consumer = new KafkaConsumer<>(props);
        TopicPartition partition = new TopicPartition(topic, 0);
        consumer.assign(List.of(partition));
        consumer.seekToEnd(List.of(partition));
        consumer.position(partition); // fixes the start before storage is read: nothing in between is missed
        checkStorage();
        listener = Thread.ofPlatform().daemon().name("checkpoint-hub").start(this::listen);
    }

    /** Whether a version is active with a checkpoint to serve. */
    public Optional<Served> served() {
        return Optional.ofNullable(served);
    }

    /** Whether the topic was read recently (within three storage checks). */
    public boolean isFollowing() {
        return System.nanoTime() - lastTopicRead < 3 * storageCheckEvery.toNanos();
    }

    public int openStreams() {
        return streams.size();
    }

    /** The streams of {@code userId} open in this process. */
    public int openStreamsOf(String userId) {
        int n = 0;
        for (StreamSignal signal : streams) {
            if (signal.userId.equals(userId)) {
                n++;
            }
        }
        return n;
    }

    CheckpointCache<BucketStore.CheckpointTotals> checksums() {
        return checksums;
    }

    CheckpointCache<List<String>> lookups() {
        return lookups;
    }

    ChunkCache chunks() {
        return chunks;
    }

    RecentOps recent() {
        return recent;
    }

    // ---- streams

    synchronized void register(StreamSignal signal) {
        streams.add(signal);
        byWriteKey.computeIfAbsent(signal.writeKey, k -> new HashSet<>()).add(signal);
    }

    synchronized void unregister(StreamSignal signal) {
        streams.remove(signal);
        index(byBucket, signal, signal.registeredBuckets, Set.of());
        index(byLookup, signal, signal.registeredLookups, Set.of());
        signal.registeredBuckets = Set.of();
        signal.registeredLookups = Set.of();
        Set<StreamSignal> sameKey = byWriteKey.get(signal.writeKey);
        if (sameKey != null && sameKey.remove(signal) && sameKey.isEmpty()) {
            byWriteKey.remove(signal.writeKey);
        }
        waitingWrites.remove(signal);
    }

    /** The buckets and lookups a stream depends on, so that only their changes wake it. */
    synchronized void track(StreamSignal signal, Set<String> buckets, Set<String> lookupKeys, long asOf) {
        Served current = served;
        if (current != null && current.checkpoint() != asOf) {
            // checkpoints went by since the stream took its snapshot: what it starts to track may have changed
            List<String> newBuckets = buckets.stream().filter(b -> !signal.registeredBuckets.contains(b)).toList();
            List<String> newLookups = lookupKeys.stream().filter(l -> !signal.registeredLookups.contains(l)).toList();
            if (!newBuckets.isEmpty() || !newLookups.isEmpty()) {
                signal.changed(newBuckets, newLookups);
            }
        }
        index(byBucket, signal, signal.registeredBuckets, buckets);
        index(byLookup, signal, signal.registeredLookups, lookupKeys);
        signal.registeredBuckets = Set.copyOf(buckets);
        signal.registeredLookups = Set.copyOf(lookupKeys);
    }

    /** The checkpoint to serve and the stream's changes up to it, taken together. */
    synchronized Snapshot take(StreamSignal signal) {
        return new Snapshot(served, signal.take());
    }

    /**
     * A write checkpoint of {@code writeKey}: acknowledged at once to its streams when the served
     * checkpoint reaches its position, else when a later one does.
     */
    synchronized void writeCheckpoint(String writeKey, long id, SourcePosition position) {
        Served current = served;
        for (StreamSignal signal : byWriteKey.getOrDefault(writeKey, Set.of())) {
            if (current != null && current.position().reaches(position)) {
                signal.writeReached(id);
            } else if (signal.waitingWrite == null || signal.waitingWrite.id() < id) {
                signal.waitingWrite = new StreamSignal.WaitingWrite(id, position);
                waitingWrites.add(signal);
            }
        }
    }

    // ---- checkpoints

    synchronized void apply(TopicRecord.Checkpoint event) {
        apply(event, Optional.empty());
    }

    /** Applies a checkpoint; {@code step} holds the ops it added to each changed bucket, when they were read. */
    synchronized void apply(TopicRecord.Checkpoint event, Optional<Map<String, List<OplogEntry>>> step) {
        Served current = served;
        if (current == null || event.version() != current.version()) {
            if ((current == null || event.version() > current.version()) && "ACTIVE".equals(event.state())) {
                switchTo(event.version(), event.checkpoint(), event.position(), event.sourceTimestampMillis());
            }
            return;
        }
        if (event.checkpoint() < current.checkpoint()
                || (event.checkpoint() == current.checkpoint() && !event.position().reaches(current.position()))) {
            return; // older than what is served
        }
        // a record of the checkpoint already served (the storage check got there first) changes nothing
        boolean all = event.checkpoint() != current.checkpoint()
                && (event.invalidateAll() || event.previous() != current.checkpoint());
        Map<String, BucketStore.CheckpointTotals> derived = Map.of();
        if (event.checkpoint() != current.checkpoint()) {
            if (!all && step.isPresent()) {
                recent.append(event.previous(), event.checkpoint(), step.get());
                derived = derive(event, step.get());
            } else {
                recent.gap();
            }
        }
        advance(current, event.checkpoint(), event.position(), event.sourceTimestampMillis(), all, event.buckets(),
                event.lookups());
        derived.forEach((bucket, totals) -> checksums.put(bucket, event.checkpoint(), totals));
        onCheckpoint.accept(event);
    }

    /**
     * The changed buckets' checksums at the event's checkpoint, from those held at the previous one
     * plus the ops in between (as a client adds them up); buckets with none held are left to load.
     * The step holds no MOVE or CLEAR ({@link BucketReader#readRange}), so this is exact for the
     * checksum; the count is the held one plus the new ops, as a client counts, even when
     * compaction has since merged older ops in storage.
     */
    private Map<String, BucketStore.CheckpointTotals> derive(TopicRecord.Checkpoint event, Map<String, List<OplogEntry>> step) {
        Map<String, BucketStore.CheckpointTotals> derived = new HashMap<>();
        for (String bucket : event.buckets()) {
            Optional<BucketStore.CheckpointTotals> before = checksums.heldAt(bucket, event.previous());
            if (before.isEmpty() || !before.get().reachable()) {
                continue;
            }
            long checksum = before.get().checksum();
            List<OplogEntry> ops = step.getOrDefault(bucket, List.of());
            for (OplogEntry op : ops) {
                checksum = Checksums.add(checksum, op.checksum());
            }
            derived.put(bucket, new BucketStore.CheckpointTotals(checksum, before.get().count() + ops.size(), true, 0));
        }
        return derived;
    }

    private void advance(Served current, long checkpoint, SourcePosition position, long sourceMillis, boolean all,
                         Collection<String> buckets, Collection<String> lookupKeys) {
        checksums.advance(checkpoint, buckets, all);
        lookups.advance(checkpoint, lookupKeys, all);
        served = new Served(current.version(), current.plan(), checkpoint, position, sourceMillis);
        if (checkpoint != current.checkpoint()) {
            if (all) {
                streams.forEach(StreamSignal::changedAll);
            } else {
                Map<StreamSignal, List<String>> bucketHits = hits(byBucket, buckets);
                Map<StreamSignal, List<String>> lookupHits = hits(byLookup, lookupKeys);
                Set<StreamSignal> touched = new HashSet<>(bucketHits.keySet());
                touched.addAll(lookupHits.keySet());
                for (StreamSignal signal : touched) {
                    signal.changed(bucketHits.getOrDefault(signal, List.of()), lookupHits.getOrDefault(signal, List.of()));
                }
            }
        }
        for (var it = waitingWrites.iterator(); it.hasNext(); ) {
            StreamSignal signal = it.next();
            StreamSignal.WaitingWrite waiting = signal.waitingWrite;
            if (waiting == null) {
                it.remove();
            } else if (position.reaches(waiting.position())) {
                signal.waitingWrite = null;
                signal.writeReached(waiting.id());
                it.remove();
            }
        }
    }

    private void switchTo(int version, long checkpoint, SourcePosition position, long sourceMillis) {
        Served previous = served;
        SyncPlan plan;
        try {
            plan = planOf(version);
        } catch (SQLException | RuntimeException e) {
            LOG.log(Level.WARNING, "Cannot load sync config version " + version + " yet: " + e.getMessage(), e);
            return;
        }
        checksums.reset(checkpoint);
        lookups.reset(checkpoint);
        chunks.clear();
        recent.gap();
        served = new Served(version, plan, checkpoint, position, sourceMillis);
        if (previous != null) {
            LOG.info(() -> "Sync config version " + version + " is active: ending " + streams.size()
                    + " stream(s) of version " + previous.version() + " so that their clients reconnect");
            streams.forEach(signal -> signal.end("sync config version " + version + " is now active"));
        } else {
            LOG.info(() -> "Serving sync config version " + version + " from checkpoint " + checkpoint);
        }
        plans.keySet().removeIf(id -> id < version);
    }

    private SyncPlan planOf(int version) throws SQLException {
        SyncPlan plan = plans.get(version);
        if (plan != null) {
            return plan;
        }
        try (Connection connection = storage.getConnection()) {
            SyncConfigVersions.Version found = versions.find(connection, version, false).orElseThrow(
                    () -> new IllegalStateException("version " + version + " is not in storage"));
            plan = WriterSupervisor.planOf(version, found.content());
        }
        plans.put(version, plan);
        return plan;
    }

    /** The safety net: the active version's row, in case the topic is behind, down or missed a record. */
    void checkStorage() {
        Optional<SyncConfigVersions.Version> active;
        try (Connection connection = storage.getConnection()) {
            active = versions.active(connection);
        } catch (SQLException e) {
            LOG.log(Level.WARNING, "Bucket storage cannot be read: " + e.getMessage());
            return;
        }
        if (active.isEmpty() || active.get().lastCheckpoint().isEmpty()) {
            return;
        }
        SyncConfigVersions.Version version = active.get();
        SyncConfigVersions.Checkpoint checkpoint = version.lastCheckpoint().get();
        SourcePosition position = SourcePosition.parseJson(checkpoint.sourcePosition());
        synchronized (this) {
            Served current = served;
            Seen before = seenInStorage;
            seenInStorage = new Seen(version.id(), checkpoint.opId(), position);
            if (current == null || version.id() > current.version()) {
                switchTo(version.id(), checkpoint.opId(), position, 0);
            } else if (version.id() == current.version() && before != null && before.version() == version.id()
                    && before.isAhead(current)) { // and so is what storage holds now
                // The topic has not brought, a whole check later, what storage already held: it is
                // down or lost a record. It did not say what changed, so every stream looks again.
                // Storage merely ahead of the topic is the normal case (the writer publishes after
                // it commits) and wakes nobody.
                if (checkpoint.opId() != current.checkpoint()) {
                    recent.gap();
                }
                advance(current, checkpoint.opId(), position, 0, checkpoint.opId() != current.checkpoint(), List.of(), List.of());
            }
        }
    }

    /** A checkpoint the active version's row in storage held at a check. */
    private record Seen(int version, long checkpoint, SourcePosition position) {

        boolean isAhead(Served served) {
            return checkpoint > served.checkpoint()
                    || (checkpoint == served.checkpoint() && !served.position().reaches(position));
        }
    }

    private void listen() {
        long nextStorageCheck = System.nanoTime() + storageCheckEvery.toNanos();
        while (!closed) {
            try {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(250))) {
                    applyRecord(record);
                }
                lastTopicRead = System.nanoTime();
            } catch (WakeupException e) {
                break;
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "Reading the checkpoints topic failed; retrying: " + e.getMessage(), e);
                sleep(1000);
            }
            if (System.nanoTime() >= nextStorageCheck) {
                checkStorage();
                nextStorageCheck = System.nanoTime() + storageCheckEvery.toNanos();
            }
        }
        consumer.close(Duration.ofSeconds(2));
        closeStepConnection();
    }

    private void applyRecord(ConsumerRecord<byte[], byte[]> record) {
        if (record.value() == null) {
            return;
        }
        try {
            Optional<TopicRecord> parsed = TopicRecord.parse(record.value());
            if (parsed.isPresent()) {
                switch (parsed.get()) {
                    case TopicRecord.Checkpoint checkpoint -> apply(checkpoint, readStep(checkpoint));
                    case TopicRecord.WriteCheckpoint write -> writeCheckpoint(write.userId() + "/" + write.clientId(),
                            write.id(), write.position());
                }
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "Skipping an unreadable record at offset " + record.offset() + " of the checkpoints topic: "
                    + e.getMessage());
        }
    }

    /**
     * The ops a checkpoint added to its changed buckets, read once here for every stream it wakes:
     * only for the checkpoint that follows the served one, and empty when storage cannot say (too
     * many ops, compaction got there first, storage down), in which case streams read for themselves.
     * Read before the hub's monitor is taken, so streams go on meanwhile; this thread alone advances
     * the served checkpoint, so it is still the one the event follows when applied.
     */
    private Optional<Map<String, List<OplogEntry>>> readStep(TopicRecord.Checkpoint event) {
        Served current = served;
        if (current == null || event.version() != current.version() || event.invalidateAll()
                || event.previous() != current.checkpoint() || event.checkpoint() <= current.checkpoint()) {
            return Optional.empty();
        }
        if (event.buckets().isEmpty()) {
            return Optional.of(Map.of());
        }
        if (System.nanoTime() < stepReadsPausedUntil) {
            return Optional.empty(); // storage failed a moment ago: the listener does not wait on it for every record
        }
        try {
            if (stepConnection == null) {
                stepConnection = storage.getConnection();
            }
            return reader.readRange(stepConnection, event.version(), event.buckets(), event.previous(), event.checkpoint(),
                    MAX_STEP_OPS, MAX_STEP_BYTES);
        } catch (SQLException | RuntimeException e) {
            LOG.log(Level.FINE, "The ops of checkpoint " + event.checkpoint() + " could not be read for the streams: "
                    + e.getMessage(), e);
            stepReadsPausedUntil = System.nanoTime() + storageCheckEvery.toNanos();
            closeStepConnection();
            return Optional.empty();
        }
    }

    private void closeStepConnection() {
        if (stepConnection != null) {
            try {
                stepConnection.close();
            } catch (SQLException e) {
                LOG.log(Level.FINE, "Closing the hub's storage connection failed: " + e.getMessage(), e);
            }
            stepConnection = null;
        }
    }

    private static Map<StreamSignal, List<String>> hits(Map<String, Set<StreamSignal>> index, Collection<String> keys) {
        Map<StreamSignal, List<String>> hits = new HashMap<>();
        for (String key : keys) {
            for (StreamSignal signal : index.getOrDefault(key, Set.of())) {
                hits.computeIfAbsent(signal, s -> new ArrayList<>()).add(key);
            }
        }
        return hits;
    }

    private static void index(Map<String, Set<StreamSignal>> index, StreamSignal signal, Set<String> before, Set<String> after) {
        for (String key : before) {
            if (!after.contains(key)) {
                Set<StreamSignal> holders = index.get(key);
                if (holders != null && holders.remove(signal) && holders.isEmpty()) {
                    index.remove(key);
                }
            }
        }
        for (String key : after) {
            if (!before.contains(key)) {
                index.computeIfAbsent(key, k -> new HashSet<>()).add(signal);
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Ends every stream (the process is stopping) and stops following the topic. */
    public void shutdown(String reason) {
        streams.forEach(signal -> signal.end(reason));
    }

    @Override
    public void close() {
        closed = true;
        if (consumer != null) {
            consumer.wakeup();
        }
        if (listener != null) {
            try {
                listener.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

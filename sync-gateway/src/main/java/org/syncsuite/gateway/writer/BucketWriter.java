package org.syncsuite.gateway.writer;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.syncsuite.core.SyncException;
import org.syncsuite.core.change.ChangeEventCodec;
import org.syncsuite.core.change.ChangeRecord;
import org.syncsuite.core.change.JsonBuffer;
import org.syncsuite.core.change.SnapshotProgress;
import org.syncsuite.core.change.SourcePosition;
import org.syncsuite.core.config.SyncPlan;
import org.syncsuite.core.protocol.OplogEntry;
import org.syncsuite.gateway.storage.BucketStore;
import org.syncsuite.gateway.storage.CurrentData;
import org.syncsuite.gateway.storage.ParameterIndex;
import org.syncsuite.gateway.storage.StorageDatabase;
import org.syncsuite.gateway.storage.SyncConfigVersions;

/**
 * The writer of one sync config version: consumes the changes topic ({@code read_committed})
 * from the offset its last commit stored, turns each row change into bucket operations and
 * parameter index entries ({@link WriterBatch}), and writes them in batches. Each batch is one
 * storage transaction holding its operations, their op ids, the rows' new memberships and the
 * changes offset to consume next, so a writer that dies anywhere leaves either all of a batch or
 * none of it, and the next one (restarted, or a standby) goes on from exactly there: no op is lost
 * or repeated, and op ids go on without a gap.
 *
 * <p>Op ids come from a range the writer reserves from the shared sequence ahead of time and
 * records with the version; a writer that starts again numbers from the first id no committed
 * batch took. With ids known before a batch commits, two storage lanes (each a thread with its
 * own connection) overlap: one batch inserts its operations while the one ahead of it writes its
 * totals and memberships and commits. A batch takes the version's row only after the one ahead
 * has committed, so batches commit in order, each checked against where the one ahead left the
 * version.
 *
 * <p>A batch that ends at a source transaction boundary (a position record) once the initial
 * snapshot is done is a checkpoint: it is recorded, published, and for a version still
 * processing, makes it active once it has caught up with the topic.
 *
 * <p>Writers of a version form one consumer group on the topic's single partition: the one that
 * holds the partition writes, the others wait. Before committing, a writer checks under the
 * version's row lock that storage still holds the offset it started its batch from, so a writer
 * that lost the partition without noticing commits nothing. Run {@link #run} on a thread of its
 * own; {@link #close} stops it.
 */
public final class BucketWriter implements Runnable, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(BucketWriter.class.getName());
    private static final int LOAD_CHUNK = 1_000;
    /** Memberships kept between batches, so that rows that change often are not loaded again each time. */
    private static final int MEMBERSHIP_CACHE = 200_000;
    /** Storage lanes: one batch commits while the next one's operations go in. */
    static final int LANES = 2;
    /** Op ids taken from the sequence at a time (more when one batch needs more). */
    static final int RESERVE_OP_IDS = 1_000_000;
    /**
     * A checkpoint that adds no op (the source moved on by transactions of tables no stream
     * reads) is committed at most this often. Where bucket storage shares the source's server,
     * each such commit is itself a source transaction that comes back as one: without a bound the
     * writer would commit continuously on an idle source.
     */
    static final long POSITION_ONLY_INTERVAL_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(1);

    private final int versionId;
    private final SyncPlan plan;
    private final StorageDatabase storage;
    private final Map<String, Object> kafkaProperties;
    private final String topic;
    private final String groupId;
    private final CheckpointPublisher publisher;
    private final WriterSettings settings;
    private final WriterListener listener;
    private final BucketStore buckets = new BucketStore();
    private final CurrentData currentData = new CurrentData();
    private final ParameterIndex parameterIndex = new ParameterIndex();
    private final SyncConfigVersions versions = new SyncConfigVersions();
    private final WriterBatch batch;

    private volatile boolean closed;
    private volatile boolean owner;
    private volatile boolean stopped;
    private volatile long lag = -1;
    private KafkaConsumer<byte[], byte[]> consumer;
    /** The consumer thread's connection: memberships and progress are read on it. */
    private Connection connection;
    /**
     * The storage lanes, each a thread with its connection: batches go to them in turn, so that a
     * batch's operations are inserted while the batch ahead of it still commits. Batches commit
     * in order: each waits for the one ahead before it takes the version's row.
     */
    private final Lane[] lanes = new Lane[LANES];
    private int nextLane;
    /** Batches handed to the lanes and not settled yet, oldest first (at most {@link #LANES}). */
    private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
    /**
     * The op ids reserved for this version, as storage records them, and the next one to number an
     * op with: within the range, or just after it once it is used up (a reservation that follows
     * straight on extends it); 0 to number from the start of the next reservation.
     */
    private SyncConfigVersions.OpIdRange reserved = SyncConfigVersions.OpIdRange.NONE;
    private long nextOpId;
    private int reserveAtATime = RESERVE_OP_IDS;
    private int membershipCache = MEMBERSHIP_CACHE;
    private volatile long evictions;
    private int remainingInPoll;
    /** The bytes a statement is cut at: half the server's max_allowed_packet, at most 4 MiB. */
    private long statementBytes = 4L * 1024 * 1024;
    /**
     * Whether batches go in as {@code LOAD DATA LOCAL} rows ({@link StorageDatabase#loadsLocal}),
     * asked again at every resync; with false, as multi-row statements.
     */
    private boolean loadLocal;
    /** Rows whose data is longer are skipped with an error (they could not be written in one statement). */
    private int maxDataBytes = WriterBatch.MAX_ROW_BYTES;
    /**
     * What batches committed without a checkpoint touched, for the next checkpoint's hints: written
     * by the lanes one batch at a time in commit order (each after the one ahead is done), reset by
     * the writer thread when it starts again with no batch in flight.
     */
    private final java.util.Set<String> carriedBuckets = new java.util.LinkedHashSet<>();
    private final java.util.Set<ByteBuffer> carriedLookups = new java.util.LinkedHashSet<>();
    /** Likewise: false when ops since the last checkpoint were written by a writer before this one. */
    private boolean carriedComplete = true;
    private TopicPartition partition;
    private boolean resync;
    private long batchStart;
    private long nextOffset;
    private long batchOpenedAt;
    private boolean snapshotDone;
    private SourcePosition position;
    private long positionSourceMillis;
    private boolean atBoundary;
    /** When the last checkpoint that added no op was committed (0: none since the writer started again). */
    private long positionOnlyCommittedAt;

    public BucketWriter(int versionId, SyncPlan plan, StorageDatabase storage, Map<String, Object> kafkaProperties,
                        String topic, String groupId, CheckpointPublisher publisher, WriterSettings settings,
                        WriterListener listener) {
        this.versionId = versionId;
        this.plan = plan;
        this.storage = storage;
        this.kafkaProperties = Map.copyOf(kafkaProperties);
        this.topic = topic;
        this.groupId = groupId;
        this.publisher = publisher;
        this.settings = settings;
        this.listener = listener;
        this.batch = new WriterBatch(plan, (table, key, error) -> skipped(table, key, error));
    }

    public int versionId() {
        return versionId;
    }

    /** How many op ids to reserve at a time (at least what a batch needs); before {@link #run}. */
    void reserveOpIdsAtATime(int count) {
        this.reserveAtATime = count;
    }

    /** How many memberships to keep between batches before forgetting those storage holds; before {@link #run}. */
    void membershipCache(int count) {
        this.membershipCache = count;
    }

    /** How often memberships were forgotten (the cache was full). */
    long evictions() {
        return evictions;
    }

    /** Whether this writer holds the version's partition (it is the active writer). */
    public boolean isOwner() {
        return owner;
    }

    /** Whether the version was stopped (replaced by a newer one): the writer has ended for good. */
    public boolean isStopped() {
        return stopped;
    }

    /** Records left to consume, as of the last poll; -1 before the first. */
    public long lag() {
        return lag;
    }

    @Override
    public void run() {
        Thread.currentThread().setName("bucket-writer-v" + versionId);
        while (!closed && !stopped) {
            if (Thread.currentThread().isInterrupted()) {
                closed = true; // an interrupt is a request to stop
                break;
            }
            try {
                consume();
            } catch (WakeupException e) {
                // closing
            } catch (Error e) {
                closeQuietly(); // the open transaction is rolled back, and the group hands the partition on
                throw e;
            } catch (Exception e) {
                if (closed) {
                    break;
                }
                LOG.log(Level.WARNING, "Writer of sync config version " + versionId + " failed; retrying in "
                        + settings.retryBackoff().toMillis() + " ms: " + e, e);
                listener.retrying(versionId, e);
                closeQuietly();
                sleep(settings.retryBackoff());
            }
        }
        closeQuietly();
    }

    private void consume() throws SQLException {
        consumer = new KafkaConsumer<>(consumerProperties());
        consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                if (!partitions.isEmpty()) {
                    partition = partitions.iterator().next();
                    owner = true;
                    resync = true;
                    LOG.info("Writer of sync config version " + versionId + " is active");
                }
            }

            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                lost(partitions);
            }

            @Override
            public void onPartitionsLost(Collection<TopicPartition> partitions) {
                lost(partitions);
            }
        });
        while (!closed && !stopped) {
            ConsumerRecords<byte[], byte[]> records = consumer.poll(settings.pollTimeout());
            if (!owner) {
                continue;
            }
            if (resync) {
                resync();
                continue; // records fetched before the seek are from the old position
            }
            settleIfDone();
            if (stopped || resync) {
                continue;
            }
            List<ConsumerRecord<byte[], byte[]>> list = records.records(partition);
            OptionalLong currentLag = consumer.currentLag(partition);
            lag = currentLag.isPresent() ? currentLag.getAsLong() : lag;
            if (!list.isEmpty()) {
                process(list);
            } else if (atBoundary && nextOffset != batchStart && !positionOnlyTooSoon()) {
                commit(snapshotDone); // a checkpoint that waited for the interval (any other batch at a boundary is committed)
            }
        }
    }

    private void lost(Collection<TopicPartition> partitions) {
        if (!partitions.isEmpty() && owner) {
            owner = false;
            settleQuietly();
            batch.clear();
            LOG.info("Writer of sync config version " + versionId + " is a standby now");
        }
    }

    /** Starts again from what storage holds: the offset after the last commit. */
    private void resync() throws SQLException {
        settleQuietly();
        Connection c = connection();
        SyncConfigVersions.Progress progress;
        try {
            progress = versions.lockProgress(c, versionId);
            long maxPacket = maxPacket(c);
            statementBytes = Math.max(64 * 1024, Math.min(4L * 1024 * 1024, maxPacket / 2));
            maxDataBytes = (int) Math.min(WriterBatch.MAX_ROW_BYTES, (maxPacket - 64 * 1024) / 2);
            loadLocal = storage.loadsLocal(c);
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            throw e;
        }
        if (!isRunnable(progress.state())) {
            stopped = true;
            return;
        }
        batch.clear();
        batch.maxDataBytes(maxDataBytes);
        carriedBuckets.clear();
        carriedLookups.clear();
        carriedComplete = progress.writtenOp() == progress.lastCheckpoint();
        reserved = progress.reserved();
        // The version's ids go on without a gap: from the first one no committed batch took, within the reserved
        // range or just after it (the next reservation then extends the range). Before the range: none taken yet.
        long written = progress.writtenOp();
        nextOpId = reserved.from() > 0 && written + 1 >= reserved.from() && written <= reserved.until() ? written + 1 : 0;
        batchStart = progress.changesOffset();
        nextOffset = batchStart;
        snapshotDone = progress.snapshotDone();
        atBoundary = false;
        position = null;
        positionOnlyCommittedAt = 0;
        consumer.seek(partition, batchStart);
        resync = false;
    }

    private static boolean isRunnable(SyncConfigVersions.State state) {
        return state == SyncConfigVersions.State.PROCESSING || state == SyncConfigVersions.State.ACTIVE
                || state == SyncConfigVersions.State.ERRORED;
    }

    private void process(List<ConsumerRecord<byte[], byte[]>> records) throws SQLException {
        // First the rows the poll changes, from the record keys alone: their memberships are loaded in one go. The
        // records are decoded one at a time as they are applied, so that each is garbage soon after.
        java.util.Set<WriterBatch.RowRef> pollRows = new java.util.HashSet<>();
        Map<String, List<WriterBatch.RowRef>> toLoad = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            String table = ChangeEventCodec.rowTable(record.key());
            if (table != null && plan.readsTable(table)) {
                WriterBatch.RowRef row = new WriterBatch.RowRef(table, ChangeEventCodec.rowSourceKey(record.key()));
                pollRows.add(row);
                if (!batch.isKnown(row)) {
                    // Even an insert is looked up: a reader that lags behind the log cleaner may find the
                    // row's delete compacted away, and storage still holding where the row was before.
                    toLoad.computeIfAbsent(row.table(), t -> new ArrayList<>()).add(row);
                }
            }
        }
        if (batch.known() > membershipCache) {
            evictions++;
            // Bounded memory: storage holds every committed membership. Kept: this poll's rows, the open batch's,
            // and those of batches in flight (storage does not hold them yet).
            batch.evictExcept(row -> pollRows.contains(row) || heldInFlight(row));
        }
        load(toLoad);
        for (int i = 0; i < records.size(); i++) {
            ConsumerRecord<byte[], byte[]> record = records.get(i);
            ChangeRecord change;
            try {
                change = ChangeEventCodec.decode(record.key(), record.value());
            } catch (SyncException | IllegalArgumentException e) {
                skipped("?", record.key() == null ? "?" : new String(record.key(), StandardCharsets.UTF_8),
                        "offset " + record.offset() + ": " + e.getMessage());
                change = null;
            }
            if (batch.size() == 0 && batch.rows() == 0 && batchOpenedAt == 0) {
                batchOpenedAt = System.nanoTime();
            }
            atBoundary = false;
            if (change instanceof ChangeRecord.Truncate && !settle()) {
                return; // the truncated rows are read from storage: what is in flight must be there first
            }
            if (change != null) {
                apply(change, record.key());
            }
            nextOffset = record.offset() + 1;
            boolean last = i == records.size() - 1;
            remainingInPoll = records.size() - 1 - i;
            if (atBoundary) {
                // a checkpoint that adds no op too soon after the last waits: for an empty poll, or for the next ops
                boolean waits = isPositionOnly() && positionOnlyTooSoon();
                if (!waits && (batch.size() >= settings.batchOps() || last
                        || System.nanoTime() - batchOpenedAt >= settings.linger().toNanos())) {
                    commit(snapshotDone);
                    if (stopped || resync) {
                        return;
                    }
                }
            } else if (batch.size() >= settings.maxBatchOps()) {
                commit(false);
                if (stopped || resync) {
                    return;
                }
            }
        }
    }

    /** Whether the open batch holds nothing but the source's progress: no op, no index entry, no row. */
    private boolean isPositionOnly() {
        return batch.size() == 0 && batch.rows() == 0 && snapshotDone;
    }

    private boolean positionOnlyTooSoon() {
        return positionOnlyCommittedAt != 0 && System.nanoTime() - positionOnlyCommittedAt < POSITION_ONLY_INTERVAL_NANOS;
    }

    private void apply(ChangeRecord change, byte[] key) throws SQLException {
        switch (change) {
            case ChangeRecord.RowChange row -> {
                batch.countRowChange();
                if (plan.readsTable(row.table())) {
                    batch.applyRow(knownRow(row.table(), key), row.after().orElse(null));
                }
            }
            case ChangeRecord.Tombstone tombstone -> {
                if (plan.readsTable(tombstone.table())) {
                    batch.applyRow(knownRow(tombstone.table(), key), null);
                }
            }
            case ChangeRecord.Truncate truncate -> {
                if (plan.readsTable(truncate.table())) {
                    batch.applyTruncate(truncate.table(), storedRowsOf(truncate.table()));
                }
            }
            case ChangeRecord.PositionMarker marker -> {
                position = marker.position();
                positionSourceMillis = marker.timestampMillis();
                atBoundary = true;
                if (!snapshotDone) {
                    snapshotDone = marker.snapshot().map(s -> s.complete() && s.restarts().isEmpty()).orElse(true);
                }
            }
            case ChangeRecord.SchemaChange schema -> {
                // rows carry their columns: nothing to do
            }
        }
    }

    /**
     * The row a record changes, its membership known: loaded with the poll's, or now for a key
     * whose table {@link ChangeEventCodec#rowTable} could not read.
     */
    private WriterBatch.RowRef knownRow(String table, byte[] key) throws SQLException {
        WriterBatch.RowRef row = new WriterBatch.RowRef(table, ChangeEventCodec.rowSourceKey(key));
        if (!batch.isKnown(row)) {
            load(Map.of(table, List.of(row)));
        }
        return row;
    }

    /** Loads the memberships of rows the batch has not seen, one query per table and chunk. */
    private void load(Map<String, List<WriterBatch.RowRef>> rows) throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        Connection c = connection();
        try {
            for (Map.Entry<String, List<WriterBatch.RowRef>> table : rows.entrySet()) {
                List<WriterBatch.RowRef> refs = table.getValue();
                for (int from = 0; from < refs.size(); from += LOAD_CHUNK) {
                    List<WriterBatch.RowRef> chunk = refs.subList(from, Math.min(refs.size(), from + LOAD_CHUNK));
                    List<byte[]> keys = new ArrayList<>(chunk.size());
                    for (WriterBatch.RowRef ref : chunk) {
                        keys.add(bytes(ref.key()));
                    }
                    Map<ByteBuffer, CurrentData.Membership> found = currentData.load(c, versionId, table.getKey(), keys);
                    for (WriterBatch.RowRef ref : chunk) {
                        CurrentData.Membership stored = found.get(ref.key());
                        batch.known(ref, stored == null ? RowMembership.NONE : RowMembership.decode(stored));
                    }
                }
            }
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            throw e;
        }
    }

    private Map<WriterBatch.RowRef, RowMembership> storedRowsOf(String table) throws SQLException {
        Map<WriterBatch.RowRef, RowMembership> rows = new HashMap<>();
        Connection c = connection();
        try {
            currentData.loadTable(c, versionId, table).forEach((key, stored) ->
                    rows.put(new WriterBatch.RowRef(table, key), RowMembership.decode(stored)));
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            throw e;
        }
        return rows;
    }

    /** The server's largest statement; a row's data, escaped (at most twice as long), must fit in one. */
    private static long maxPacket(Connection c) throws SQLException {
        try (PreparedStatement select = c.prepareStatement("SELECT @@max_allowed_packet"); ResultSet rs = select.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** A storage lane: a thread, and the connection only it uses (opened when first needed). */
    private static final class Lane {
        final ExecutorService thread;
        private Connection connection;
        private boolean loading;

        Lane(String name) {
            thread = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon().name(name).unstarted(r));
        }

        /**
         * On the lane's thread: its connection, one that may load rows from memory only when
         * {@code loading} (with it, the driver answers the server's requests for local files).
         */
        Connection connection(StorageDatabase storage, boolean loading) throws SQLException {
            if (connection != null && (connection.isClosed() || this.loading != loading)) {
                try (Connection closing = connection) {
                    closing.rollback();
                }
                connection = null;
            }
            if (connection == null) {
                connection = loading ? storage.openLoading() : storage.open();
                this.loading = loading;
            }
            return connection;
        }

        /** Once no batch is in flight: rolls back and closes the connection, and ends the thread. */
        void close() {
            if (connection != null) {
                try (Connection closing = connection) {
                    closing.rollback();
                } catch (SQLException e) {
                    LOG.log(Level.FINE, "connection close failed", e);
                }
                connection = null;
            }
            thread.shutdown();
        }
    }

    /** Whether a batch in flight writes a membership of {@code row} (storage does not hold it yet). */
    private boolean heldInFlight(WriterBatch.RowRef row) {
        for (InFlight batch : inFlight) {
            if (batch.holds(row)) {
                return true;
            }
        }
        return false;
    }

    /** A batch handed to a lane: what its commit comes to, and the batch. */
    private record InFlight(Future<Outcome> outcome, WriterBatch.Sealed sealed) {
        /** Whether the batch writes a membership of {@code row}. */
        boolean holds(WriterBatch.RowRef row) {
            Map<ByteBuffer, CurrentData.Membership> rows = sealed.memberships().get(row.table());
            return rows != null && rows.containsKey(row.key());
        }
    }

    /** What committing a batch came to. */
    private record Outcome(WriterListener.Commit commit, boolean stop, boolean lostPlace) {
    }

    /**
     * Hands the batch to the next storage lane, which writes it in one transaction with the
     * offset to consume next, while this thread goes on with the next batch. With
     * {@code checkpoint} (the batch ends at a source transaction boundary, after the snapshot) the
     * commit also records a checkpoint, and activates a processing version that has caught up. At
     * most {@link #LANES} batches are in flight, numbered with consecutive op ids from the
     * version's reserved range; they commit in order, and a failure stops what follows it.
     */
    private void commit(boolean checkpoint) throws SQLException {
        checkpoint = checkpoint && atBoundary && position != null;
        boolean positionOnly = checkpoint && isPositionOnly();
        WriterBatch.Sealed sealed = batch.seal();
        BucketStore.PreparedOps ops = BucketStore.prepare(versionId, relativeOps(sealed), statementBytes, loadLocal);
        CurrentData.PreparedRows memberships = CurrentData.prepare(versionId, sealed.memberships(), statementBytes, loadLocal);
        while (inFlight.size() >= LANES) {
            if (!settleOldest()) {
                return; // a batch in flight did not commit: this one is dropped, and the writer starts again
            }
        }
        long first = takeOpIds(sealed.size());
        if (first < 0) {
            LOG.warning("The op ids reserved for sync config version " + versionId + " changed under this writer: "
                    + "another writer took over; starting again");
            settleQuietly();
            batch.clear();
            resync = true;
            return;
        }
        long start = batchStart;
        long next = nextOffset;
        String positionJson = position == null ? null : positionJson(position);
        long sourceMillis = positionSourceMillis;
        boolean isCheckpoint = checkpoint;
        long lagNow = lag < 0 ? lag : lag + remainingInPoll;
        batchStart = nextOffset;
        batchOpenedAt = 0;
        positionOnlyCommittedAt = positionOnly ? System.nanoTime() : 0;
        Future<Outcome> ahead = inFlight.isEmpty() ? null : inFlight.peekLast().outcome();
        Lane lane = lanes[nextLane] == null ? lanes[nextLane] = new Lane("bucket-writer-v" + versionId + "-storage-" + nextLane)
                : lanes[nextLane];
        nextLane = (nextLane + 1) % LANES;
        inFlight.addLast(new InFlight(lane.thread.submit(() -> write(lane, ahead, sealed, ops, memberships, first, start, next,
                positionJson, sourceMillis, isCheckpoint, lagNow)), sealed));
    }

    /**
     * The first of {@code count} consecutive op ids for the next batch (0 for none), from the
     * version's reserved range, reserving more when it runs out; -1 when the reserved range in
     * storage is no longer the one this writer holds (another writer took over).
     */
    private long takeOpIds(int count) throws SQLException {
        if (count == 0) {
            return 0;
        }
        if (nextOpId > 0 && nextOpId + count - 1 <= reserved.until()) {
            long first = nextOpId;
            nextOpId += count;
            return first;
        }
        java.util.Optional<SyncConfigVersions.OpIdRange> taken = versions.reserveOpIds(connection(), versionId, reserved,
                Math.max(reserveAtATime, count));
        if (taken.isEmpty()) {
            return -1;
        }
        boolean continues = nextOpId > 0 && taken.get().from() == reserved.from(); // the new ids follow on from the last
        reserved = taken.get();
        long first = continues ? nextOpId : reserved.from();
        nextOpId = first + count;
        return first;
    }

    /** Waits for every batch in flight, oldest first; false when one did not commit (the writer stops or starts again). */
    private boolean settle() throws SQLException {
        while (!inFlight.isEmpty()) {
            if (!settleOldest()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Waits for the oldest batch in flight; false when it did not commit. Those behind it then do
     * not commit either (each commits only where the one ahead left the version): they are waited
     * for and dropped.
     */
    private boolean settleOldest() throws SQLException {
        Future<Outcome> pending = inFlight.peekFirst().outcome();
        Outcome outcome;
        try {
            outcome = pending.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("Interrupted while committing", e);
        } catch (ExecutionException e) {
            settleQuietly();
            batch.clear();
            resync = true;
            switch (e.getCause()) {
                case Error error -> throw error;
                case SQLException sql -> throw sql;
                case RuntimeException runtime -> throw runtime;
                default -> throw new SQLException(e.getCause());
            }
        }
        inFlight.removeFirst();
        if (outcome.stop() || outcome.lostPlace()) {
            settleQuietly();
            batch.clear();
            stopped |= outcome.stop();
            resync |= outcome.lostPlace();
            return false;
        }
        consumer.commitAsync(Map.of(partition, new OffsetAndMetadata(outcome.commit().changesOffset())), null);
        return true;
    }

    private void settleIfDone() throws SQLException {
        while (!inFlight.isEmpty() && inFlight.peekFirst().outcome().isDone()) {
            if (!settleOldest()) {
                return;
            }
        }
    }

    /** Waits for the batches in flight and drops their outcomes: the writer starts again from storage anyway. */
    private void settleQuietly() {
        boolean interrupted = false;
        while (!inFlight.isEmpty()) { // a lane must be done with its connection before anything closes it
            try {
                inFlight.peekFirst().outcome().get();
                inFlight.removeFirst();
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (ExecutionException e) {
                LOG.log(Level.FINE, "a batch in flight failed", e.getCause());
                inFlight.removeFirst();
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether the batch ahead (null: none) committed; waits for it. */
    private static boolean committed(Future<Outcome> ahead) throws SQLException {
        if (ahead == null) {
            return true;
        }
        try {
            Outcome outcome = ahead.get();
            return !outcome.stop() && !outcome.lostPlace();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("Interrupted while waiting for the batch ahead", e);
        } catch (ExecutionException e) {
            return false; // the writer thread reports its failure
        }
    }

    /**
     * On a storage lane: one batch, one transaction. Its operations and index entries (rows no
     * other transaction writes) go in first, while the batch {@code ahead} may still be
     * committing; then, once that one has committed, the version's row is locked and checked,
     * and the totals, memberships and progress written.
     */
    private Outcome write(Lane lane, Future<Outcome> ahead, WriterBatch.Sealed sealed, BucketStore.PreparedOps ops,
                          CurrentData.PreparedRows memberships, long first, long start, long next, String positionJson,
                          long sourceMillis, boolean checkpoint, long lagNow) throws SQLException {
        Connection c = lane.connection(storage, ops.loaded());
        WriterListener.Commit done;
        long previousCheckpoint;
        SyncConfigVersions.State state;
        try {
            buckets.appendOps(c, ops, first);
            writeLookups(c, sealed, first);
            if (!committed(ahead)) {
                c.rollback();
                return new Outcome(null, false, true); // the version is not where this batch starts
            }
            versions.lockSequence(c);
            SyncConfigVersions.Progress progress = versions.lockProgress(c, versionId);
            state = progress.state();
            if (!isRunnable(progress.state())) {
                c.rollback();
                LOG.info("Sync config version " + versionId + " is " + progress.state() + ": its writer stops");
                return new Outcome(null, true, false);
            }
            if (progress.changesOffset() != start) {
                c.rollback();
                LOG.warning("Sync config version " + versionId + " moved on to offset " + progress.changesOffset()
                        + " while this writer was at " + start + ": another writer took over; starting again from there");
                return new Outcome(null, false, true);
            }
            previousCheckpoint = progress.lastCheckpoint();
            int count = sealed.size();
            if (count > 0 && first <= progress.writtenOp()) {
                c.rollback();
                LOG.warning("Sync config version " + versionId + " has written op ids up to " + progress.writtenOp()
                        + ", and this writer numbered its batch from " + first + "; starting again from storage");
                return new Outcome(null, false, true);
            }
            long lastOp = count == 0 ? progress.writtenOp() : first + count - 1;
            buckets.addTotals(c, ops, first);
            currentData.save(c, memberships);
            long written = Math.max(progress.writtenOp(), lastOp);
            versions.recordProgress(c, versionId, next, written, positionJson, checkpoint);
            boolean activate = checkpoint && progress.state() == SyncConfigVersions.State.PROCESSING
                    && lagNow >= 0 && lagNow <= settings.caughtUpLag();
            if (activate) {
                versions.activate(c, versionId);
                state = SyncConfigVersions.State.ACTIVE;
            }
            long latency = checkpoint ? Math.max(0, System.currentTimeMillis() - sourceMillis) : 0;
            done = new WriterListener.Commit(sealed.rows(), count, first, lastOp,
                    checkpoint ? OptionalLong.of(written) : OptionalLong.empty(), next, latency, lagNow, activate);
            listener.beforeCommit(versionId, done);
            c.commit();
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly(c);
            throw e;
        }
        carriedBuckets.addAll(sealed.bucketsTouched());
        carriedLookups.addAll(sealed.lookupsTouched());
        if (carriedBuckets.size() > CheckpointEvent.MAX_HINTS || carriedLookups.size() > CheckpointEvent.MAX_HINTS) {
            carriedBuckets.clear();
            carriedLookups.clear();
            carriedComplete = false; // too many to list: the checkpoint invalidates everything
        }
        if (done.checkpoint().isPresent()) {
            if (state != SyncConfigVersions.State.PROCESSING) {
                publish(done, state, previousCheckpoint, positionJson);
            }
            carriedBuckets.clear();
            carriedLookups.clear();
            carriedComplete = true;
        }
        listener.committed(versionId, done);
        return new Outcome(done, false, false);
    }

    /** The batch's operations, each with its offset from the batch's first op id in place of an op id. */
    private static List<BucketStore.BucketOp> relativeOps(WriterBatch.Sealed sealed) {
        List<BucketStore.BucketOp> ops = new ArrayList<>(sealed.ops().size());
        for (WriterBatch.PendingOp op : sealed.ops()) {
            OplogEntry entry = op.op() == OplogEntry.OpType.PUT
                    ? OplogEntry.put(op.seq(), op.objectType(), op.objectId(), op.subkey(), op.checksum(), op.data())
                    : OplogEntry.remove(op.seq(), op.objectType(), op.objectId(), op.subkey(), op.checksum());
            ops.add(new BucketStore.BucketOp(op.bucket(), entry));
        }
        return ops;
    }

    private void writeLookups(Connection c, WriterBatch.Sealed sealed, long first) throws SQLException {
        List<ParameterIndex.Entry> entries = new ArrayList<>(sealed.lookups().size());
        for (WriterBatch.PendingLookup lookup : sealed.lookups()) {
            entries.add(new ParameterIndex.Entry(first + lookup.seq(), bytes(lookup.lookup()), lookup.table(),
                    bytes(lookup.key()), lookup.result()));
        }
        parameterIndex.write(c, versionId, entries);
    }

    /** Announces a checkpoint with every bucket and lookup changed since the last one (or invalidates all). */
    private void publish(WriterListener.Commit done, SyncConfigVersions.State state, long previous, String positionJson) {
        boolean all = !carriedComplete || done.activated();
        List<String> lookups = new ArrayList<>();
        if (!all) {
            carriedLookups.forEach(l -> lookups.add(StandardCharsets.UTF_8.decode(l.duplicate()).toString()));
        }
        try {
            long now = System.currentTimeMillis();
            publisher.publish(new CheckpointEvent(versionId, state.name(), done.checkpoint().getAsLong(), previous,
                    positionJson, done.changesOffset(), all ? List.of() : List.copyOf(carriedBuckets), lookups, all,
                    now, now - done.latencyMillis()));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "Could not announce checkpoint " + done.checkpoint().getAsLong() + ": " + e.getMessage(), e);
        }
    }

    /** The source position as JSON, as the changes topic writes it. */
    static String positionJson(SourcePosition p) {
        return new String(new JsonBuffer(160).raw(JsonBuffer.fragment("{\"gtids\":")).string(p.gtidSet())
                .raw(JsonBuffer.fragment(",\"file\":")).string(p.file())
                .raw(JsonBuffer.fragment(",\"pos\":")).number(p.offset())
                .raw(JsonBuffer.fragment(",\"skip_events\":")).number(p.eventsToSkip())
                .raw(JsonBuffer.fragment(",\"skip_rows\":")).number(p.rowsToSkip()).raw('}').toByteArray(), StandardCharsets.UTF_8);
    }

    private void skipped(String table, String key, String error) {
        LOG.warning("Sync config version " + versionId + " skips a row of " + table + " " + key + ": " + error);
        listener.rowSkipped(versionId, table, key, error);
    }

    private Map<String, Object> consumerProperties() {
        Map<String, Object> props = new HashMap<>(kafkaProperties);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, settings.maxPollRecords());
        props.putIfAbsent(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 64 * 1024 * 1024);
        props.putIfAbsent(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 * 1024 * 1024);
        // A read_committed fetch may wait out fetch.max.wait.ms for a transaction's commit marker: keep that short.
        props.putIfAbsent(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 20);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return props;
    }

    private Connection connection() throws SQLException {
        if (connection == null || connection.isClosed()) {
            connection = storage.open();
        }
        return connection;
    }

    private static byte[] bytes(ByteBuffer buffer) {
        if (buffer.hasArray() && buffer.arrayOffset() == 0 && buffer.position() == 0 && buffer.remaining() == buffer.array().length) {
            return buffer.array();
        }
        byte[] copy = new byte[buffer.remaining()];
        buffer.duplicate().get(copy);
        return copy;
    }

    private void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException e) {
            LOG.log(Level.FINE, "rollback failed", e);
        }
    }

    private void closeQuietly() {
        settleQuietly();
        if (owner) {
            owner = false;
        }
        batch.clear();
        for (int i = 0; i < LANES; i++) {
            if (lanes[i] != null) {
                lanes[i].close();
                lanes[i] = null;
            }
        }
        nextLane = 0;
        if (Thread.interrupted()) {
            closed = true;
        }
        batchOpenedAt = 0;
        if (consumer != null) {
            try {
                consumer.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, "consumer close failed", e);
            }
            consumer = null;
        }
        if (connection != null) {
            try {
                connection.rollback();
                connection.close();
            } catch (SQLException e) {
                LOG.log(Level.FINE, "connection close failed", e);
            }
            connection = null;
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops the writer; an uncommitted batch is dropped (the next writer redoes it). */
    @Override
    public void close() {
        closed = true;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }
}

package org.syncsuite.replicator;

import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

import com.github.shyiko.mysql.binlog.event.deserialization.EventDeserializer;
import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.SyncException;
import org.syncsuite.core.change.ChangeRecord;
import org.syncsuite.core.change.SnapshotProgress;
import org.syncsuite.core.change.SourcePosition;
import org.syncsuite.core.mysql.MySqlValueMapper;
import org.syncsuite.core.service.ServiceConfig;

/**
 * Replicates one MySQL or MariaDB connection into its changes topic. On start it checks the
 * source, creates the topic when absent, fences any older replicator of the same connection,
 * and resumes from the last committed position record (or, the first time, from the current
 * head, recorded at once). Then it streams: the binlog reader fills a bounded queue, and this
 * replicator's thread writes runs of whole source transactions as Kafka transactions, each ended
 * by a position record. A lost connection ends the session and a new one resumes from the last
 * committed position after a backoff, so nothing is lost or repeated; a purged binlog and being
 * fenced are fatal.
 *
 * <p>Threading: {@link #start} and {@link #close} from one thread; the accessors from any.
 */
public final class Replicator implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Replicator.class.getName());

    private final ReplicatorSettings settings;
    private final Predicate<String> replicated;
    private final MySqlValueMapper mapper;
    private final ChangesTopic topic;
    private final AtomicLong committedTransactions = new AtomicLong();
    private final AtomicLong committedChanges = new AtomicLong();
    private volatile SourcePosition lastCommitted;
    private volatile BinlogStreamer streamer;
    private volatile Throwable fatal;
    private volatile TransactionQueue queue;
    /** A snapshot continued in later read views, while streaming has not passed the last of them. */
    private volatile Optional<SnapshotProgress> catchUp = Optional.empty();
    private volatile boolean snapshotting;
    private ReplicationListener listener = new ReplicationListener() { };
    private volatile boolean closed;
    private SourcePreflight.Flavor flavor;
    private boolean snapshot = true;
    private SourcePosition startPosition;
    private int snapshotChunkSize = 10_000;
    private Duration transactionInterval = DEFAULT_TRANSACTION_INTERVAL;
    private Thread thread;

    /**
     * @param replicated which tables of the connection's database to replicate (the sync config's)
     */
    public Replicator(ServiceConfig.SourceConnection source, ServiceConfig.KafkaConfig kafka, Predicate<String> replicated,
                      MySqlValueMapper mapper) {
        this.settings = ReplicatorSettings.of(source);
        this.replicated = replicated;
        this.mapper = mapper;
        Map<String, Object> clientProperties = kafka.clientProperties();
        this.topic = new ChangesTopic(clientProperties, kafka.changesTopic(source.id()), source.id(),
                kafka.topicPrefix() + "." + source.id() + ".replicator");
    }

    /** Whether a first start reads the existing rows (true, the default) or only streams from the head. */
    public Replicator withSnapshot(boolean snapshot, int chunkSize) {
        this.snapshot = snapshot;
        this.snapshotChunkSize = chunkSize;
        return this;
    }

    /**
     * The least time from the start of one Kafka transaction to the start of the next, while
     * the source is busy. Each Kafka transaction costs several requests and marker writes on the
     * broker, and downstream a storage commit and a checkpoint sent to every concerned client;
     * pacing them gathers a busy source's transactions into fewer, larger ones. A source
     * transaction that comes after a quiet spell longer than this goes at once: an idle source's
     * heartbeats do not count. Nor does a backlog wait: when the last transaction was cut short
     * by its size limits, the next one starts at once.
     */
    public static final Duration DEFAULT_TRANSACTION_INTERVAL = Duration.ofMillis(25);
    /** The longest interval {@link #withTransactionInterval} accepts. */
    public static final Duration MAX_TRANSACTION_INTERVAL = Duration.ofSeconds(10);

    /** Sets the least time between the starts of two Kafka transactions (zero: as soon as the last one is done). */
    public Replicator withTransactionInterval(Duration interval) {
        this.transactionInterval = checkTransactionInterval(interval);
        return this;
    }

    /** {@code interval}, if it is one {@link #withTransactionInterval} accepts. */
    public static Duration checkTransactionInterval(Duration interval) {
        if (interval.isNegative() || interval.compareTo(MAX_TRANSACTION_INTERVAL) > 0) {
            throw new IllegalArgumentException("The Kafka transaction interval must be between 0 and "
                    + MAX_TRANSACTION_INTERVAL.toMillis() + " ms, not " + interval.toMillis() + " ms");
        }
        return interval;
    }

    /** Who hears of commits and snapshot progress (metrics, health). */
    public Replicator withListener(ReplicationListener listener) {
        this.listener = listener;
        return this;
    }

    /**
     * Where a first start (an empty topic) begins streaming, instead of taking a snapshot and
     * starting at the head: for replaying a known stretch of binlog (benchmarks, recovery).
     */
    public Replicator withStartPosition(SourcePosition position) {
        this.startPosition = position;
        this.snapshot = false;
        return this;
    }

    /**
     * How the replicator has the binlog reader decode events: dates and times as epoch
     * microseconds (invalid ones as null), text as bytes in the column's charset.
     */
    public static EventDeserializer eventDeserializer() {
        EventDeserializer deserializer = new EventDeserializer();
        deserializer.setCompatibilityMode(EventDeserializer.CompatibilityMode.DATE_AND_TIME_AS_LONG_MICRO,
                EventDeserializer.CompatibilityMode.CHAR_AND_BINARY_AS_BYTE_ARRAY);
        return deserializer;
    }

    /** Creates the changes topic when it does not exist. */
    public void ensureTopic() {
        topic.ensureExists();
    }

    /**
     * Checks the source and takes over the topic (fencing any older replicator of the
     * connection), then reads the snapshot if one is due and streams, in the background.
     *
     * @throws SyncException {@link ErrorCode#SOURCE_MISCONFIGURED} listing every failed check, or
     *                       {@link ErrorCode#SOURCE_UNREACHABLE}
     */
    public void start() {
        flavor = checkSource(settings).flavor();
        topic.ensureExists();
        topic.open();
        thread = Thread.ofPlatform().name("replicator-" + settings.connectionId()).start(this::run);
    }

    /**
     * Where streaming starts: after the snapshot (read now, or continued when one was under way),
     * at the last committed position, or, the first time without a snapshot, at the head.
     */
    private SourcePosition initialPosition() {
        try (Connection connection = connect()) {
            Optional<ChangeRecord.PositionMarker> marker = topic.lastCommittedMarker();
            boolean snapshotUnderWay = marker.flatMap(ChangeRecord.PositionMarker::snapshot).map(p -> !p.complete()).orElse(false);
            if (snapshotUnderWay || (marker.isEmpty() && snapshot)) {
                snapshotting = true;
                try {
                    Snapshotter.Result result = new Snapshotter(settings, flavor, replicated, mapper, topic, snapshotChunkSize,
                            listener, () -> closed).run(connection, marker.filter(m -> m.snapshot().isPresent()));
                    catchUp = Optional.of(result.progress()).filter(p -> !p.restarts().isEmpty());
                    return result.streamFrom();
                } finally {
                    snapshotting = false;
                }
            }
            if (marker.isEmpty()) {
                SourcePosition first = startPosition != null ? startPosition : head(connection);
                topic.write(List.of(), first); // recorded first: a restart before any change resumes here
                LOG.log(Level.INFO, "[{0}] No position in {1}: starting at the source head {2}", settings.connectionId(),
                        topic.name(), first);
                return first;
            }
            listener.snapshotComplete(); // streaming resumes only once any snapshot is complete
            catchUp = marker.get().snapshot().filter(p -> !p.restarts().isEmpty());
            LOG.log(Level.INFO, "[{0}] Resuming from {1}", settings.connectionId(), marker.get().position());
            return marker.get().position();
        } catch (SQLException e) {
            throw unreachable(e);
        }
    }

    /**
     * Runs the preflight checks against {@code source}, logging the advice.
     *
     * @throws SyncException {@link ErrorCode#SOURCE_MISCONFIGURED} listing every failed check and
     *                       its fix, or {@link ErrorCode#SOURCE_UNREACHABLE}
     */
    public static SourcePreflight.Report checkSource(ServiceConfig.SourceConnection source) {
        return checkSource(ReplicatorSettings.of(source));
    }

    private static SourcePreflight.Report checkSource(ReplicatorSettings settings) {
        try (Connection connection = DriverManager.getConnection(settings.jdbcUrl(), settings.username(), settings.password())) {
            SourcePreflight.Report report = SourcePreflight.check(connection, settings.database())
                    .requirePassed(settings.connectionId());
            report.advice().forEach(advice -> LOG.log(Level.WARNING, "[{0}] {1}", settings.connectionId(), advice));
            return report;
        } catch (SQLException e) {
            throw unreachable(settings, e);
        }
    }

    private SyncException unreachable(SQLException e) {
        return unreachable(settings, e);
    }

    private static SyncException unreachable(ReplicatorSettings settings, SQLException e) {
        return new SyncException(ErrorCode.SOURCE_UNREACHABLE, "Cannot reach the source " + settings.connectionId()
                + " at " + settings.hostname() + ":" + settings.port() + ": " + e.getMessage(), e);
    }

    private void run() {
        Duration backoff = Duration.ofMillis(500);
        boolean kafkaFailed = false;
        while (!closed) {
            TransactionQueue queue = new TransactionQueue(settings.queueTransactions(), settings.queueBytes());
            this.queue = queue;
            try {
                if (kafkaFailed) {
                    // A failed transaction leaves the producer unusable, and a failed commit may still
                    // have committed: a new producer, and the position as the topic has it.
                    topic.close();
                    topic.open();
                    lastCommitted = null;
                    catchUp = Optional.empty();
                    kafkaFailed = false;
                }
                if (lastCommitted == null) {
                    lastCommitted = initialPosition();
                }
                streamer = new BinlogStreamer(settings, flavor, replicated, new RowDecoder(mapper, flavor), this::connectUnchecked,
                        queue, lastCommitted);
                if (catchUp.isPresent()) {
                    try (Connection connection = connect()) {
                        SnapshotCatchUp.of(catchUp, lastCommitted, TableSchema.readAll(connection, settings.database()),
                                this::connectUnchecked).ifPresent(streamer::catchUp);
                    }
                }
                streamer.start();
                backoff = Duration.ofMillis(500);
                writeLoop(queue);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (!closed) {
                    fatal = new SyncException(ErrorCode.SHUTTING_DOWN, "Replication was interrupted", e);
                }
                break;
            } catch (Error e) {
                // Out of memory and the like: stop for good, so that a standby takes over.
                fatal = new SyncException(ErrorCode.SOURCE_UNREACHABLE, "Replication failed: " + e, e);
                LOG.log(Level.ERROR, "[" + settings.connectionId() + "] Replication stopped", e);
                break;
            } catch (Exception e) {
                SyncException error = ReplicationErrors.classify(e, settings.connectionId(), lastCommittedOrStart());
                if (!error.errorCode().isTransient()) {
                    fatal = error;
                    LOG.log(Level.ERROR, "Replication stopped: " + error.getMessage(), e);
                    break;
                }
                kafkaFailed |= error.errorCode() == ErrorCode.KAFKA_UNAVAILABLE;
                if (!closed) {
                    listener.retrying(error);
                    LOG.log(Level.WARNING, "[{0}] {1}; resuming from {2} in {3} ms", settings.connectionId(), error.getMessage(),
                            lastCommittedOrStart(), backoff.toMillis());
                }
            } finally {
                BinlogStreamer current = streamer;
                if (current != null) {
                    current.stop();
                }
            }
            if (!closed) {
                sleep(backoff);
                backoff = backoff.multipliedBy(2).compareTo(Duration.ofSeconds(30)) > 0 ? Duration.ofSeconds(30) : backoff.multipliedBy(2);
            }
        }
    }

    private String lastCommittedOrStart() {
        return lastCommitted == null ? "the start" : lastCommitted.toString();
    }

    private static final long PAUSE_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private void writeLoop(TransactionQueue queue) throws InterruptedException {
        long interval = transactionInterval.toNanos();
        long lastStarted = System.nanoTime() - interval;
        while (!closed) {
            // What arrives meanwhile joins the next transaction; the wait ends early when the replicator closes.
            for (long pause = lastStarted + interval - System.nanoTime(); pause > 0 && !closed;
                 pause = lastStarted + interval - System.nanoTime()) {
                TimeUnit.NANOSECONDS.sleep(Math.min(pause, PAUSE_SLICE_NANOS));
            }
            if (closed) {
                break;
            }
            List<SourceTransaction> batch = queue.drain(settings.maxTransactionsPerBatch(), settings.maxBytesPerBatch(),
                    settings.maxBatchDelayMillis());
            if (batch.isEmpty()) {
                continue;
            }
            boolean backlog = queue.drainLeftSome(); // the drain stopped at a limit: the next transaction need not wait
            List<ChangesTopic.Encoded> records = new ArrayList<>();
            for (SourceTransaction transaction : batch) {
                records.addAll(transaction.records());
            }
            SourcePosition end = batch.getLast().end();
            long started = System.nanoTime();
            if (backlog) {
                lastStarted = started - interval;
            } else if (!batch.stream().allMatch(SourceTransaction::heartbeat)) {
                lastStarted = started; // an idle source's heartbeats do not hold back what follows them
            }
            // Until streaming passes the snapshot's last read view, each position record carries the
            // snapshot's restarts: a crash before then must still know which changes to leave out.
            Optional<SnapshotProgress> carried = catchUp.filter(p -> SnapshotCatchUp.compare(end.file(), end.offset(),
                    p.restarts().getLast().view()) < 0);
            topic.writeEncoded(records, end, carried);
            if (carried.isEmpty()) {
                catchUp = Optional.empty();
            }
            Duration kafkaTime = Duration.ofNanos(System.nanoTime() - started);
            lastCommitted = end;
            committedTransactions.addAndGet(batch.size());
            committedChanges.addAndGet(records.size());
            listener.committed(batch.size(), records.size(), kafkaTime, end, batch.getLast().sourceCommitMillis());
        }
    }

    /** The source's current binlog head: file, offset and GTID position. */
    public static SourcePosition head(Connection connection, boolean mariadb) throws SQLException {
        String gtids;
        String file;
        long offset;
        try (Statement statement = connection.createStatement()) {
            try (ResultSet rs = statement.executeQuery(mariadb ? "SELECT @@GLOBAL.gtid_binlog_pos" : "SELECT @@GLOBAL.gtid_executed")) {
                gtids = rs.next() ? Optional.ofNullable(rs.getString(1)).orElse("") : "";
            }
            try (ResultSet rs = statement.executeQuery("SHOW MASTER STATUS")) {
                if (!rs.next()) {
                    throw new SyncException(ErrorCode.SOURCE_MISCONFIGURED, "SHOW MASTER STATUS returned nothing: is the binary log on?");
                }
                file = rs.getString("File");
                offset = rs.getLong("Position");
            }
        }
        return SourcePosition.at(gtids.replace("\n", ""), file, offset);
    }

    private SourcePosition head(Connection connection) throws SQLException {
        return head(connection, flavor == SourcePreflight.Flavor.MARIADB);
    }


    private Connection connect() throws SQLException {
        return DriverManager.getConnection(settings.jdbcUrl(), settings.username(), settings.password());
    }

    private Connection connectUnchecked() {
        try {
            return connect();
        } catch (SQLException e) {
            throw new SyncException(ErrorCode.SOURCE_UNREACHABLE, "Cannot reach the source: " + e.getMessage(), e);
        }
    }

    /** Streaming from the binlog now (readiness). */
    public boolean isStreaming() {
        BinlogStreamer current = streamer;
        return !closed && fatal == null && current != null && current.isConnected();
    }

    /** Whether the initial snapshot is being read now. */
    public boolean isSnapshotting() {
        return snapshotting && !closed;
    }

    /** Source transactions read from the binlog and not yet committed to Kafka. */
    public int pendingTransactions() {
        TransactionQueue current = queue;
        return current == null ? 0 : current.size();
    }

    /** The position of the last committed Kafka transaction. */
    public Optional<SourcePosition> lastCommittedPosition() {
        return Optional.ofNullable(lastCommitted);
    }

    public long committedTransactions() {
        return committedTransactions.get();
    }

    public long committedChanges() {
        return committedChanges.get();
    }

    /** Why replication stopped for good, if it did. */
    public Optional<Throwable> fatalError() {
        return Optional.ofNullable(fatal);
    }

    @Override
    public void close() {
        closed = true;
        BinlogStreamer current = streamer;
        if (current != null) {
            current.stop();
        }
        if (thread != null) {
            try {
                thread.join(Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        topic.close();
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

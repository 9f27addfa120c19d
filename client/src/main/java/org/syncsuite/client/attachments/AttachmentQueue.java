package org.syncsuite.client.attachments;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLConnection;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Flow;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.syncsuite.client.Column;
import org.syncsuite.client.PowerSyncDatabase;
import org.syncsuite.client.Table;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Keeps the files that data rows reference in step between this device and remote storage. The
 * attachments' state lives in a local-only table ({@link AttachmentTable}); the queue:
 * <ul>
 *   <li>{@link #saveFile saves} a file the app creates: the local file first, then in one
 *       transaction a {@link AttachmentState#QUEUED_UPLOAD} record and the app's hook, which sets
 *       the reference in its data row; the file is uploaded, then {@link AttachmentState#SYNCED};</li>
 *   <li>watches which attachment ids the data rows reference (a query such as
 *       {@code SELECT photo_id AS id FROM todos WHERE photo_id IS NOT NULL}): an id it has no
 *       record of is {@link AttachmentState#QUEUED_DOWNLOAD queued for download} (unless
 *       downloads are off), downloaded into local storage and {@code SYNCED}; an archived one
 *       referenced again (or still referenced when the queue starts) is restored ({@code SYNCED}
 *       from its local file when it was synced, uploaded again when it never was, downloaded
 *       again when its file is gone); an id no longer
 *       referenced is {@link AttachmentState#ARCHIVED} (a queued upload or delete completes
 *       first), and at most {@code archivedCacheLimit} archived records are kept, the oldest
 *       evicted with their files;</li>
 *   <li>{@link #deleteFile deletes} a file the app deletes: {@link AttachmentState#QUEUED_DELETE} in the
 *       transaction of the app's hook, then deleted remotely and locally and the record removed.</li>
 * </ul>
 *
 * <p>Transfers run on virtual threads, at most {@code uploadParallelism} uploads and deletes and
 * {@code downloadParallelism} downloads at a time, oldest record first. No database transaction
 * or lock that {@link #saveFile} needs is held during a transfer: the work is read, the transfer
 * done, and each attachment's new state written in a short transaction of its own. A failure goes
 * to the {@link AttachmentErrorHandler}: retried after a backoff that doubles from
 * {@code retryInitialDelay} up to {@code retryMaxDelay} (with jitter), or the attachment archived.
 * The queue works when it starts, after every change to the attachments table or to the
 * referenced ids, when a backoff ends, and every {@code syncInterval}.
 *
 * <p>Build one with {@link #builder}, {@link #start()} it, and {@link #stop()} (or {@link #close()})
 * it before closing the database. Thread-safe.
 */
public final class AttachmentQueue implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(AttachmentQueue.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Rows the app wrote with a state the queue does not know are left alone. */
    private static final String KNOWN_STATES = " WHERE state BETWEEN 0 AND 4";

    private final PowerSyncDatabase database;
    private final RemoteStorage remote;
    private final LocalStorage local;
    private final String tableName;
    private final String table; // quoted, for SQL
    private final String watchedSql;
    private final Object[] watchedParameters;
    private final Flow.Publisher<List<WatchedAttachmentItem>> watchedItems;
    private final Duration syncInterval;
    private final int archivedCacheLimit;
    private final int uploadParallelism;
    private final int downloadParallelism;
    private final boolean downloadAttachments;
    private final AttachmentErrorHandler errorHandler;
    private final Duration retryInitialDelay;
    private final Duration retryMaxDelay;
    private final Clock clock;

    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled on every change below: a trigger, a round's end, a transfer's end, stopping. */
    private final Condition changed = lock.newCondition();
    // guarded by lock
    private boolean running;
    private boolean stopping;
    private long generation;
    private boolean triggered;
    private boolean roundRunning;
    private boolean verifyNeeded;
    private boolean reconcileNeeded;
    private List<WatchedAttachmentItem> latestItems;
    /** The ids the last reconciliation of this start found referenced; null before the first. */
    private Set<String> lastReferenced;
    private long nextPeriodic;
    private long roundRetryAt;
    private int roundFailures;
    private boolean roundRetryPending;
    private Thread coordinator;
    private final Map<String, Transfer> inFlight = new HashMap<>();
    private final Map<String, Retry> retries = new HashMap<>();
    private final List<Flow.Subscription> subscriptions = new ArrayList<>();
    private final Set<Thread> lingering = new HashSet<>();

    private final Map<String, AttachmentError> errors = new ConcurrentHashMap<>();

    private record Transfer(AttachmentError.Operation operation, Thread thread) {
    }

    /** Consecutive failures of one attachment, and when the queue may try it again (while {@code waiting}). */
    private static final class Retry {
        final int attempts;
        long dueAt;
        boolean waiting = true;

        Retry(int attempts, long dueAt) {
            this.attempts = attempts;
            this.dueAt = dueAt;
        }
    }

    private AttachmentQueue(Builder builder) {
        this.database = builder.database;
        this.remote = builder.remote;
        this.local = builder.local != null ? builder.local : new FileSystemStorage(builder.directory);
        this.tableName = builder.tableName;
        this.table = "\"" + builder.tableName + "\"";
        this.watchedSql = builder.watchedSql;
        this.watchedParameters = builder.watchedParameters;
        this.watchedItems = builder.watchedItems;
        this.syncInterval = builder.syncInterval;
        this.archivedCacheLimit = builder.archivedCacheLimit;
        this.uploadParallelism = builder.uploadParallelism;
        this.downloadParallelism = builder.downloadParallelism;
        this.downloadAttachments = builder.downloadAttachments;
        this.errorHandler = builder.errorHandler;
        this.retryInitialDelay = builder.retryInitialDelay;
        this.retryMaxDelay = builder.retryMaxDelay;
        this.clock = builder.clock;
        try {
            local.makeDir(local.storageDirectory());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the attachments directory " + local.storageDirectory(), e);
        }
    }

    /**
     * A builder for a queue on {@code database} (whose schema holds the attachments table) that
     * transfers files to and from {@code remote}.
     */
    public static Builder builder(PowerSyncDatabase database, RemoteStorage remote) {
        return new Builder(database, remote);
    }

    /** The local storage the queue keeps files in. */
    public LocalStorage localStorage() {
        return local;
    }

    /** The name of the attachments table. */
    public String tableName() {
        return tableName;
    }

    // ---- lifecycle

    /**
     * Starts the queue: repairs the records ({@link #verifyAttachments()}), subscribes to the
     * referenced ids and the attachments table, and works through the queued transfers in the
     * background. Nothing happens when it is already running.
     */
    public void start() {
        lock.lock();
        try {
            if (running) {
                return;
            }
            running = true;
            stopping = false;
            long current = ++generation;
            triggered = true;
            verifyNeeded = true;
            reconcileNeeded = true;
            lastReferenced = null;
            roundRetryPending = false;
            nextPeriodic = System.nanoTime() + syncInterval.toNanos();
            if (watchedSql != null) {
                database.watch(watchedSql, watchedParameters).subscribe(new Trigger<>(current, rows -> {
                    reconcileNeeded = true;
                }));
            } else if (watchedItems != null) {
                watchedItems.subscribe(new Trigger<>(current, items -> {
                    latestItems = List.copyOf(items);
                    reconcileNeeded = true;
                }));
            }
            database.watch("SELECT state, COUNT(*) AS n, SUM(timestamp) AS t FROM " + table + " GROUP BY state")
                    .subscribe(new Trigger<>(current, rows -> { }));
            coordinator = Thread.ofVirtual().name("attachment-queue").unstarted(this::loop);
            coordinator.start();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops the queue and waits up to 30 s for its threads to end.
     *
     * @see #stop(Duration)
     */
    public void stop() {
        stop(Duration.ofSeconds(30));
    }

    /**
     * Stops the queue: no new transfer starts, the transfers in flight are interrupted (their
     * attachments stay queued for the next start) and the queue's threads are waited for, up to
     * {@code timeout}. Returns whether they all ended in time (a {@link RemoteStorage} that ignores
     * interrupts may keep its thread longer). Do not call it inside a database transaction.
     */
    public boolean stop(Duration timeout) {
        List<Thread> threads = new ArrayList<>();
        List<Flow.Subscription> cancelled;
        lock.lock();
        try {
            if (running) {
                running = false;
                stopping = true;
                generation++;
                if (coordinator != null) {
                    lingering.add(coordinator);
                    coordinator = null;
                }
                for (Transfer transfer : inFlight.values()) {
                    lingering.add(transfer.thread());
                }
                changed.signalAll();
            }
            threads.addAll(lingering);
            cancelled = List.copyOf(subscriptions);
            subscriptions.clear();
        } finally {
            lock.unlock();
        }
        cancelled.forEach(Flow.Subscription::cancel);
        threads.forEach(Thread::interrupt);
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean interrupted = false;
        for (Thread thread : threads) {
            try {
                long left = deadline - System.nanoTime();
                if (left > 0) {
                    thread.join(Duration.ofNanos(left));
                }
            } catch (InterruptedException e) {
                interrupted = true;
                break;
            }
        }
        boolean allEnded = true;
        lock.lock();
        try {
            for (Thread thread : threads) {
                if (thread.isAlive()) {
                    allEnded = false;
                } else {
                    lingering.remove(thread);
                }
            }
        } finally {
            lock.unlock();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return allEnded;
    }

    /** {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }

    // ---- the app's operations

    /**
     * Saves a new file and queues it for upload, with a random UUID as id.
     *
     * @see #saveFile(String, InputStream, String, String, String, BiConsumer)
     */
    public Attachment saveFile(InputStream data, String mediaType, String fileExtension, String metaData,
                               BiConsumer<PowerSyncDatabase.Transaction, Attachment> updateHook) throws IOException {
        return saveFile(null, data, mediaType, fileExtension, metaData, updateHook);
    }

    /**
     * Saves a new file from bytes and queues it for upload, with a random UUID as id.
     *
     * @see #saveFile(String, InputStream, String, String, String, BiConsumer)
     */
    public Attachment saveFile(byte[] data, String mediaType, String fileExtension, String metaData,
                               BiConsumer<PowerSyncDatabase.Transaction, Attachment> updateHook) throws IOException {
        return saveFile(null, new ByteArrayInputStream(data), mediaType, fileExtension, metaData, updateHook);
    }

    /**
     * Saves a new file and queues it for upload. The bytes are written to local storage first (as
     * {@code <id>.<fileExtension>}); then one database transaction inserts the
     * {@link AttachmentState#QUEUED_UPLOAD} record and runs {@code updateHook}, which typically
     * sets the data row's reference to {@code attachment.id()}. When the transaction fails the
     * local file is deleted again. Works whether or not the queue is started, and never waits for
     * a transfer in flight.
     *
     * @param id            the attachment's id; null for a random UUID
     * @param data          the file's bytes, read to their end (not closed)
     * @param mediaType     its media type, such as {@code image/jpeg}; null when unknown
     * @param fileExtension its file extension without the dot; null or empty for none
     * @param metaData      JSON text stored with it and passed to remote storage; null for none
     * @param updateHook    run in the transaction that inserts the record; null for none
     * @return the record as inserted
     * @throws IOException when the local file cannot be written
     */
    public Attachment saveFile(String id, InputStream data, String mediaType, String fileExtension, String metaData,
                               BiConsumer<PowerSyncDatabase.Transaction, Attachment> updateHook) throws IOException {
        Objects.requireNonNull(data, "data");
        String attachmentId = id != null ? id : UUID.randomUUID().toString();
        checkJson(metaData);
        String filename = filename(attachmentId, fileExtension);
        String uri = local.localUri(filename);
        long size = local.saveFile(uri, data);
        Attachment attachment = new Attachment(attachmentId, filename, uri, clock.millis(), size, mediaType,
                AttachmentState.QUEUED_UPLOAD, false, metaData);
        forget(attachmentId); // before the commit, which a transfer may follow at once
        try {
            database.writeTransaction(tx -> {
                tx.execute("DELETE FROM " + table + " WHERE id = ?", attachmentId);
                insert(tx, attachment);
                if (updateHook != null) {
                    updateHook.accept(tx, attachment);
                }
                return null;
            });
        } catch (RuntimeException e) {
            try {
                local.deleteFile(uri);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        trigger();
        return attachment;
    }

    /**
     * Queues an attachment for deletion: {@link AttachmentState#QUEUED_DELETE} in one transaction
     * with {@code updateHook} (which typically clears the data row's reference). The file is then
     * deleted from remote and local storage and the record removed.
     *
     * @return the record as updated
     * @throws NoSuchElementException when there is no attachment {@code id}
     */
    public Attachment deleteFile(String id, BiConsumer<PowerSyncDatabase.Transaction, Attachment> updateHook) {
        forget(id); // before the commit, which a transfer may follow at once
        Attachment attachment = database.writeTransaction(tx -> {
            Attachment found = tx.getOptional("SELECT * FROM " + table + " WHERE id = ?", id).map(Attachment::fromRow)
                    .orElseThrow(() -> new NoSuchElementException("No attachment " + id));
            long now = clock.millis();
            tx.execute("UPDATE " + table + " SET state = ?, timestamp = ? WHERE id = ?", AttachmentState.QUEUED_DELETE.code(), now, id);
            Attachment updated = new Attachment(found.id(), found.filename(), found.localUri(), now, found.size(),
                    found.mediaType(), AttachmentState.QUEUED_DELETE, found.hasSynced(), found.metaData());
            if (updateHook != null) {
                updateHook.accept(tx, updated);
            }
            return updated;
        });
        trigger();
        return attachment;
    }

    /** The record of attachment {@code id}, if there is one. */
    public Optional<Attachment> getAttachment(String id) {
        return database.getOptional("SELECT * FROM " + table + " WHERE id = ?", id).map(Attachment::fromRow);
    }

    /** Every record, oldest first. */
    public List<Attachment> attachments() {
        return database.getAll("SELECT * FROM " + table + KNOWN_STATES + " ORDER BY timestamp, id").stream().map(Attachment::fromRow).toList();
    }

    /**
     * Repairs the records against local storage, in one transaction: a recorded file that is
     * missing but present in the current storage directory under its file name (the directory
     * moved) gets its new {@code local_uri}; a {@link AttachmentState#SYNCED} attachment whose
     * file is gone is queued for download again (archived when downloads are off); a queued upload
     * whose file is gone is archived; other records lose a {@code local_uri} that names nothing.
     * Runs at every start; safe to call at any time.
     *
     * @return how many records changed
     */
    public int verifyAttachments() {
        List<String> repaired = database.writeTransaction(tx -> {
            List<String> ids = new ArrayList<>();
            long now = clock.millis();
            for (Map<String, Object> row : tx.getAll("SELECT * FROM " + table + KNOWN_STATES)) {
                Attachment attachment = Attachment.fromRow(row);
                String uri = attachment.localUri();
                boolean exists = uri != null && exists(uri);
                if (uri != null && !exists) {
                    String moved = uriIn(local, attachment.filename());
                    if (moved != null && !moved.equals(uri) && exists(moved)) {
                        uri = moved;
                        exists = true;
                    }
                }
                String newUri = exists ? uri : null;
                AttachmentState state = attachment.state();
                if (!exists && state == AttachmentState.SYNCED) {
                    state = downloadAttachments ? AttachmentState.QUEUED_DOWNLOAD : AttachmentState.ARCHIVED;
                } else if (!exists && state == AttachmentState.QUEUED_UPLOAD) {
                    state = AttachmentState.ARCHIVED;
                    errors.put(attachment.id(), new AttachmentError(attachment.id(), AttachmentError.Operation.UPLOAD,
                            "The local file of a queued upload is missing", new NoSuchFileException(String.valueOf(attachment.localUri())),
                            1, clock.instant(), Optional.empty()));
                }
                if (state != attachment.state() || !Objects.equals(newUri, attachment.localUri())) {
                    tx.execute("UPDATE " + table + " SET state = ?, local_uri = ?, timestamp = ? WHERE id = ?", state.code(), newUri,
                            state != attachment.state() ? now : attachment.timestamp(), attachment.id());
                    ids.add(attachment.id());
                }
            }
            return ids;
        });
        if (!repaired.isEmpty()) {
            repaired.forEach(this::forgetRetry);
            trigger();
        }
        return repaired.size();
    }

    /** Works through the queue now, trying failed transfers again at once instead of after their backoff. */
    public void syncNow() {
        lock.lock();
        try {
            long now = System.nanoTime();
            for (Retry retry : retries.values()) {
                if (retry.waiting) {
                    retry.dueAt = now;
                }
            }
            triggered = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Counts per state, the transfers in flight and the last error of each attachment that has one. */
    public AttachmentQueueStatus currentStatus() {
        Map<AttachmentState, Long> counts = new EnumMap<>(AttachmentState.class);
        for (AttachmentState state : AttachmentState.values()) {
            counts.put(state, 0L);
        }
        for (Map<String, Object> row : database.getAll("SELECT state, COUNT(*) AS n FROM " + table + " GROUP BY state")) {
            if (row.get("state") instanceof Number state && state.intValue() >= 0 && state.intValue() <= 4) {
                counts.put(AttachmentState.fromCode(state.intValue()), ((Number) row.get("n")).longValue());
            }
        }
        lock.lock();
        try {
            int uploading = 0;
            int downloading = 0;
            int deleting = 0;
            for (Transfer transfer : inFlight.values()) {
                switch (transfer.operation()) {
                    case UPLOAD -> uploading++;
                    case DOWNLOAD -> downloading++;
                    case DELETE -> deleting++;
                }
            }
            return new AttachmentQueueStatus(running, counts, uploading, downloading, deleting, errors);
        } finally {
            lock.unlock();
        }
    }

    /** The last error of attachment {@code id}, until its next success. */
    public Optional<AttachmentError> lastError(String id) {
        return Optional.ofNullable(errors.get(id));
    }

    /**
     * Waits until the queue is idle: no transfer in flight, no round of work running or asked for.
     * Attachments waiting for a retry's backoff do not count as work; changes that reach the queue
     * through its watched queries arrive a moment after their commit. Returns false when
     * {@code timeout} passed first.
     */
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (!idle()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                changed.awaitNanos(left);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    private boolean idle() {
        return inFlight.isEmpty() && (!running || (!triggered && !roundRunning));
    }

    // ---- the coordinator

    private void trigger() {
        lock.lock();
        try {
            triggered = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Runs a round of work whenever triggered, a backoff ends, or the periodic interval passes. */
    private void loop() {
        while (true) {
            boolean verify;
            boolean reconcile;
            List<WatchedAttachmentItem> items;
            lock.lock();
            try {
                while (!stopping && !triggered) {
                    long wait = untilNextWake();
                    if (wait <= 0) {
                        break;
                    }
                    if (wait == Long.MAX_VALUE) {
                        changed.await();
                    } else {
                        changed.awaitNanos(wait);
                    }
                }
                if (stopping || Thread.currentThread() != coordinator) {
                    return;
                }
                long now = System.nanoTime();
                if (syncInterval.isPositive() && now - nextPeriodic >= 0) {
                    nextPeriodic = now + syncInterval.toNanos();
                }
                triggered = false;
                roundRetryPending = false;
                roundRunning = true;
                verify = verifyNeeded;
                reconcile = reconcileNeeded && (watchedSql != null || latestItems != null);
                items = latestItems;
                verifyNeeded = false;
                reconcileNeeded = false;
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
            boolean failed = false;
            try {
                if (verify) {
                    verifyAttachments();
                }
                if (reconcile) {
                    reconcile(items);
                }
                evictArchived();
                dispatch();
            } catch (RuntimeException e) {
                failed = true;
                LOG.log(Level.WARNING, "Attachment queue round failed: " + e.getMessage(), e);
            } finally {
                lock.lock();
                try {
                    roundRunning = false;
                    if (failed) {
                        verifyNeeded |= verify;
                        reconcileNeeded |= reconcile;
                        roundRetryPending = true;
                        roundRetryAt = System.nanoTime() + backoff(++roundFailures);
                        for (Retry retry : retries.values()) {
                            if (retry.waiting && retry.dueAt - roundRetryAt < 0) {
                                retry.dueAt = roundRetryAt; // not before the round can run again
                            }
                        }
                    } else {
                        roundFailures = 0;
                    }
                    changed.signalAll();
                } finally {
                    lock.unlock();
                }
            }
        }
    }

    /** Nanoseconds until the next periodic round, backoff end or retried round; {@link Long#MAX_VALUE} for none. */
    private long untilNextWake() {
        long now = System.nanoTime();
        long wait = Long.MAX_VALUE;
        if (syncInterval.isPositive()) {
            wait = nextPeriodic - now;
        }
        if (roundRetryPending) {
            wait = Math.min(wait, roundRetryAt - now);
        }
        for (Map.Entry<String, Retry> entry : retries.entrySet()) {
            if (entry.getValue().waiting && !inFlight.containsKey(entry.getKey())) {
                wait = Math.min(wait, entry.getValue().dueAt - now);
            }
        }
        return wait;
    }

    /**
     * Matches the records to the referenced ids, in one transaction. An archived record is
     * restored when its id becomes referenced again (not while it stays referenced, so that an
     * attachment archived after a permanent failure is not tried again at every change).
     */
    private void reconcile(List<WatchedAttachmentItem> published) {
        Set<String> before;
        lock.lock();
        try {
            before = lastReferenced;
        } finally {
            lock.unlock();
        }
        Set<String> referenced = new HashSet<>();
        List<String> changedIds = database.writeTransaction(tx -> {
            referenced.clear();
            List<WatchedAttachmentItem> items = watchedSql != null ? items(tx.getAll(watchedSql, watchedParameters)) : published;
            Map<String, Attachment> records = new HashMap<>();
            for (Map<String, Object> row : tx.getAll("SELECT * FROM " + table + KNOWN_STATES)) {
                Attachment attachment = Attachment.fromRow(row);
                records.put(attachment.id(), attachment);
            }
            long now = clock.millis();
            List<String> ids = new ArrayList<>();
            for (WatchedAttachmentItem item : items) {
                if (!referenced.add(item.id())) {
                    continue;
                }
                Attachment record = records.get(item.id());
                if (record == null) {
                    if (downloadAttachments) {
                        String filename = filename(item.id(), item.fileExtension());
                        insert(tx, new Attachment(item.id(), filename, null, now, 0, URLConnection.guessContentTypeFromName(filename),
                                AttachmentState.QUEUED_DOWNLOAD, false, item.metaData()));
                        ids.add(item.id());
                    }
                } else if (record.state() == AttachmentState.ARCHIVED && (before == null || !before.contains(record.id()))) {
                    boolean fileThere = record.localUri() != null && exists(record.localUri());
                    AttachmentState restored;
                    if (fileThere) {
                        restored = record.hasSynced() ? AttachmentState.SYNCED : AttachmentState.QUEUED_UPLOAD;
                    } else {
                        restored = downloadAttachments ? AttachmentState.QUEUED_DOWNLOAD : null;
                    }
                    if (restored != null) {
                        tx.execute("UPDATE " + table + " SET state = ?, local_uri = ?, timestamp = ? WHERE id = ?", restored.code(),
                                fileThere ? record.localUri() : null, now, record.id());
                        ids.add(record.id());
                    }
                }
            }
            for (Attachment record : records.values()) {
                if (!referenced.contains(record.id())
                        && (record.state() == AttachmentState.SYNCED || record.state() == AttachmentState.QUEUED_DOWNLOAD)) {
                    tx.execute("UPDATE " + table + " SET state = ?, timestamp = ? WHERE id = ?", AttachmentState.ARCHIVED.code(), now,
                            record.id());
                    ids.add(record.id());
                }
            }
            return ids;
        });
        lock.lock();
        try {
            lastReferenced = referenced;
        } finally {
            lock.unlock();
        }
        changedIds.forEach(this::forgetRetry);
    }

    /** Deletes the archived records beyond the cache limit, oldest first, and their files. */
    private void evictArchived() {
        String sql = "SELECT id, local_uri FROM " + table + " WHERE state = ? ORDER BY timestamp DESC, id DESC LIMIT -1 OFFSET ?";
        if (database.getAll(sql, AttachmentState.ARCHIVED.code(), archivedCacheLimit).isEmpty()) {
            return;
        }
        List<Map<String, Object>> evicted = database.writeTransaction(tx -> {
            List<Map<String, Object>> rows = tx.getAll(sql, AttachmentState.ARCHIVED.code(), archivedCacheLimit);
            for (Map<String, Object> row : rows) {
                tx.execute("DELETE FROM " + table + " WHERE id = ?", row.get("id"));
            }
            return rows;
        });
        for (Map<String, Object> row : evicted) {
            String id = String.valueOf(row.get("id"));
            forget(id);
            if (row.get("local_uri") instanceof String uri) {
                try {
                    local.deleteFile(uri);
                } catch (IOException e) {
                    LOG.log(Level.WARNING, "Cannot delete the evicted attachment file " + uri + ": " + e.getMessage(), e);
                }
            }
        }
    }

    /** Starts transfers for the oldest queued records, as many as the parallelism bounds leave room for. */
    private void dispatch() {
        int freeUploads;
        int freeDownloads;
        List<String> excluded = new ArrayList<>();
        lock.lock();
        try {
            int uploads = 0;
            for (Transfer transfer : inFlight.values()) {
                if (transfer.operation() != AttachmentError.Operation.DOWNLOAD) {
                    uploads++;
                }
            }
            freeUploads = uploadParallelism - uploads;
            freeDownloads = downloadParallelism - (inFlight.size() - uploads);
            excluded.addAll(inFlight.keySet());
            long now = System.nanoTime();
            for (Map.Entry<String, Retry> entry : retries.entrySet()) {
                Retry retry = entry.getValue();
                if (retry.waiting) {
                    if (retry.dueAt - now > 0) {
                        excluded.add(entry.getKey());
                    } else {
                        retry.waiting = false;
                    }
                }
            }
        } finally {
            lock.unlock();
        }
        String excludedJson;
        try {
            excludedJson = JSON.writeValueAsString(excluded);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        String sql = "SELECT * FROM " + table + " WHERE state IN (%s) AND id NOT IN (SELECT value FROM json_each(?)) "
                + "ORDER BY timestamp, id LIMIT ?";
        List<Attachment> work = new ArrayList<>();
        if (freeUploads > 0) {
            database.getAll(sql.formatted(AttachmentState.QUEUED_UPLOAD.code() + ", " + AttachmentState.QUEUED_DELETE.code()),
                    excludedJson, freeUploads).forEach(row -> work.add(Attachment.fromRow(row)));
        }
        if (freeDownloads > 0) {
            database.getAll(sql.formatted(String.valueOf(AttachmentState.QUEUED_DOWNLOAD.code())), excludedJson, freeDownloads)
                    .forEach(row -> work.add(Attachment.fromRow(row)));
        }
        for (Attachment attachment : work) {
            AttachmentError.Operation operation = switch (attachment.state()) {
                case QUEUED_UPLOAD -> AttachmentError.Operation.UPLOAD;
                case QUEUED_DELETE -> AttachmentError.Operation.DELETE;
                default -> AttachmentError.Operation.DOWNLOAD;
            };
            lock.lock();
            try {
                if (stopping || inFlight.containsKey(attachment.id())) {
                    continue;
                }
                Thread thread = Thread.ofVirtual()
                        .name("attachment-" + operation.name().toLowerCase(Locale.ROOT) + "-" + attachment.id())
                        .unstarted(() -> transfer(operation, attachment));
                inFlight.put(attachment.id(), new Transfer(operation, thread));
                thread.start();
            } finally {
                lock.unlock();
            }
        }
    }

    // ---- transfers, each on its own virtual thread, with no lock held across the I/O

    private void transfer(AttachmentError.Operation operation, Attachment attachment) {
        try {
            switch (operation) {
                case UPLOAD -> upload(attachment);
                case DOWNLOAD -> download(attachment);
                case DELETE -> delete(attachment);
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "Recording the " + operation.name().toLowerCase(Locale.ROOT) + " of attachment "
                    + attachment.id() + " failed: " + e.getMessage(), e);
        } finally {
            lock.lock();
            try {
                inFlight.remove(attachment.id());
                lingering.remove(Thread.currentThread());
                triggered = true;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    private void upload(Attachment attachment) {
        try {
            if (attachment.localUri() == null || !local.fileExists(attachment.localUri())) {
                NoSuchFileException missing = new NoSuchFileException(String.valueOf(attachment.localUri()));
                errors.put(attachment.id(), new AttachmentError(attachment.id(), AttachmentError.Operation.UPLOAD,
                        "The local file to upload is missing: " + attachment.localUri(), missing, 1, clock.instant(), Optional.empty()));
                forgetRetry(attachment.id());
                archive(attachment);
                return;
            }
            try (InputStream data = local.readFile(attachment.localUri())) {
                remote.uploadFile(data, attachment);
            }
        } catch (Exception e) {
            failed(AttachmentError.Operation.UPLOAD, attachment, e);
            return;
        }
        succeeded(attachment.id());
        database.writeTransaction(tx -> {
            Optional<Map<String, Object>> row = tx.getOptional("SELECT state FROM " + table + " WHERE id = ?", attachment.id());
            if (row.isPresent()) {
                if (((Number) row.get().get("state")).intValue() == AttachmentState.QUEUED_UPLOAD.code()) {
                    tx.execute("UPDATE " + table + " SET state = ?, has_synced = 1, timestamp = ? WHERE id = ?",
                            AttachmentState.SYNCED.code(), clock.millis(), attachment.id());
                } else {
                    tx.execute("UPDATE " + table + " SET has_synced = 1 WHERE id = ?", attachment.id());
                }
            }
            return null;
        });
        lock.lock();
        try {
            reconcileNeeded = true; // archived at once if nothing references it any more
        } finally {
            lock.unlock();
        }
    }

    private void download(Attachment attachment) {
        String uri;
        long size;
        try {
            uri = local.localUri(attachment.filename());
            try (InputStream data = remote.downloadFile(attachment)) {
                size = local.saveFile(uri, data);
            }
        } catch (Exception e) {
            failed(AttachmentError.Operation.DOWNLOAD, attachment, e);
            return;
        }
        succeeded(attachment.id());
        boolean unwanted = database.writeTransaction(tx -> {
            Optional<Map<String, Object>> row = tx.getOptional("SELECT state, local_uri FROM " + table + " WHERE id = ?",
                    attachment.id());
            if (row.isEmpty()) {
                return true;
            }
            AttachmentState state = AttachmentState.fromCode(((Number) row.get().get("state")).intValue());
            switch (state) {
                case QUEUED_DOWNLOAD -> tx.execute("UPDATE " + table
                                + " SET state = ?, local_uri = ?, size = ?, has_synced = 1, timestamp = ? WHERE id = ?",
                        AttachmentState.SYNCED.code(), uri, size, clock.millis(), attachment.id());
                case ARCHIVED, QUEUED_DELETE -> tx.execute("UPDATE " + table
                        + " SET local_uri = ?, size = ?, has_synced = 1 WHERE id = ?", uri, size, attachment.id());
                default -> {
                    return !uri.equals(row.get().get("local_uri"));
                }
            }
            return false;
        });
        if (unwanted) {
            try {
                local.deleteFile(uri);
            } catch (IOException e) {
                LOG.log(Level.WARNING, "Cannot delete the unwanted download " + uri + ": " + e.getMessage(), e);
            }
        }
    }

    private void delete(Attachment attachment) {
        try {
            remote.deleteFile(attachment);
            if (attachment.localUri() != null) {
                local.deleteFile(attachment.localUri());
            }
        } catch (Exception e) {
            failed(AttachmentError.Operation.DELETE, attachment, e);
            return;
        }
        database.writeTransaction(tx -> tx.execute("DELETE FROM " + table + " WHERE id = ? AND state = ?", attachment.id(),
                AttachmentState.QUEUED_DELETE.code()));
        forget(attachment.id());
    }

    /** A transfer failed: retried after a backoff or given up (archived), as the error handler says. */
    private void failed(AttachmentError.Operation operation, Attachment attachment, Exception error) {
        if (error instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        if (isStopping() || Thread.currentThread().isInterrupted()) {
            return; // stopped mid-transfer: the attachment stays queued for the next start
        }
        boolean retry;
        try {
            retry = switch (operation) {
                case UPLOAD -> errorHandler.onUploadError(attachment, error);
                case DOWNLOAD -> errorHandler.onDownloadError(attachment, error);
                case DELETE -> errorHandler.onDeleteError(attachment, error);
            };
        } catch (RuntimeException handlerFailure) {
            LOG.log(Level.WARNING, "The attachment error handler failed: " + handlerFailure.getMessage(), handlerFailure);
            retry = true;
        }
        int attempts;
        Optional<Instant> retryAt = Optional.empty();
        lock.lock();
        try {
            Retry previous = retries.get(attachment.id());
            attempts = previous == null ? 1 : previous.attempts + 1;
            if (retry) {
                long delay = backoff(attempts);
                retries.put(attachment.id(), new Retry(attempts, System.nanoTime() + delay));
                retryAt = Optional.of(clock.instant().plusNanos(delay));
            } else {
                retries.remove(attachment.id());
            }
        } finally {
            lock.unlock();
        }
        String message = error.getMessage() == null ? error.getClass().getName() : error.getMessage();
        errors.put(attachment.id(), new AttachmentError(attachment.id(), operation, message, error, attempts, clock.instant(), retryAt));
        String outcome = retry ? "will retry" : "archived";
        LOG.log(retry ? Level.FINE : Level.WARNING, () -> "Attachment " + attachment.id() + " "
                + operation.name().toLowerCase(Locale.ROOT) + " failed (attempt " + attempts + ", " + outcome + "): " + message);
        if (!retry) {
            archive(attachment);
        }
    }

    /** The backoff before attempt {@code attempts + 1}: doubling from the initial delay up to the maximum, 50-100 % of it. */
    private long backoff(int attempts) {
        long initial = Math.max(1, retryInitialDelay.toNanos());
        long max = Math.max(initial, retryMaxDelay.toNanos());
        int shift = Math.min(attempts - 1, 40);
        long delay = initial > (max >> shift) ? max : Math.min(max, initial << shift);
        return delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1);
    }

    /** Archives the record if it is still in the state the transfer found it in. */
    private void archive(Attachment attachment) {
        database.execute("UPDATE " + table + " SET state = ?, timestamp = ? WHERE id = ? AND state = ?", AttachmentState.ARCHIVED.code(),
                clock.millis(), attachment.id(), attachment.state().code());
    }

    private void succeeded(String id) {
        forgetRetry(id);
        errors.remove(id);
    }

    /** Forgets the attachment's failures: it changed state or went. */
    private void forget(String id) {
        forgetRetry(id);
        errors.remove(id);
    }

    private void forgetRetry(String id) {
        lock.lock();
        try {
            retries.remove(id);
        } finally {
            lock.unlock();
        }
    }

    private boolean isStopping() {
        lock.lock();
        try {
            return stopping;
        } finally {
            lock.unlock();
        }
    }

    // ---- helpers

    private void insert(PowerSyncDatabase.Transaction tx, Attachment attachment) {
        tx.execute("INSERT INTO " + table + " (id, filename, local_uri, timestamp, size, media_type, state, has_synced, meta_data) "
                        + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", attachment.id(), attachment.filename(), attachment.localUri(),
                attachment.timestamp(), attachment.size(), attachment.mediaType(), attachment.state().code(), attachment.hasSynced(),
                attachment.metaData());
    }

    private boolean exists(String uri) {
        try {
            return local.fileExists(uri);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot check the attachment file " + uri, e);
        }
    }

    private static String uriIn(LocalStorage storage, String filename) {
        try {
            return storage.localUri(filename);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String filename(String id, String fileExtension) {
        if (fileExtension == null || fileExtension.isBlank()) {
            return id;
        }
        String extension = fileExtension.startsWith(".") ? fileExtension.substring(1) : fileExtension;
        return id + "." + extension;
    }

    private static void checkJson(String metaData) {
        if (metaData == null) {
            return;
        }
        try {
            JSON.readTree(metaData);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("metaData is not JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** The watched query's rows as items: column {@code id}, optional {@code file_extension} and {@code meta_data}. */
    private static List<WatchedAttachmentItem> items(List<Map<String, Object>> rows) {
        List<WatchedAttachmentItem> items = new ArrayList<>(rows.size());
        for (Map<String, Object> row : rows) {
            Map<String, Object> columns = new LinkedHashMap<>();
            row.forEach((name, value) -> columns.put(name.toLowerCase(Locale.ROOT).replace("_", ""), value));
            if (!columns.containsKey("id")) {
                throw new IllegalArgumentException("The watched attachments query must return an id column, got " + row.keySet());
            }
            Object id = columns.get("id");
            if (id == null) {
                continue;
            }
            Object extension = columns.get("fileextension");
            Object metaData = columns.get("metadata");
            items.add(new WatchedAttachmentItem(String.valueOf(id), extension == null ? null : String.valueOf(extension),
                    metaData == null ? null : String.valueOf(metaData)));
        }
        return items;
    }

    /** Subscribes to a watched source; every item (of the current start) triggers a round. */
    private final class Trigger<T> implements Flow.Subscriber<T> {
        private final long ofGeneration;
        private final Consumer<T> onItem;

        Trigger(long ofGeneration, Consumer<T> onItem) {
            this.ofGeneration = ofGeneration;
            this.onItem = onItem;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            lock.lock();
            try {
                if (generation != ofGeneration) {
                    subscription.cancel();
                    return;
                }
                subscriptions.add(subscription);
            } finally {
                lock.unlock();
            }
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(T item) {
            lock.lock();
            try {
                if (generation == ofGeneration) {
                    onItem.accept(item);
                    triggered = true;
                    changed.signalAll();
                }
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void onError(Throwable error) {
            LOG.log(Level.WARNING, "A watched query of the attachment queue failed: " + error.getMessage(), error);
        }

        @Override
        public void onComplete() {
            // a source that ends leaves the last items in force
        }
    }

    /** Configures an {@link AttachmentQueue}; {@link #storageDirectory} or {@link #localStorage} is required. */
    public static final class Builder {
        private final PowerSyncDatabase database;
        private final RemoteStorage remote;
        private LocalStorage local;
        private Path directory;
        private String tableName = AttachmentTable.DEFAULT_NAME;
        private String watchedSql;
        private Object[] watchedParameters = new Object[0];
        private Flow.Publisher<List<WatchedAttachmentItem>> watchedItems;
        private Duration syncInterval = Duration.ofSeconds(30);
        private int archivedCacheLimit = 100;
        private int uploadParallelism = 3;
        private int downloadParallelism = 3;
        private boolean downloadAttachments = true;
        private AttachmentErrorHandler errorHandler = AttachmentErrorHandler.DEFAULT;
        private Duration retryInitialDelay = Duration.ofSeconds(1);
        private Duration retryMaxDelay = Duration.ofMinutes(5);
        private Clock clock = Clock.systemUTC();

        private Builder(PowerSyncDatabase database, RemoteStorage remote) {
            this.database = Objects.requireNonNull(database, "database");
            this.remote = Objects.requireNonNull(remote, "remote");
        }

        /** Keeps the files in a {@link FileSystemStorage} in {@code directory}. */
        public Builder storageDirectory(Path directory) {
            this.directory = Objects.requireNonNull(directory, "directory");
            this.local = null;
            return this;
        }

        /** Keeps the files in {@code storage}. */
        public Builder localStorage(LocalStorage storage) {
            this.local = Objects.requireNonNull(storage, "storage");
            this.directory = null;
            return this;
        }

        /** The attachments table's name in the schema; {@value AttachmentTable#DEFAULT_NAME} by default. */
        public Builder tableName(String name) {
            this.tableName = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * The query of the attachment ids the data rows reference, watched for changes: a column
         * {@code id}, optionally {@code file_extension} and {@code meta_data}; rows with a NULL id
         * are skipped. For example
         * {@code SELECT photo_id AS id, 'jpg' AS file_extension FROM todos WHERE photo_id IS NOT NULL}.
         * It runs again inside the transaction that matches the records to it.
         */
        public Builder watchedAttachments(String sql, Object... parameters) {
            this.watchedSql = Objects.requireNonNull(sql, "sql");
            this.watchedParameters = parameters.clone();
            this.watchedItems = null;
            return this;
        }

        /**
         * The referenced attachments as the app publishes them (each list replaces the previous
         * one), instead of a query. Until the first list arrives nothing is archived.
         */
        public Builder watchedAttachments(Flow.Publisher<List<WatchedAttachmentItem>> items) {
            this.watchedItems = Objects.requireNonNull(items, "items");
            this.watchedSql = null;
            return this;
        }

        /** How often the queue works through its records without being triggered; 30 s by default, zero for never. */
        public Builder syncInterval(Duration interval) {
            if (interval.isNegative()) {
                throw new IllegalArgumentException("syncInterval must not be negative");
            }
            this.syncInterval = interval;
            return this;
        }

        /** How many archived records (with their files) are kept; 100 by default. */
        public Builder archivedCacheLimit(int limit) {
            if (limit < 0) {
                throw new IllegalArgumentException("archivedCacheLimit must not be negative");
            }
            this.archivedCacheLimit = limit;
            return this;
        }

        /** How many uploads and remote deletes run at a time; 3 by default. */
        public Builder uploadParallelism(int parallelism) {
            this.uploadParallelism = positive(parallelism, "uploadParallelism");
            return this;
        }

        /** How many downloads run at a time; 3 by default. */
        public Builder downloadParallelism(int parallelism) {
            this.downloadParallelism = positive(parallelism, "downloadParallelism");
            return this;
        }

        /** Whether referenced attachments missing on this device are downloaded; true by default (false: upload only). */
        public Builder downloadAttachments(boolean download) {
            this.downloadAttachments = download;
            return this;
        }

        /** Decides between retrying and archiving after a failure; {@link AttachmentErrorHandler#DEFAULT} by default. */
        public Builder errorHandler(AttachmentErrorHandler handler) {
            this.errorHandler = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /** The backoff before the first retry (doubling after each failure) and its maximum; 1 s and 5 min by default. */
        public Builder retryBackoff(Duration initialDelay, Duration maxDelay) {
            if (!initialDelay.isPositive() || maxDelay.compareTo(initialDelay) < 0) {
                throw new IllegalArgumentException("The backoff needs 0 < initialDelay <= maxDelay");
            }
            this.retryInitialDelay = initialDelay;
            this.retryMaxDelay = maxDelay;
            return this;
        }

        /** The clock of the records' timestamps; the system's by default. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * The queue (not started). Checks that the schema has the attachments table, local-only,
         * with {@link AttachmentTable}'s columns, and creates the storage directory.
         */
        public AttachmentQueue build() {
            if (local == null && directory == null) {
                throw new IllegalStateException("An attachment queue needs a storageDirectory or a localStorage");
            }
            Table table = database.schema().table(tableName).orElseThrow(() -> new IllegalArgumentException(
                    "The schema has no table " + tableName + ": add AttachmentTable.create(\"" + tableName + "\") to it"));
            if (!table.localOnly()) {
                throw new IllegalArgumentException("The attachments table " + tableName + " must be local-only");
            }
            for (Column column : AttachmentTable.COLUMNS) {
                boolean present = table.columns().stream().anyMatch(c -> c.name().equalsIgnoreCase(column.name()));
                if (!present) {
                    throw new IllegalArgumentException("The attachments table " + tableName + " has no column " + column.name());
                }
            }
            tableName = table.name();
            if (watchedSql != null) {
                try {
                    items(database.getAll(watchedSql, watchedParameters));
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException("The watched attachments query fails: " + e.getMessage(), e);
                }
            }
            return new AttachmentQueue(this);
        }

        private static int positive(int value, String name) {
            if (value < 1) {
                throw new IllegalArgumentException(name + " must be at least 1");
            }
            return value;
        }
    }
}

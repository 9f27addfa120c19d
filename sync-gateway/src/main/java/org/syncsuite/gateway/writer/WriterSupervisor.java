package org.syncsuite.gateway.writer;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.syncsuite.core.config.SyncConfigCompiler;
import org.syncsuite.core.config.SyncConfigReader;
import org.syncsuite.core.config.SyncPlan;
import org.syncsuite.gateway.storage.Compactor;
import org.syncsuite.gateway.storage.StorageDatabase;
import org.syncsuite.gateway.storage.SyncConfigVersions;

/**
 * The writer role of one storage: deploys the sync config it is given, runs a {@link BucketWriter}
 * for every version that is processing or active (so a new version is built by replaying the
 * changes topic from offset 0 while the old one keeps serving), and drops the data of versions
 * that were replaced. Every process that runs it competes for each version's partition; the
 * others stand by.
 */
public final class WriterSupervisor implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(WriterSupervisor.class.getName());
    private static final int DROP_CHUNK = 10_000;

    private final StorageDatabase storage;
    private final Map<String, Object> kafkaProperties;
    private final String changesTopic;
    private final String groupPrefix;
    private final CheckpointPublisher publisher;
    private final WriterSettings settings;
    private final WriterListener listener;
    private final Duration reconcileEvery;
    private final SyncConfigVersions versions = new SyncConfigVersions();
    private final Map<Integer, Running> writers = new ConcurrentHashMap<>();
    private final Map<Integer, SyncPlan> plans = new HashMap<>();
    private volatile boolean closed;
    private volatile Duration compactEvery = Duration.ZERO;
    private long lastCompaction = System.nanoTime();
    private Thread thread;
    private Thread compaction;

    private record Running(BucketWriter writer, Thread thread) {
    }

    public WriterSupervisor(StorageDatabase storage, Map<String, Object> kafkaProperties, String changesTopic,
                            String groupPrefix, CheckpointPublisher publisher, WriterSettings settings,
                            WriterListener listener, Duration reconcileEvery) {
        this.storage = storage;
        this.kafkaProperties = Map.copyOf(kafkaProperties);
        this.changesTopic = changesTopic;
        this.groupPrefix = groupPrefix;
        this.publisher = publisher;
        this.settings = settings;
        this.listener = listener;
        this.reconcileEvery = reconcileEvery;
    }

    /**
     * Makes the service config's {@code content} the sync config to serve, unless it is the text
     * last deployed from the service config and a version deployed since through the admin API
     * serves instead (so a restart does not undo an API deploy; editing the file does). Returns
     * the version that serves or is being built.
     */
    public int deploy(String name, String content) throws SQLException {
        SyncConfigCompiler.compile(name, content); // refuses an invalid config with its errors
        try (Connection c = storage.open()) {
            try {
                versions.lockSequence(c);
                Optional<String> lastFromConfig = versions.lastContentFrom(c, SyncConfigVersions.Origin.CONFIG);
                List<SyncConfigVersions.Version> live = versions.inStates(c, SyncConfigVersions.State.PROCESSING,
                        SyncConfigVersions.State.ACTIVE, SyncConfigVersions.State.ERRORED);
                if (lastFromConfig.isPresent() && lastFromConfig.get().equals(content) && !live.isEmpty()) {
                    c.commit();
                    int serving = live.get(live.size() - 1).id();
                    LOG.info("The sync config in " + name + " is unchanged since it was last deployed; version " + serving
                            + " stays");
                    return serving;
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
        return deploy(storage, name, content, SyncConfigVersions.Origin.CONFIG, false, false);
    }

    /**
     * Stores {@code content} as a new processing version of {@code storage} (stopping any other
     * processing one), to be built from the changes topic while the active version serves; any
     * process may call it, the writers pick the version up. Without {@code force}, a text that the
     * active or processing version already holds deploys nothing. With {@code refuseIfProcessing},
     * a version being built already makes it fail with {@link org.syncsuite.core.ErrorCode#SYNC_CONFIG_DEPLOYING}
     * (checked under the same lock as the insert). Returns the version that holds it. An invalid
     * config is refused, with every error, before anything is stored.
     */
    public static int deploy(StorageDatabase storage, String name, String content, SyncConfigVersions.Origin origin,
                             boolean force, boolean refuseIfProcessing) throws SQLException {
        SyncConfigCompiler.compile(name, content); // refuses an invalid config with its errors
        SyncConfigVersions versions = new SyncConfigVersions();
        try (Connection c = storage.open()) {
            try {
                versions.lockSequence(c);
                List<SyncConfigVersions.Version> live = versions.inStates(c, SyncConfigVersions.State.PROCESSING,
                        SyncConfigVersions.State.ACTIVE, SyncConfigVersions.State.ERRORED);
                Optional<SyncConfigVersions.Version> processing = live.stream()
                        .filter(v -> v.state() == SyncConfigVersions.State.PROCESSING).reduce((a, b) -> b);
                Optional<SyncConfigVersions.Version> active = live.stream()
                        .filter(v -> v.state() != SyncConfigVersions.State.PROCESSING).reduce((a, b) -> b);
                if (refuseIfProcessing && processing.isPresent()) {
                    throw new org.syncsuite.core.SyncException(org.syncsuite.core.ErrorCode.SYNC_CONFIG_DEPLOYING, "Version "
                            + processing.get().id() + " is being deployed; try again once it is active");
                }
                if (!force && processing.isPresent() && processing.get().content().equals(content)) {
                    c.commit();
                    return processing.get().id();
                }
                if (!force && processing.isEmpty() && active.isPresent() && active.get().content().equals(content)) {
                    c.commit();
                    return active.get().id();
                }
                for (SyncConfigVersions.Version v : live) {
                    if (v.state() == SyncConfigVersions.State.PROCESSING) {
                        versions.setState(c, v.id(), SyncConfigVersions.State.STOP, null);
                    }
                }
                int id = versions.deploy(c, content, origin);
                c.commit();
                LOG.info("Sync config version " + id + " deployed from " + name + "; it is built from the changes topic "
                        + "while " + active.map(v -> "version " + v.id() + " keeps serving").orElse("nothing is served yet"));
                return id;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /**
     * Version {@code versionId}'s sync plan: its bucket ids carry the version ({@code 3#list_todos["l1"]}
     * where the config's edition versions them), so a new version's buckets never mix with the old one's.
     */
    public static SyncPlan planOf(int versionId, String content) {
        return SyncConfigCompiler.compile(SyncConfigReader.read("sync config version " + versionId, content),
                new SyncConfigCompiler.Options(versionId, Optional.empty()));
    }

    /**
     * Compacts the active version this often ({@link Duration#ZERO}: never on a schedule), from
     * the process whose writer holds it; call before {@link #start}.
     */
    public WriterSupervisor withCompactionEvery(Duration every) {
        this.compactEvery = every;
        return this;
    }

    /**
     * Compacts the buckets of the active version up to its last checkpoint (and its parameter
     * index history): superseded operations become MOVEs and each bucket's leading run of them one
     * CLEAR, with every checksum unchanged. The writer goes on meanwhile. Returns what was done, or
     * {@link Compactor.Result#EMPTY} when nothing is active yet.
     */
    public Compactor.Result compactActive() throws SQLException {
        return compactActive(storage);
    }

    /** {@link #compactActive()} of {@code storage}, from any process (the writers go on meanwhile). */
    public static Compactor.Result compactActive(StorageDatabase storage) throws SQLException {
        return compactActive(storage, visited -> { });
    }

    /** {@link #compactActive(StorageDatabase)}, telling {@code progress} how many buckets were done after each one. */
    public static Compactor.Result compactActive(StorageDatabase storage, java.util.function.LongConsumer progress)
            throws SQLException {
        Optional<SyncConfigVersions.Version> active;
        try (Connection c = storage.open()) {
            active = new SyncConfigVersions().active(c);
            c.commit();
        }
        if (active.isEmpty() || active.get().lastCheckpoint().isEmpty()) {
            return Compactor.Result.EMPTY;
        }
        SyncConfigVersions.Version version = active.get();
        long upTo = version.lastCheckpoint().get().opId();
        long started = System.nanoTime();
        Compactor.Result result = new Compactor(storage.dataSource()).compactGroup(version.id(), upTo, progress);
        LOG.info("Compacted sync config version " + version.id() + " up to op " + upTo + " in "
                + Duration.ofNanos(System.nanoTime() - started).toMillis() + " ms: " + result);
        return result;
    }

    private void compactOnSchedule() {
        Duration every = compactEvery;
        if (every.isZero() || System.nanoTime() - lastCompaction < every.toNanos()) {
            return;
        }
        lastCompaction = System.nanoTime();
        boolean writesActive = writers.values().stream().anyMatch(r -> r.writer().isOwner());
        if (!writesActive) {
            return; // the process that writes compacts, so that instances do not compact the same buckets at once
        }
        if (compaction != null && compaction.isAlive()) {
            return;
        }
        compaction = Thread.ofPlatform().daemon().name("compaction").start(() -> {
            try {
                compactActive();
            } catch (SQLException | RuntimeException e) {
                LOG.log(Level.WARNING, "Scheduled compaction failed (tried again next time): " + e.getMessage(), e);
            }
        });
    }

    /** Starts reconciling: writers for live versions, data drops for replaced ones. */
    public synchronized void start() {
        if (thread != null) {
            return;
        }
        thread = Thread.ofPlatform().name("writer-supervisor").daemon().start(this::loop);
    }

    private void loop() {
        while (!closed) {
            try {
                reconcile();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "Could not reconcile the sync config versions (retrying): " + e.getMessage(), e);
            }
            compactOnSchedule();
            try {
                Thread.sleep(reconcileEvery);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** One round: start and stop writers to match the versions' states, and drop one replaced version's data. */
    public synchronized void reconcile() throws SQLException {
        List<SyncConfigVersions.Version> live;
        List<SyncConfigVersions.Version> replaced;
        try (Connection c = storage.open()) {
            live = versions.inStates(c, SyncConfigVersions.State.PROCESSING, SyncConfigVersions.State.ACTIVE,
                    SyncConfigVersions.State.ERRORED);
            replaced = versions.inStates(c, SyncConfigVersions.State.STOP);
            c.commit();
        }
        for (SyncConfigVersions.Version version : live) {
            Running running = writers.get(version.id());
            if (running != null && running.thread().isAlive()) {
                continue;
            }
            if (closed) {
                return;
            }
            SyncPlan plan = plans.computeIfAbsent(version.id(), id -> planOf(id, version.content()));
            BucketWriter writer = new BucketWriter(version.id(), plan, storage, kafkaProperties, changesTopic,
                    groupPrefix + ".writer.v" + version.id(), publisher, settings, listener);
            writers.put(version.id(), new Running(writer, Thread.ofPlatform().daemon().start(writer)));
        }
        for (Map.Entry<Integer, Running> running : writers.entrySet()) {
            boolean isLive = live.stream().anyMatch(v -> v.id() == running.getKey());
            if (!isLive) {
                running.getValue().writer().close();
            }
        }
        writers.entrySet().removeIf(e -> !e.getValue().thread().isAlive() && live.stream().noneMatch(v -> v.id() == e.getKey()));
        for (SyncConfigVersions.Version version : replaced) {
            Running running = writers.get(version.id());
            if (running != null && running.thread().isAlive()) {
                continue; // its writer is stopping
            }
            drop(version.id());
        }
    }

    /** Deletes a replaced version's data in short transactions, then marks it terminated. */
    private void drop(int id) throws SQLException {
        long deleted = 0;
        try (Connection c = storage.open()) {
            // No gap locks: the deletes must not hold up the new version's inserts next to the old rows.
            c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
            int n;
            do {
                n = versions.dropData(c, id, DROP_CHUNK);
                c.commit();
                deleted += n;
            } while (n > 0 && !closed);
            if (!closed) {
                versions.setState(c, id, SyncConfigVersions.State.TERMINATED, null);
                c.commit();
                LOG.info("Sync config version " + id + " was replaced: " + deleted + " rows of its data dropped");
            }
        }
        plans.remove(id);
    }

    /** The writers this process runs now, by version. */
    public Map<Integer, BucketWriter> writers() {
        Map<Integer, BucketWriter> result = new HashMap<>();
        writers.forEach((id, running) -> result.put(id, running.writer()));
        return result;
    }

    @Override
    public void close() {
        closed = true;
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            t.interrupt();
        }
        for (Running running : writers.values()) {
            running.writer().close();
        }
        Thread compacting = compaction;
        if (compacting != null) {
            try {
                compacting.join(Duration.ofSeconds(30)); // a compaction ends between its short transactions
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (Running running : writers.values()) {
            try {
                running.thread().join(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

package org.syncsuite.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Future;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.syncsuite.core.JsonWriter;
import org.syncsuite.core.SqliteValue;
import org.syncsuite.core.change.ChangeEventCodec;
import org.syncsuite.core.change.ChangeRecord;
import org.syncsuite.gateway.storage.StorageDatabase;
import org.syncsuite.gateway.storage.StorageMigrations;
import org.syncsuite.gateway.storage.SyncConfigVersions;
import org.syncsuite.gateway.writer.WriterSettings;
import org.syncsuite.replicator.ChangeProducerSettings;
import org.syncsuite.services.EmbeddedKafka;
import org.syncsuite.services.EmbeddedMariaDb;

/**
 * Bucket operations per second that the writer puts into storage, against plain batched JDBC
 * inserts of the same rows into the same MariaDB in the same run. The changes topic is written
 * first, untimed ({@link WriterWorkload}: a to-do app's row events over a three-stream config, in
 * source transactions of 10 to 100 rows each closed by a position record). Then:
 * <ol>
 * <li>ours: one {@code BucketWriter} with {@code WriterSettings.DEFAULTS}, in a child JVM
 * ({@link WriterProcess}), consumes the topic from offset 0 into a fresh storage database with
 * version 1 deployed, until a committed checkpoint covers the last position record;</li>
 * <li>the database's dirty pages are flushed, so the baseline does not pay for ours;</li>
 * <li>the baseline: the same number of row events, each row's JSON text under a unique binary
 * key, inserted into a two-column table with batched JDBC ({@code rewriteBatchedStatements}), one
 * transaction per batch of the writer's batch size, read from memory (generated with the topic).</li>
 * </ol>
 * Both sides are measured warm, as a writer that has been running is: before its measured run,
 * the writer's JVM first writes {@code --warm-up-rows} (300,000) row events of another seed into
 * another storage database, and the baseline inserts their rows into another table, each followed
 * by the database writing them out; {@code --warm-up-rows=0} measures both from a cold start. The
 * warm-up is longer than the writer's membership cache, so that it also forgets memberships and
 * reads them back from storage, as the measured run does, and those paths are compiled too. The
 * CPU the database, the writer's JVM and this JVM (the broker) use during each measured run is
 * reported, and with {@code --profile=true} where the writer's thread spends its time.
 */
final class WriterBenchmark implements Benchmark {

    /** The issue's goals: absolute ops/s on a two-core machine, and the share of the plain-insert baseline. */
    static final double GOAL_OPS_PER_SECOND = 30_000;
    static final double GOAL_SHARE_OF_BASELINE = 0.5;
    private static final int VERSION = 1;
    /** Whole source transactions go into one Kafka transaction until it holds this many records. */
    static final int KAFKA_TRANSACTION_RECORDS = 5_000;
    /**
     * Row events each side first writes untimed, by default: enough for the JIT compilers to be
     * done with the writer's hot code, which takes them about ten seconds of a core.
     */
    static final int WARM_UP_ROWS = 300_000;
    /**
     * The JVM options the writer role is deployed with beyond the heap limit (the Helm chart's
     * {@code gateway.writer.javaOpts}, the kustomize base): huge pages for the heap where the
     * kernel offers them, and the heap touched at start.
     */
    static final List<String> WRITER_JVM_OPTIONS = List.of("-XX:+UseTransparentHugePages", "-XX:+AlwaysPreTouch");

    @Override
    public String name() {
        return "writer";
    }

    @Override
    public String description() {
        return "changes topic into bucket storage, ops/s, vs. plain batched JDBC inserts of the same rows";
    }

    /** The changes topic as written, and the baseline's rows (one per row event, in topic order). */
    record Topic(String name, long lastPositionOffset, long records, int rowEvents, long transactions, long bytes,
                 Map<String, Integer> events, byte[][] baselineKeys, String[] baselineRows) {
    }

    @Override
    public BenchReport run(BenchOptions options) throws Exception {
        int rows = options.integer("rows", 1_000_000);
        boolean profile = options.flag("profile");
        int batchRows = options.integer("batch-ops", WriterSettings.DEFAULTS.batchOps());
        int bufferPoolMb = options.integer("buffer-pool-mb", 1024);
        int redoLogOption = options.integer("redo-log-mb", Integer.MAX_VALUE); // absent: MariaDB's default
        int warmUpRows = options.wholeNumber("warm-up-rows", WARM_UP_ROWS);
        EmbeddedMariaDb.Builder dbBuilder = EmbeddedMariaDb.builder().bufferPoolSize(bufferPoolMb + "M");
        if (redoLogOption != Integer.MAX_VALUE) {
            dbBuilder.argument("--innodb-log-file-size=" + redoLogOption + "M");
        }
        try (EmbeddedMariaDb db = dbBuilder.build();
             EmbeddedKafka kafka = EmbeddedKafka.builder().build()) {
            db.start();
            kafka.start();
            long redoLogMb;
            try (Connection c = db.rootConnection(""); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT @@GLOBAL.innodb_log_file_size")) {
                rs.next();
                redoLogMb = rs.getLong(1) >> 20;
            }

            System.out.printf(Locale.ROOT, "   writing %,d row events into a new changes topic ...%n", rows);
            long started = System.nanoTime();
            Topic topic = writeTopic(kafka, rows, 42);
            double writeSeconds = (System.nanoTime() - started) / 1e9;
            System.out.printf(Locale.ROOT, "   ... %,d records (%,d source transactions, %.1f MB) in %.1f s%n",
                    topic.records(), topic.transactions(), topic.bytes() / 1e6, writeSeconds);
            Topic warmUp = null;
            if (warmUpRows > 0) {
                warmUp = writeTopic(kafka, warmUpRows, 7);
                db.createDatabase("bench_warm_up");
                StorageMigrations.migrate(db.jdbcUrl("bench_warm_up"), db.rootUser(), db.rootPassword());
                try (Connection c = new StorageDatabase(db.jdbcUrl("bench_warm_up"), db.rootUser(), db.rootPassword()).open()) {
                    new SyncConfigVersions().deploy(c, WriterWorkload.SYNC_CONFIG);
                    c.commit();
                }
            }

            db.createDatabase("bench_storage");
            String url = db.jdbcUrl("bench_storage");
            StorageMigrations.migrate(url, db.rootUser(), db.rootPassword());
            StorageDatabase storage = new StorageDatabase(url, db.rootUser(), db.rootPassword());
            try (Connection c = storage.open()) {
                int version = new SyncConfigVersions().deploy(c, WriterWorkload.SYNC_CONFIG);
                c.commit();
                if (version != VERSION) {
                    throw new IllegalStateException("A fresh storage deployed version " + version);
                }
            }

            // A: ours
            System.out.println("   ours: BucketWriter (child JVM) from offset 0 to the last checkpoint ...");
            Map<String, String> arguments = new LinkedHashMap<>();
            arguments.put("url", url);
            arguments.put("user", db.rootUser());
            arguments.put("password", db.rootPassword());
            arguments.put("bootstrap-servers", kafka.bootstrapServers());
            arguments.put("topic", topic.name());
            arguments.put("version", Integer.toString(VERSION));
            arguments.put("last-position-offset", Long.toString(topic.lastPositionOffset()));
            arguments.put("profile", Boolean.toString(profile));
            arguments.put("batch-ops", Integer.toString(batchRows));
            if (warmUp != null) {
                System.out.printf(Locale.ROOT, "   (first, untimed, the same JVM writes %,d other row events into another storage database)%n",
                        warmUp.rowEvents());
                arguments.put("warm-up-topic", warmUp.name());
                arguments.put("warm-up-last-position-offset", Long.toString(warmUp.lastPositionOffset()));
                arguments.put("warm-up-url", db.jdbcUrl("bench_warm_up"));
            }
            arguments.put("database-pid", Long.toString(db.pid().orElseThrow()));
            arguments.put("bench-pid", Long.toString(ProcessHandle.current().pid()));
            ChildJvm.Report child;
            try {
                child = ChildJvm.run("writer", WRITER_JVM_OPTIONS, System.getProperty("java.class.path"),
                        WriterProcess.class.getName(), arguments, Duration.ofMinutes(25));
            } catch (ChildJvm.ChildFailedException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
            Usage usageA = Usage.of(child.stretches().get("usage")); // over the measured run alone
            Map<String, String> w = child.stretches().get("writer");
            double seconds = Double.parseDouble(w.get("seconds"));
            long ops = Long.parseLong(w.get("ops"));
            double oursOps = ops / seconds;
            double oursRows = topic.rowEvents() / seconds;
            long commits = Long.parseLong(w.get("commits"));
            long stored = count(storage, "SELECT COUNT(*) FROM bucket_ops") + count(storage, "SELECT COUNT(*) FROM parameter_index");
            if (stored != ops) {
                throw new IllegalStateException("The writer reported " + ops + " ops and index entries, storage holds " + stored);
            }
            System.out.printf(Locale.ROOT, "   ... %,d ops in %.1f s: %,.0f ops/s, %,.0f row events/s (%,d commits)%n",
                    ops, seconds, oursOps, oursRows, commits);

            double settleSeconds = settle(db);

            // B: the baseline
            System.out.println("   baseline: batched JDBC inserts of the same rows ...");
            double baselineWarmUpSeconds = 0;
            if (warmUp != null) {
                baselineWarmUpSeconds = baseline(storage, "baseline_warm_up", warmUp, batchRows);
                settleSeconds += settle(db);
            }
            Usage usageB = Usage.start(db);
            double baselineSeconds = baseline(storage, "baseline_rows", topic, batchRows);
            usageB.stop();
            double baselineRows = topic.rowEvents() / baselineSeconds;
            System.out.printf(Locale.ROOT, "   ... %,d rows in %.1f s: %,.0f rows/s%n", topic.rowEvents(), baselineSeconds, baselineRows);

            String warmUpNote = "no warm-up (--warm-up-rows=0): both sides measured from a cold start";
            if (warmUp != null) {
                Map<String, String> warm = child.stretches().get("warm-up");
                warmUpNote = String.format(Locale.ROOT, "warm-up, untimed (--warm-up-rows=0 leaves it out): before "
                                + "their measured runs, ours wrote %,d other row events (%,d ops) into another storage database in "
                                + "%.1f s in the same JVM, then waited %.1f s for the database to write them out; the baseline "
                                + "inserted their %,d rows into another table in %.1f s", warmUp.rowEvents(),
                        Long.parseLong(warm.get("ops")), Double.parseDouble(warm.get("seconds")),
                        Double.parseDouble(warm.get("settleSeconds")), warmUp.rowEvents(), baselineWarmUpSeconds);
            }
            return report(rows, topic, child, usageA, usageB, oursOps, oursRows, baselineRows, baselineSeconds, batchRows,
                    settleSeconds, writeSeconds, storage, bufferPoolMb, redoLogMb, warmUpNote);
        }
    }

    private BenchReport report(int rows, Topic topic, ChildJvm.Report child, Usage usageA, Usage usageB, double oursOps,
                               double oursRows, double baselineRows, double baselineSeconds, int batchRows,
                               double settleSeconds, double writeSeconds, StorageDatabase storage, int bufferPoolMb,
                               long redoLogMb, String warmUpNote)
            throws Exception {
        Map<String, String> w = child.stretches().get("writer");
        double seconds = Double.parseDouble(w.get("seconds"));
        long ops = Long.parseLong(w.get("ops"));
        long commits = Long.parseLong(w.get("commits"));
        List<String> notes = new ArrayList<>();
        notes.add(warmUpNote);
        notes.add(String.format(Locale.ROOT, "workload: %s; %.2f ops and index entries per row event",
                topic.events().toString().replace("=", " "), ops / (double) topic.rowEvents()));
        notes.add(String.format(Locale.ROOT, "ours: %,d ops in %.1f s, %,d commits (%,.0f ops each, at most %,d), "
                        + "first commit after %.1f s, %s checkpoints, %s retries, %s rows skipped",
                ops, seconds, commits, ops / (double) commits, Long.parseLong(w.get("maxCommitOps")),
                Double.parseDouble(w.get("firstCommitSeconds")), w.get("checkpoints"), w.get("retries"), w.get("skipped")));
        notes.add(String.format(Locale.ROOT, "ours, memory (child JVM, %s): peak heap used %,d MiB (at most %,d MiB right after a GC), "
                        + "peak RSS %,d MiB, GC %.1f s",
                String.join(" ", ChildJvm.JVM_OPTIONS) + " " + String.join(" ", WRITER_JVM_OPTIONS),
                Long.parseLong(w.get("peakHeapBytes")) >> 20,
                Long.parseLong(w.get("heapAfterGcBytes")) >> 20,
                child.processLong("peakRssBytes") >> 20, Double.parseDouble(w.get("gcSeconds"))));
        notes.add(String.format(Locale.ROOT, "ours, CPU over %.1f s: writer thread %.1f s, writer JVM %.1f s, MariaDB %.1f s, "
                        + "bench JVM with the broker %.1f s (2 cores: %.1f s available)",
                seconds, Double.parseDouble(w.get("writerThreadCpuSeconds")), Double.parseDouble(w.get("processCpuSeconds")),
                usageA.databaseSeconds, usageA.benchSeconds, 2 * usageA.wallSeconds));
        notes.add("ours, database I/O: " + usageA.io());
        notes.add(String.format(Locale.ROOT, "baseline: %,d rows in %.1f s, %,d per transaction, rows read from memory "
                        + "(generated with the topic), after the database flushed ours for %.1f s; CPU: MariaDB %.1f s, "
                        + "bench JVM %.1f s", topic.rowEvents(), baselineSeconds, batchRows, settleSeconds,
                usageB.databaseSeconds, usageB.benchSeconds));
        notes.add("baseline, database I/O: " + usageB.io());
        notes.add(String.format(Locale.ROOT, "storage after ours: %s; the baseline's table: %s", tableSizes(storage,
                "bucket_ops", "bucket_state", "current_data", "parameter_index"), tableSizes(storage, "baseline_rows")));
        if (child.stretches().containsKey("profile")) {
            notes.addAll(profileNotes(child.stretches().get("profile"), child.stretches().get("jdbc"), seconds));
        }
        notes.add(String.format(Locale.ROOT, "goal: ours at least %,.0f ops/s: %,.0f ops/s (%.0f%%), %s",
                GOAL_OPS_PER_SECOND, oursOps, 100 * oursOps / GOAL_OPS_PER_SECOND,
                oursOps >= GOAL_OPS_PER_SECOND ? "met" : "NOT met"));
        notes.add(String.format(Locale.ROOT, "goal: ours at least %.0f%% of the baseline: row events/s %.0f%% (%s), ops/s %.0f%% (%s)",
                100 * GOAL_SHARE_OF_BASELINE, 100 * oursRows / baselineRows,
                oursRows >= GOAL_SHARE_OF_BASELINE * baselineRows ? "met" : "NOT met", 100 * oursOps / baselineRows,
                oursOps >= GOAL_SHARE_OF_BASELINE * baselineRows ? "met" : "NOT met"));
        notes.add(String.format(Locale.ROOT, "changes topic written beforehand (untimed) in %.1f s: %,d records, %.1f MB",
                writeSeconds, topic.records(), topic.bytes() / 1e6));
        return new BenchReport(name(), String.format(Locale.ROOT,
                "%,d row events (%,d source transactions of 10-100 rows, each closed by a position record; Kafka transactions of ~%,d records), 3 streams, "
                        + "MariaDB %s (buffer pool %,d MiB, redo log %,d MiB), Kafka %s, one machine", rows, topic.transactions(),
                        KAFKA_TRANSACTION_RECORDS, EmbeddedMariaDb.VERSION, bufferPoolMb, redoLogMb, EmbeddedKafka.VERSION),
                new BenchReport.Measurement("BucketWriter, WriterSettings." + (batchRows == WriterSettings.DEFAULTS.batchOps()
                        ? "DEFAULTS" : "DEFAULTS.withBatchOps(" + batchRows + ", ...)") + ": ops and index entries written", oursOps, "ops/s",
                        String.format(Locale.ROOT, "%,.0f row events/s (%.2fx the baseline's rows/s)", oursRows, oursRows / baselineRows)),
                new BenchReport.Measurement("plain batched JDBC inserts of the same rows (id, data), "
                        + String.format(Locale.ROOT, "%,d per transaction", batchRows), baselineRows, "rows/s",
                        String.format(Locale.ROOT, "%.1f s", baselineSeconds)),
                true, notes,
                List.of(new BenchReport.Reference("goal", new BenchReport.Measurement("the issue's goal", GOAL_OPS_PER_SECOND,
                        "ops/s", "on this 2-core machine"))));
    }

    /** The writer thread's phases (share of samples) and the database time per kind of statement. */
    private static List<String> profileNotes(Map<String, String> profile, Map<String, String> jdbc, double seconds) {
        List<String> notes = new ArrayList<>();
        long samples = Long.parseLong(profile.get("samples"));
        StringBuilder phases = new StringBuilder("profile, writer thread (" + samples + " stack samples; [in JDBC]):");
        profile.entrySet().stream().filter(e -> !e.getKey().equals("name") && !e.getKey().equals("samples"))
                .sorted((a, b) -> Long.compare(Long.parseLong(b.getValue().split(":")[0]), Long.parseLong(a.getValue().split(":")[0])))
                .forEach(e -> {
                    String[] count = e.getValue().split(":");
                    phases.append(String.format(Locale.ROOT, " %s %.1f%%", e.getKey(), 100.0 * Long.parseLong(count[0]) / samples));
                    if (Long.parseLong(count[1]) > 0) {
                        phases.append(String.format(Locale.ROOT, " [%.1f%%]", 100.0 * Long.parseLong(count[1]) / samples));
                    }
                    phases.append(',');
                });
        notes.add(phases.substring(0, phases.length() - 1));
        if (jdbc != null) {
            StringBuilder statements = new StringBuilder(String.format(Locale.ROOT,
                    "profile, JDBC wall time per statement kind (of %.1f s; calls, rows):", seconds));
            jdbc.entrySet().stream().filter(e -> !e.getKey().equals("name"))
                    .sorted((a, b) -> Long.compare(Long.parseLong(b.getValue().split(":")[1]), Long.parseLong(a.getValue().split(":")[1])))
                    .forEach(e -> {
                        String[] t = e.getValue().split(":");
                        statements.append(String.format(Locale.ROOT, " %s %.1f s (%,d, %,d),", e.getKey(),
                                Long.parseLong(t[1]) / 1000.0, Long.parseLong(t[0]), Long.parseLong(t[2])));
                    });
            notes.add(statements.substring(0, statements.length() - 1));
        }
        return notes;
    }

    /**
     * Writes the workload as the replicator writes it: a compacted single-partition topic, the
     * replicator's producer settings, each source transaction closed by its position record.
     * Source transactions share Kafka transactions of about {@link #KAFKA_TRANSACTION_RECORDS}
     * records, as the replicator's do when it has a backlog: a commit costs a round trip, and one
     * per source transaction would make writing the topic take minutes. A consumer sees the same
     * records either way.
     */
    static Topic writeTopic(EmbeddedKafka kafka, int rows, long seed) throws Exception {
        String name = "bench-writer-" + UUID.randomUUID().toString().substring(0, 8);
        try (Admin admin = Admin.create(kafka.clientProperties())) {
            admin.createTopics(List.of(new NewTopic(name, Optional.of(1), Optional.empty())
                    .configs(Map.of("cleanup.policy", "compact")))).all().get();
        }
        byte[][] keys = new byte[rows][];
        String[] data = new String[rows];
        Map<String, Integer> events = new LinkedHashMap<>();
        WriterWorkload workload = new WriterWorkload(seed);
        long records = 0;
        long bytes = 0;
        long transactions = 0;
        int written = 0;
        Future<RecordMetadata> lastPosition = null;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                ChangeProducerSettings.forChangesTopic(kafka.bootstrapServers(), "bench-writer-" + UUID.randomUUID(), Map.of()))) {
            producer.initTransactions();
            int inKafkaTransaction = 0;
            while (written < rows) {
                WriterWorkload.SourceTransaction tx = workload.next(rows - written);
                if (inKafkaTransaction == 0) {
                    producer.beginTransaction();
                }
                for (ChangeRecord record : tx.records()) {
                    byte[] key = ChangeEventCodec.key(record);
                    byte[] value = ChangeEventCodec.value(record);
                    producer.send(new ProducerRecord<>(name, 0, key, value));
                    records++;
                    bytes += key.length + (value == null ? 0 : value.length);
                    if (record instanceof ChangeRecord.RowChange row) {
                        events.merge(row.table() + " " + row.op().name().toLowerCase(Locale.ROOT), 1, Integer::sum);
                        keys[written] = (new String(key, StandardCharsets.UTF_8) + "#" + written).getBytes(StandardCharsets.UTF_8);
                        data[written] = json(row.after().or(row::before).orElseThrow());
                        written++;
                    }
                }
                byte[] key = ChangeEventCodec.key(tx.position());
                byte[] value = ChangeEventCodec.value(tx.position());
                lastPosition = producer.send(new ProducerRecord<>(name, 0, key, value));
                records++;
                bytes += key.length + value.length;
                transactions++;
                inKafkaTransaction += tx.records().size() + 1;
                if (inKafkaTransaction >= KAFKA_TRANSACTION_RECORDS || written == rows) {
                    producer.commitTransaction();
                    inKafkaTransaction = 0;
                }
            }
        }
        return new Topic(name, lastPosition.get().offset(), records, written, transactions, bytes, events, keys, data);
    }

    /** A row as JSON text, its columns in table order. */
    static String json(Map<String, SqliteValue> row) {
        JsonWriter json = new JsonWriter().beginObject();
        row.forEach((column, value) -> json.name(column).value(value));
        return json.endObject().toString();
    }

    /** Seconds to insert every baseline row of {@code topic} into a new {@code table}, {@code batchRows} per batch and transaction. */
    private static double baseline(StorageDatabase storage, String table, Topic topic, int batchRows) throws Exception {
        try (Connection c = storage.open(); Statement ddl = c.createStatement()) {
            ddl.execute("CREATE TABLE " + table + " (id VARBINARY(1024) NOT NULL PRIMARY KEY, data MEDIUMTEXT NOT NULL) ENGINE = InnoDB");
            c.commit();
        }
        try (Connection c = storage.open();
             PreparedStatement insert = c.prepareStatement("INSERT INTO " + table + " (id, data) VALUES (?, ?)")) {
            long started = System.nanoTime();
            int n = topic.rowEvents();
            for (int from = 0; from < n; from += batchRows) {
                for (int i = from; i < Math.min(n, from + batchRows); i++) {
                    insert.setBytes(1, topic.baselineKeys()[i]);
                    insert.setString(2, topic.baselineRows()[i]);
                    insert.addBatch();
                }
                insert.executeBatch();
                c.commit();
            }
            return (System.nanoTime() - started) / 1e9;
        }
    }

    /**
     * Lets InnoDB write ours out (dirty pages), so that the baseline does not pay for it; returns
     * the seconds it took (at most two minutes).
     */
    private static double settle(EmbeddedMariaDb db) throws Exception {
        return settle(db.jdbcUrl(""), db.rootUser(), db.rootPassword());
    }

    /** {@link #settle(EmbeddedMariaDb)} through a JDBC URL, for an account that may set globals. */
    static double settle(String url, String user, String password) throws Exception {
        long started = System.nanoTime();
        try (Connection c = java.sql.DriverManager.getConnection(url, user, password); Statement s = c.createStatement()) {
            String before;
            long ioCapacity;
            long ioCapacityMax;
            try (ResultSet rs = s.executeQuery("SELECT @@GLOBAL.innodb_max_dirty_pages_pct, @@GLOBAL.innodb_io_capacity, "
                    + "@@GLOBAL.innodb_io_capacity_max")) {
                rs.next();
                before = rs.getString(1);
                ioCapacity = rs.getLong(2);
                ioCapacityMax = rs.getLong(3);
            }
            // Flushed at the default 200 pages a second, a run's pages would take minutes.
            s.execute("SET GLOBAL innodb_io_capacity_max = 100000");
            s.execute("SET GLOBAL innodb_io_capacity = 50000");
            s.execute("SET GLOBAL innodb_max_dirty_pages_pct = 0");
            try {
                long lowest = Long.MAX_VALUE;
                long lowestAt = System.nanoTime();
                while (System.nanoTime() - started < Duration.ofMinutes(2).toNanos()) {
                    try (ResultSet rs = s.executeQuery("SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_pages_dirty'")) {
                        long dirty = rs.next() ? rs.getLong(2) : 0;
                        if (dirty < 100) {
                            break;
                        }
                        if (dirty < lowest) {
                            lowest = dirty;
                            lowestAt = System.nanoTime();
                        } else if (System.nanoTime() - lowestAt > Duration.ofSeconds(10).toNanos()) {
                            break; // no lower for ten seconds: what is left is being written again as it goes
                        }
                    }
                    Thread.sleep(250);
                }
            } finally {
                s.execute("SET GLOBAL innodb_max_dirty_pages_pct = " + Double.parseDouble(before));
                s.execute("SET GLOBAL innodb_io_capacity = " + ioCapacity);
                s.execute("SET GLOBAL innodb_io_capacity_max = " + ioCapacityMax);
            }
        }
        return (System.nanoTime() - started) / 1e9;
    }

    private static long count(StorageDatabase storage, String sql) throws Exception {
        try (Connection c = storage.open(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Rows and data + index size (MB, InnoDB's estimate) of each table. */
    private static String tableSizes(StorageDatabase storage, String... tables) throws Exception {
        List<String> sizes = new ArrayList<>();
        try (Connection c = storage.open(); Statement s = c.createStatement()) {
            s.execute("ANALYZE TABLE " + String.join(", ", tables));
            for (String table : tables) {
                try (ResultSet rs = s.executeQuery("SELECT (SELECT COUNT(*) FROM " + table + "), (data_length + index_length) "
                        + "FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = '" + table + "'")) {
                    rs.next();
                    sizes.add(String.format(Locale.ROOT, "%s %,d rows %,d MB", table, rs.getLong(1), rs.getLong(2) >> 20));
                }
            }
            c.commit();
        }
        return String.join(", ", sizes);
    }

    /**
     * What a run cost beyond its wall time: CPU of the database process and of this JVM (the
     * broker's home), and InnoDB's and the binlog's counters (bytes written, pages read from disk).
     */
    static final class Usage {
        private static final List<String> COUNTERS = List.of("Innodb_data_written", "Innodb_os_log_written",
                "Binlog_bytes_written", "Innodb_buffer_pool_reads");
        private final long databasePid;
        private final long benchPid;
        private final String url;
        private final String user;
        private final String password;
        private final long startedNanos;
        private final double databaseCpu;
        private final double benchCpu;
        private final Map<String, Long> counters;
        double wallSeconds;
        double databaseSeconds;
        double benchSeconds;
        final Map<String, Long> deltas = new LinkedHashMap<>();

        private Usage(long databasePid, long benchPid, String url, String user, String password) throws Exception {
            this.databasePid = databasePid;
            this.benchPid = benchPid;
            this.url = url;
            this.user = user;
            this.password = password;
            this.counters = url == null ? Map.of() : counters();
            this.startedNanos = System.nanoTime();
            this.databaseCpu = processSeconds(databasePid);
            this.benchCpu = processSeconds(benchPid);
        }

        static Usage start(EmbeddedMariaDb db) throws Exception {
            return start(db.pid().orElseThrow(), ProcessHandle.current().pid(), db.jdbcUrl(""), db.rootUser(), db.rootPassword());
        }

        /** From another process (the writer's JVM): the database's and the bench JVM's usage over its own window. */
        static Usage start(long databasePid, long benchPid, String url, String user, String password) throws Exception {
            return new Usage(databasePid, benchPid, url, user, password);
        }

        Usage stop() throws Exception {
            wallSeconds = (System.nanoTime() - startedNanos) / 1e9;
            databaseSeconds = processSeconds(databasePid) - databaseCpu;
            benchSeconds = processSeconds(benchPid) - benchCpu;
            counters().forEach((name, value) -> deltas.put(name, value - counters.getOrDefault(name, 0L)));
            return this;
        }

        /** As a child JVM's output line ({@link #of} reads it back). */
        String stretch() {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
                    "BENCH-STRETCH name=usage wallSeconds=%.3f databaseSeconds=%.3f benchSeconds=%.3f",
                    wallSeconds, databaseSeconds, benchSeconds));
            deltas.forEach((name, value) -> line.append(' ').append(name).append('=').append(value));
            return line.toString();
        }

        /** The usage a child JVM measured ({@link #stretch}). */
        static Usage of(Map<String, String> stretch) throws Exception {
            Usage usage = new Usage(-1, -1, null, null, null);
            usage.wallSeconds = Double.parseDouble(stretch.get("wallSeconds"));
            usage.databaseSeconds = Double.parseDouble(stretch.get("databaseSeconds"));
            usage.benchSeconds = Double.parseDouble(stretch.get("benchSeconds"));
            for (String counter : COUNTERS) {
                if (stretch.containsKey(counter)) {
                    usage.deltas.put(counter, Long.parseLong(stretch.get(counter)));
                }
            }
            return usage;
        }

        /** The database's writes and reads, for a report: MB written to data files, redo log, binlog; pages read. */
        String io() {
            return String.format(Locale.ROOT, "InnoDB wrote %,d MB to data files and %,d MB of redo, binlog %,d MB, "
                            + "%,d pages read from disk",
                    deltas.getOrDefault("Innodb_data_written", 0L) >> 20, deltas.getOrDefault("Innodb_os_log_written", 0L) >> 20,
                    deltas.getOrDefault("Binlog_bytes_written", 0L) >> 20, deltas.getOrDefault("Innodb_buffer_pool_reads", 0L));
        }

        private Map<String, Long> counters() throws Exception {
            Map<String, Long> values = new LinkedHashMap<>();
            try (Connection c = java.sql.DriverManager.getConnection(url, user, password); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SHOW GLOBAL STATUS")) {
                while (rs.next()) {
                    if (COUNTERS.contains(rs.getString(1))) {
                        values.put(rs.getString(1), rs.getLong(2));
                    }
                }
            }
            return values;
        }

        /** User + system CPU seconds of a process so far (Linux), NaN where unknown. */
        static double processSeconds(long pid) {
            try {
                String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
                String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0; // USER_HZ is 100 on Linux
            } catch (Exception e) {
                return Double.NaN;
            }
        }
    }
}
package org.syncsuite.bench;

import java.io.IOException;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.github.shyiko.mysql.binlog.BinaryLogClient;
import com.github.shyiko.mysql.binlog.event.EventType;
import com.github.shyiko.mysql.binlog.event.UpdateRowsEventData;
import com.github.shyiko.mysql.binlog.event.WriteRowsEventData;
import org.syncsuite.core.change.SourcePosition;
import org.syncsuite.replicator.Replicator;
import org.syncsuite.services.EmbeddedKafka;
import org.syncsuite.services.EmbeddedMariaDb;

/**
 * Rows per second from the binlog to committed Kafka records, for inserts and for updates, all
 * reading the same stretch of binlog in the same run. The binlog is written once; then three
 * readers go over each stretch: the decode ceiling (a bare binlog reader that only counts the rows
 * of the same events, in this JVM), our {@link Replicator} ({@link ReplicatorProcess}, a child
 * JVM) and the baseline, Debezium's embedded MariaDB connector producing its JSON change events to
 * Kafka ({@code test/bench-debezium}, a child JVM with Debezium's own class path). Each child's
 * memory is reported; the broker stays in this JVM. A failing Debezium child is reported, and the
 * other figures still are.
 */
final class BinlogToKafkaBenchmark implements Benchmark {

    @Override
    public String name() {
        return "replicator";
    }

    @Override
    public String description() {
        return "binlog to committed Kafka records, rows/s, vs. Debezium's embedded MariaDB connector and a bare binlog reader";
    }

    @Override
    public BenchReport run(BenchOptions options) throws Exception {
        int rows = options.integer("rows", 1_000_000);
        try (EmbeddedMariaDb db = EmbeddedMariaDb.builder().bufferPoolSize("512M").build();
             EmbeddedKafka kafka = EmbeddedKafka.builder().build()) {
            db.start();
            kafka.start();
            db.createDatabase("bench");
            db.execute("CREATE TABLE bench.todos (id INT PRIMARY KEY, list_id INT NOT NULL, description VARCHAR(200) NOT NULL, "
                    + "completed TINYINT(1) NOT NULL, created_at DATETIME(3) NOT NULL)");
            SourcePosition start;
            try (Connection connection = db.rootConnection("bench")) {
                start = Replicator.head(connection, true);
            }
            System.out.printf(Locale.ROOT, "   writing %,d inserts, then %,d updates ...%n", rows, rows);
            for (int from = 0; from < rows; from += 1000) {
                StringBuilder insert = new StringBuilder("INSERT INTO bench.todos VALUES ");
                for (int i = from; i < Math.min(rows, from + 1000); i++) {
                    insert.append(i == from ? "" : ",").append('(').append(i).append(',').append(i % 500)
                            .append(",'Task number ").append(i).append(" with a description of some length',0,'2026-11-24 10:15:30.123')");
                }
                db.execute(insert.toString());
            }
            SourcePosition afterInserts;
            try (Connection connection = db.rootConnection("bench")) {
                afterInserts = Replicator.head(connection, true);
            }
            for (int from = 0; from < rows; from += 1000) {
                db.execute("UPDATE bench.todos SET completed = 1 WHERE id >= " + from + " AND id < " + (from + 1000));
            }

            double ceilingInserts = decodeCeiling(db, start, rows);
            double ceilingUpdates = decodeCeiling(db, afterInserts, rows);

            Map<String, String> arguments = new LinkedHashMap<>();
            arguments.put("host", db.host());
            arguments.put("port", Integer.toString(db.port()));
            arguments.put("user", db.replicationUser());
            arguments.put("password", db.replicationPassword());
            arguments.put("bootstrap-servers", kafka.bootstrapServers());
            arguments.put("rows", Integer.toString(rows));
            arguments.put("stretches", "inserts,updates");
            stretch(arguments, "inserts", start, "c");
            stretch(arguments, "updates", afterInserts, "u");

            System.out.println("   replicator (child JVM) ...");
            ChildJvm.Report ours;
            try {
                ours = ChildJvm.run("replicator", System.getProperty("java.class.path"), ReplicatorProcess.class.getName(),
                        arguments, Duration.ofMinutes(25));
            } catch (ChildJvm.ChildFailedException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
            System.out.println("   Debezium (child JVM) ...");
            ChildJvm.Report debezium = null;
            String debeziumFailure = null;
            double dbzInserts = Double.NaN;
            double dbzUpdates = Double.NaN;
            try {
                debezium = ChildJvm.run("debezium", DebeziumSide.classPath(), DebeziumSide.MAIN_CLASS, arguments,
                        Duration.ofMinutes(25));
                dbzInserts = debezium.rows("inserts") / debezium.seconds("inserts");
                dbzUpdates = debezium.rows("updates") / debezium.seconds("updates");
            } catch (ChildJvm.ChildFailedException | IOException | RuntimeException e) {
                debezium = null;
                debeziumFailure = e.getMessage() == null ? e.toString() : e.getMessage();
                System.out.println("   Debezium baseline FAILED; the other figures stand:");
                System.out.println("      " + debeziumFailure.replace("\n", "\n      "));
            }

            double oursInserts = rows / ours.seconds("inserts");
            double oursUpdates = rows / ours.seconds("updates");
            printStretch("inserts", oursInserts, dbzInserts, ceilingInserts);
            printStretch("updates", oursUpdates, dbzUpdates, ceilingUpdates);
            double oursRate = (oursInserts + oursUpdates) / 2;
            double dbzRate = (dbzInserts + dbzUpdates) / 2;
            double ceiling = (ceilingInserts + ceilingUpdates) / 2;

            List<String> notes = new ArrayList<>();
            notes.add("ours and Debezium each run in a child JVM (" + String.join(" ", ChildJvm.JVM_OPTIONS)
                    + "); broker and decode ceiling in this one; rates are the mean of the insert and update rates");
            notes.add("memory, ours:     " + memory(ours));
            notes.add("memory, Debezium: " + (debezium == null ? "not measured (the child failed)" : memory(debezium)));
            if (debezium != null) {
                notes.add(String.format(Locale.ROOT, "Debezium's JSON change events average %,d bytes (key not counted)",
                        Math.round((Long.parseLong(debezium.stretches().get("inserts").getOrDefault("bytes", "0"))
                                + Long.parseLong(debezium.stretches().get("updates").getOrDefault("bytes", "0"))) / (2.0 * rows))));
            }
            double versusDebezium = oursRate / dbzRate;
            double versusCeiling = oursRate / ceiling;
            notes.add(debezium == null
                    ? "goal: ours at least 1.5x Debezium: NOT MEASURED (" + firstLine(debeziumFailure) + ")"
                    : String.format(Locale.ROOT, "goal: ours at least 1.5x Debezium: %.2fx, %s", versusDebezium,
                            versusDebezium >= 1.5 ? "met" : "NOT met"));
            notes.add(String.format(Locale.ROOT, "goal: ours at least 60%% of the decode ceiling: %.0f%%, %s", 100 * versusCeiling,
                    versusCeiling >= 0.6 ? "met" : "NOT met"));
            String debeziumVersion = debezium == null ? DebeziumSide.VERSION : debezium.process().getOrDefault("debezium", "?");
            return new BenchReport(name(), String.format(Locale.ROOT,
                    "%,d single-row-key inserts and %,d updates (1,000 rows per source transaction), MariaDB %s, Kafka %s, one machine",
                    rows, rows, EmbeddedMariaDb.VERSION, EmbeddedKafka.VERSION),
                    new BenchReport.Measurement("Replicator: decode, map, envelope, transactional produce", oursRate, "rows/s",
                            String.format(Locale.ROOT, "inserts %,.0f, updates %,.0f", oursInserts, oursUpdates)),
                    new BenchReport.Measurement("Debezium " + debeziumVersion + " embedded MariaDB connector, JSON, KafkaProducer defaults"
                            + (debezium == null ? " (FAILED)" : ""), dbzRate, "rows/s",
                            String.format(Locale.ROOT, "inserts %,.0f, updates %,.0f", dbzInserts, dbzUpdates)),
                    true, notes,
                    List.of(new BenchReport.Reference("ceiling", new BenchReport.Measurement(
                            "bare mysql-binlog-connector-java reader counting rows (decode ceiling)", ceiling, "rows/s",
                            String.format(Locale.ROOT, "inserts %,.0f, updates %,.0f", ceilingInserts, ceilingUpdates)))));
        }
    }

    /** The child's arguments for one stretch of binlog: where it starts, and the operation of all its rows. */
    private static void stretch(Map<String, String> arguments, String name, SourcePosition from, String op) {
        arguments.put(name + ".file", from.file());
        arguments.put(name + ".pos", Long.toString(from.offset()));
        arguments.put(name + ".gtids", from.gtidSet());
        arguments.put(name + ".op", op);
    }

    private static void printStretch(String stretch, double ours, double debezium, double ceiling) {
        System.out.printf(Locale.ROOT, "   %s: ours %,.0f rows/s, Debezium %s, decode ceiling %,.0f rows/s (ours %.0f%% of it)%n",
                stretch, ours, Double.isNaN(debezium) ? "not measured"
                        : String.format(Locale.ROOT, "%,.0f rows/s (ours %.2fx)", debezium, ours / debezium),
                ceiling, 100 * ours / ceiling);
    }

    private static String memory(ChildJvm.Report report) {
        return String.format(Locale.ROOT, "peak heap used %,d MiB (inserts %,d, updates %,d), peak RSS %,d MiB, GC %.1f s",
                report.processLong("peakHeapBytes") >> 20, report.peakHeapBytes("inserts") >> 20,
                report.peakHeapBytes("updates") >> 20, report.processLong("peakRssBytes") >> 20,
                Double.parseDouble(report.process().getOrDefault("gcSeconds", "NaN")));
    }

    private static String firstLine(String text) {
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }

    /** Rows per second a bare reader counts from {@code from} until {@code rows} rows. */
    private static double decodeCeiling(EmbeddedMariaDb db, SourcePosition from, int rows) throws Exception {
        BinaryLogClient client = new BinaryLogClient(db.host(), db.port(), db.replicationUser(), db.replicationPassword());
        client.setServerId(77_001);
        client.setBinlogFilename(from.file());
        client.setBinlogPosition(from.offset());
        client.setEventDeserializer(Replicator.eventDeserializer()); // decoded exactly as the replicator decodes
        AtomicLong counted = new AtomicLong();
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        client.registerEventListener(event -> {
            EventType type = event.getHeader().getEventType();
            long n = 0;
            if (EventType.isWrite(type)) {
                n = ((WriteRowsEventData) event.getData()).getRows().size();
            } else if (EventType.isUpdate(type)) {
                n = ((UpdateRowsEventData) event.getData()).getRows().size();
            }
            if (n > 0 && counted.addAndGet(n) >= rows) {
                done.countDown();
            }
        });
        long started = System.nanoTime();
        client.connect(20_000);
        if (!done.await(10, TimeUnit.MINUTES)) {
            throw new IllegalStateException("The bare reader counted only " + counted.get() + " rows");
        }
        double rate = rows / ((System.nanoTime() - started) / 1e9);
        client.disconnect();
        return rate;
    }
}

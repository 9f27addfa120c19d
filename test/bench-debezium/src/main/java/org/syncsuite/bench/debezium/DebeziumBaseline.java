package org.syncsuite.bench.debezium;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;

import io.debezium.engine.ChangeEvent;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.format.JsonByteArray;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The Debezium side of {@code ./powersync bench replicator}, run in a JVM of its own by the
 * benchmark: Debezium's embedded MariaDB connector streams a given stretch of binlog, each change
 * event is serialized to JSON by Debezium's converter and sent to Kafka by a plain
 * {@link KafkaProducer} (the client's defaults: idempotent, {@code acks=all}). A stretch ends when
 * the expected number of row events has been produced and flushed; its rate is timed from the
 * first row event to that flush.
 *
 * <p>Arguments are {@code --name=value}: {@code host}, {@code port}, {@code user}, {@code password},
 * {@code bootstrap-servers}, {@code rows}, {@code stretches} (comma-separated names) and, per
 * stretch NAME, {@code NAME.file}, {@code NAME.pos}, {@code NAME.gtids} (may be empty) and
 * {@code NAME.op} (the Debezium op every event of the stretch carries: c, u). Output, one line each,
 * for the parent to parse:
 * <pre>
 * BENCH-STRETCH name=inserts rows=1000000 seconds=12.345 peakHeapBytes=... bytes=...
 * BENCH-PROCESS peakHeapBytes=... peakRssBytes=... gcSeconds=... debezium=3.5.0.Final kafkaClients=4.1.1
 * BENCH-ERROR message
 * </pre>
 */
public final class DebeziumBaseline {

    private static final String DATABASE = "bench";
    private static final String TABLE = "todos";

    private DebeziumBaseline() {
    }

    public static void main(String[] args) {
        quietLogs();
        int status = 0;
        try {
            run(parse(args));
        } catch (Throwable e) {
            e.printStackTrace();
            System.out.println("BENCH-ERROR " + oneLine(e));
            status = 1;
        }
        System.out.flush();
        // Debezium and Kafka leave non-daemon threads behind now and then: leave regardless.
        Runtime.getRuntime().halt(status);
    }

    private static void run(Map<String, String> options) throws Exception {
        long rows = Long.parseLong(required(options, "rows"));
        for (String stretch : required(options, "stretches").split(",")) {
            resetPeakHeap();
            StretchResult result = stream(options, stretch, rows);
            System.out.printf(Locale.ROOT, "BENCH-STRETCH name=%s rows=%d seconds=%.6f peakHeapBytes=%d bytes=%d%n",
                    stretch, result.rows(), result.seconds(), peakHeapBytes(), result.valueBytes());
            System.out.flush();
        }
        long gcMillis = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            gcMillis += Math.max(0, gc.getCollectionTime());
        }
        System.out.printf(Locale.ROOT, "BENCH-PROCESS peakHeapBytes=%d peakRssBytes=%d gcSeconds=%.3f debezium=%s kafkaClients=%s%n",
                Math.max(lifetimePeakHeapBytes, peakHeapBytes()), peakRssBytes(), gcMillis / 1000.0,
                io.debezium.connector.mariadb.Module.version(), org.apache.kafka.common.utils.AppInfoParser.getVersion());
    }

    private record StretchResult(long rows, double seconds, long valueBytes) {
    }

    /** Streams one stretch of binlog through Debezium into Kafka. */
    private static StretchResult stream(Map<String, String> options, String stretch, long rows) throws Exception {
        String prefix = "debezium-" + stretch;
        String topic = prefix + "." + DATABASE + "." + TABLE;
        String bootstrap = required(options, "bootstrap-servers");
        createTopic(bootstrap, topic);

        String engineName = "bench-debezium-" + stretch;
        Map<String, Object> offset = new LinkedHashMap<>();
        offset.put("file", required(options, stretch + ".file"));
        offset.put("pos", Long.parseLong(required(options, stretch + ".pos")));
        String gtids = options.getOrDefault(stretch + ".gtids", "");
        if (!gtids.isEmpty()) {
            offset.put("gtids", gtids);
        }
        StartPositionOffsetStore.startAt(engineName, Map.of("server", prefix), offset);
        String expectedOp = "\"op\":\"" + required(options, stretch + ".op") + "\"";

        Properties config = new Properties();
        config.setProperty("name", engineName);
        config.setProperty("connector.class", "io.debezium.connector.mariadb.MariaDbConnector");
        config.setProperty("offset.storage", StartPositionOffsetStore.class.getName());
        config.setProperty("offset.flush.interval.ms", "60000");
        config.setProperty("schema.history.internal", "io.debezium.relational.history.MemorySchemaHistory");
        config.setProperty("database.hostname", required(options, "host"));
        config.setProperty("database.port", required(options, "port"));
        config.setProperty("database.user", required(options, "user"));
        config.setProperty("database.password", required(options, "password"));
        config.setProperty("database.server.id", "77003");
        config.setProperty("database.ssl.mode", "disable");
        config.setProperty("topic.prefix", prefix);
        config.setProperty("database.include.list", DATABASE);
        config.setProperty("table.include.list", DATABASE + "." + TABLE);
        // The offset above says where to stream from; 'recovery' reads the tables' schema (no rows)
        // first, as Debezium must know it, then streams from the offset.
        config.setProperty("snapshot.mode", "recovery");
        config.setProperty("snapshot.locking.mode", "none");
        config.setProperty("include.schema.changes", "false");
        config.setProperty("converter.schemas.enable", "false");

        Map<String, Object> producerConfig = new HashMap<>();
        producerConfig.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        producerConfig.put(ProducerConfig.CLIENT_ID_CONFIG, engineName);
        producerConfig.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        producerConfig.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());

        CountDownLatch done = new CountDownLatch(1);
        AtomicReference<Throwable> engineFailure = new AtomicReference<>();
        AtomicReference<Throwable> sendFailure = new AtomicReference<>();
        AtomicLong acknowledged = new AtomicLong();
        long[] timing = new long[2];
        long[] counts = new long[2]; // rows, value bytes
        String[] firstAndLast = new String[2];

        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerConfig)) {
            DebeziumEngine.ChangeConsumer<ChangeEvent<byte[], byte[]>> handler = (records, committer) -> {
                for (ChangeEvent<byte[], byte[]> event : records) {
                    if (counts[0] < rows && topic.equals(event.destination()) && event.value() != null) {
                        if (counts[0] == 0) {
                            timing[0] = System.nanoTime();
                            firstAndLast[0] = opOf(event.value());
                        }
                        producer.send(new ProducerRecord<>(topic, event.key(), event.value()), (metadata, error) -> {
                            if (error != null) {
                                sendFailure.compareAndSet(null, error);
                            } else {
                                acknowledged.incrementAndGet();
                            }
                        });
                        counts[0]++;
                        counts[1] += event.value().length;
                        if (counts[0] == rows) {
                            firstAndLast[1] = opOf(event.value());
                        }
                    }
                    committer.markProcessed(event);
                }
                committer.markBatchFinished();
                if (counts[0] == rows && timing[1] == 0) {
                    producer.flush();
                    timing[1] = System.nanoTime();
                    done.countDown();
                }
            };
            DebeziumEngine<ChangeEvent<byte[], byte[]>> engine = DebeziumEngine.create(JsonByteArray.class)
                    .using(config)
                    .using((success, message, error) -> {
                        // Once the stretch is done, the engine is closed mid-poll: what it says then does not count.
                        if (done.getCount() > 0) {
                            engineFailure.compareAndSet(null, error != null ? error
                                    : new IllegalStateException("The Debezium engine stopped early: " + message));
                            done.countDown();
                        }
                    })
                    .notifying(handler)
                    .build();
            ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
                Thread thread = new Thread(r, "debezium-engine");
                thread.setDaemon(true);
                return thread;
            });
            try {
                executor.execute(engine);
                if (!done.await(10, TimeUnit.MINUTES)) {
                    throw new IllegalStateException("Debezium produced only " + counts[0] + " of " + rows + " rows in 10 minutes");
                }
            } finally {
                engine.close();
                executor.shutdown();
                executor.awaitTermination(1, TimeUnit.MINUTES);
            }
        }
        if (engineFailure.get() != null) {
            throw new IllegalStateException("Debezium failed after " + counts[0] + " rows: " + oneLine(engineFailure.get()),
                    engineFailure.get());
        }
        if (sendFailure.get() != null) {
            throw new IllegalStateException("Producing to Kafka failed: " + oneLine(sendFailure.get()), sendFailure.get());
        }
        if (acknowledged.get() != rows) {
            throw new IllegalStateException("Kafka acknowledged " + acknowledged.get() + " of " + rows + " records");
        }
        // The stretch must be the one asked for: its first and last row events carry its operation.
        for (String op : firstAndLast) {
            if (!expectedOp.equals(op)) {
                throw new IllegalStateException("Expected only " + expectedOp + " events in stretch " + stretch + ", saw " + op
                        + ": Debezium did not start where it was told to");
            }
        }
        return new StretchResult(rows, (timing[1] - timing[0]) / 1e9, counts[1]);
    }

    private static void createTopic(String bootstrap, String topic) throws Exception {
        // As the replicator's changes topic: one partition, compacted.
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(1), Optional.empty())
                    .configs(Map.of("cleanup.policy", "compact")))).all().get();
        } catch (java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
    }

    /** The {@code "op":"x"} part of a change event's JSON, found without parsing the whole event. */
    private static String opOf(byte[] value) {
        String json = new String(value, StandardCharsets.UTF_8);
        int at = json.lastIndexOf("\"op\":\"");
        return at < 0 ? "(no op)" : json.substring(at, Math.min(json.length(), at + 8));
    }

    private static long lifetimePeakHeapBytes;

    private static void resetPeakHeap() {
        lifetimePeakHeapBytes = Math.max(lifetimePeakHeapBytes, peakHeapBytes());
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                pool.resetPeakUsage();
            }
        }
    }

    /** Peak heap in use since the last reset, summed over the heap's pools. */
    private static long peakHeapBytes() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        lifetimePeakHeapBytes = Math.max(lifetimePeakHeapBytes, peak);
        return peak;
    }

    /** The process's peak resident set size (Linux: VmHWM), or -1 where unknown. */
    private static long peakRssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (Exception e) {
            // not Linux
        }
        return -1;
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (!arg.startsWith("--") || eq < 0) {
                throw new IllegalArgumentException("Arguments look like --name=value, not: " + arg);
            }
            options.put(arg.substring(2, eq), arg.substring(eq + 1));
        }
        return options;
    }

    private static String required(Map<String, String> options, String name) {
        String value = options.get(name);
        if (value == null) {
            throw new IllegalArgumentException("--" + name + "= is required");
        }
        return value;
    }

    private static String oneLine(Throwable e) {
        List<String> messages = new ArrayList<>();
        for (Throwable t = e; t != null && messages.size() < 4; t = t.getCause()) {
            messages.add(t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage()));
        }
        return String.join(" <- ", messages).replace('\n', ' ');
    }

    /** Results go to standard output; Debezium's and Kafka's INFO chatter stays out of it. */
    private static void quietLogs() {
        Logger root = Logger.getLogger("");
        root.setLevel(Level.WARNING);
        for (java.util.logging.Handler handler : root.getHandlers()) {
            handler.setLevel(Level.WARNING);
        }
    }
}

package org.syncsuite.bench;

import static org.syncsuite.bench.Statistics.percentile;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntFunction;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.syncsuite.core.SqliteValue;
import org.syncsuite.core.change.ChangeEventCodec;
import org.syncsuite.core.change.ChangeRecord;
import org.syncsuite.services.EmbeddedKafka;
import org.syncsuite.services.EmbeddedMariaDb;
import org.syncsuite.services.ServiceYaml;

/**
 * End to end: MariaDB commits one row per transaction at a steady rate (500 per second), and the
 * official PowerSync client ({@code @powersync/node}, as pinned by {@code test/compat/js}) notes
 * when each row appears in its local SQLite replica, through the whole suite: the replicator, the
 * changes topic, the gateway's writer and api roles. p50 and p99 of commit to client, against
 * the baseline of commit to the row's arrival in the changes topic (the replicator's share),
 * measured for the same rows by a read_committed consumer. The suite runs warm: the same load for
 * {@code --warm-up-seconds} (120) first, not measured, since on two cores every JVM spends about
 * half its CPU compiling through the first minute or two of load. Each measured row's times go to
 * {@code latencies.csv} in the run's folder. Needs Node.js 20+ and the npm registry.
 */
final class LatencyBenchmark implements Benchmark {

    static final double GOAL_P99_MILLIS = 250;

    @Override
    public String name() {
        return "sync-latency";
    }

    @Override
    public String description() {
        return "MariaDB commit to the official client seeing the row at 500 transactions/s, p50 and p99, vs. commit to the changes topic";
    }

    @Override
    public BenchReport run(BenchOptions options) throws Exception {
        int rate = options.integer("rate", 500);
        int seconds = options.integer("seconds", 20);
        int rows = rate * seconds;
        int warmUpSeconds = options.wholeNumber("warm-up-seconds", 120);
        int warmUp = rate * warmUpSeconds;
        Path dir = Files.createDirectories(Path.of("target", "bench-sync-latency").toAbsolutePath());
        Path js = installClient(dir);
        List<ServiceProcess> services = new ArrayList<>();
        Process client = null;
        try (EmbeddedMariaDb db = EmbeddedMariaDb.builder().build(); EmbeddedKafka kafka = EmbeddedKafka.builder().build()) {
            db.start();
            kafka.start();
            db.createDatabase("latency");
            db.execute("CREATE TABLE latency.events (id VARCHAR(32) PRIMARY KEY, committed_at BIGINT NOT NULL)");
            Path yaml = serviceConfig(dir, db, kafka);
            ServiceProcess replicator = ServiceProcess.replicator("replicator", yaml, dir, List.of("-Xmx1g"));
            services.add(replicator);
            ServiceProcess gateway = ServiceProcess.gateway("gateway", yaml, dir, List.of("-Xmx1g"));
            services.add(gateway);
            gateway.awaitReady("/probes/readiness", Duration.ofSeconds(120), replicator);
            int gatewayPort = gateway.port;

            Map<String, Long> topicArrivals = new ConcurrentHashMap<>();
            AtomicBoolean consuming = new AtomicBoolean(true);
            CountDownLatch consumerReady = new CountDownLatch(1);
            Thread consumer = Thread.ofPlatform().start(() -> consume(kafka, "latency.default.changes", topicArrivals, consuming,
                    consumerReady));
            consumerReady.await(60, TimeUnit.SECONDS);

            // A minimal reader of the same stream beside the official client: what the server side takes alone.
            Map<String, Long> readerArrivals = new ConcurrentHashMap<>();
            SyncBenchSupport.RawStream raw = new SyncBenchSupport.RawStream(gatewayPort, SyncBenchSupport.token("latency-raw"),
                    "application/x-ndjson", "{}", 65536);
            Thread reader = Thread.ofVirtual().start(() -> readIds(raw, readerArrivals));

            Map<String, Long> clientArrivals = new ConcurrentHashMap<>();
            CountDownLatch ready = new CountDownLatch(1);
            CountDownLatch done = new CountDownLatch(1);
            client = startClient(js, dir, gatewayPort, warmUp + rows, warmUpSeconds + seconds, clientArrivals, ready, done);
            if (!ready.await(180, TimeUnit.SECONDS)) {
                throw new IllegalStateException("The official client did not finish its first sync; see " + dir.resolve("client.log"));
            }

            if (warmUpSeconds > 0) {
                // Every process compiles its hot code in the first tens of seconds of load, which on two
                // cores takes about half of each one's CPU: the same load first, not measured.
                System.out.printf(Locale.ROOT, "   warming up: %,d transactions at %d/s, not measured ...%n", warmUp, rate);
                commitAtRate(db, warmUp, rate, LatencyBenchmark::warmUpId, new long[warmUp]);
                if (!awaitArrivals(clientArrivals, warmUpId(warmUp - 1), Duration.ofSeconds(120))) {
                    throw new IllegalStateException("The official client did not receive the warm-up rows; see "
                            + dir.resolve("client.log"));
                }
            }
            System.out.printf(Locale.ROOT, "   committing %,d transactions at %d/s ...%n", rows, rate);
            long[] committedAt = new long[rows];
            Map<String, ProcessHandle> processes = new LinkedHashMap<>();
            processes.put("replicator", ProcessHandle.of(replicator.pid()).orElseThrow());
            processes.put("gateway", ProcessHandle.of(gateway.pid()).orElseThrow());
            processes.put("this JVM (the Kafka broker, the load)", ProcessHandle.current());
            processes.put("official client", client.toHandle());
            Map<String, Duration> cpuBefore = cpu(processes);
            long started = System.nanoTime();
            commitAtRate(db, rows, rate, LatencyBenchmark::id, committedAt);
            double elapsed = (System.nanoTime() - started) / 1e9;
            double achieved = rows / elapsed;
            Map<String, Duration> cpuAfter = cpu(processes);
            done.await(120, TimeUnit.SECONDS);
            consuming.set(false);
            consumer.join(10_000);
            raw.close();
            reader.join(5_000);
            writeRows(dir.resolve("latencies.csv"), rows, committedAt, topicArrivals, readerArrivals, clientArrivals);
            long[] plain = latencies(rows, committedAt, readerArrivals);

            long[] ours = latencies(rows, committedAt, clientArrivals);
            long[] topic = latencies(rows, committedAt, topicArrivals);
            long oursMissing = Arrays.stream(ours).filter(l -> l == Long.MAX_VALUE).count();
            long topicMissing = Arrays.stream(topic).filter(l -> l == Long.MAX_VALUE).count();
            List<String> notes = new ArrayList<>();
            notes.add(String.format(Locale.ROOT, "official client: p50 %d ms, p99 %d ms, max %s; changes topic: p50 %d ms, p99 %d ms",
                    percentile(ours, 0.5), percentile(ours, 0.99), show(ours[rows - 1]), percentile(topic, 0.5),
                    percentile(topic, 0.99)));
            notes.add(String.format(Locale.ROOT, "a minimal stream reader beside the client (the server's share): p50 %d ms, "
                    + "p99 %d ms", percentile(plain, 0.5), percentile(plain, 0.99)));
            notes.add(String.format(Locale.ROOT, "%,d transactions at %.0f/s achieved; rows the client never saw: %d, the topic: %d",
                    rows, achieved, oursMissing, topicMissing));
            StringBuilder cpu = new StringBuilder("CPU while the measured rows were committed, in cores:");
            cpuAfter.forEach((process, after) -> cpu.append(String.format(Locale.ROOT, " %s %.2f;", process,
                    (after.toNanos() - cpuBefore.get(process).toNanos()) / 1e9 / elapsed)));
            notes.add(cpu.substring(0, cpu.length() - 1) + " (MariaDB not counted)");
            notes.add(String.format(Locale.ROOT, "goal: p99 under %.0f ms: %s", GOAL_P99_MILLIS,
                    percentile(ours, 0.99) < GOAL_P99_MILLIS ? "met" : "NOT met"));
            notes.add("times are wall-clock milliseconds on one machine: commit returned, row read in the client's replica");
            return new BenchReport(name(), String.format(Locale.ROOT, "one row per transaction, %d/s for %d s, one client", rate,
                    seconds),
                    new BenchReport.Measurement("commit to the official client's replica, p99", percentile(ours, 0.99), "ms",
                            "p50 " + percentile(ours, 0.5) + " ms"),
                    new BenchReport.Measurement("commit to the changes topic, p99", percentile(topic, 0.99), "ms",
                            "p50 " + percentile(topic, 0.5) + " ms"),
                    false, notes);
        } finally {
            if (client != null) {
                client.destroy();
                if (!client.waitFor(15, TimeUnit.SECONDS)) {
                    client.destroyForcibly().waitFor();
                }
            }
            for (ServiceProcess service : services.reversed()) {
                service.close();
            }
        }
    }

    /** A measured row's id; the warm-up's ids sort before every one of them (the client reads rows above the last it saw). */
    private static String id(int i) {
        return String.format(Locale.ROOT, "e%08d", i);
    }

    private static String warmUpId(int i) {
        return String.format(Locale.ROOT, "a%08d", i);
    }

    /** Commits {@code rows} one-row transactions at {@code rate} a second, noting when each commit returned. */
    private static void commitAtRate(EmbeddedMariaDb db, int rows, int rate, IntFunction<String> ids,
                                     long[] committedAt) throws Exception {
        long started = System.nanoTime();
        try (Connection c = db.rootConnection("latency");
             PreparedStatement insert = c.prepareStatement("INSERT INTO events (id, committed_at) VALUES (?, ?)")) {
            c.setAutoCommit(false);
            for (int i = 0; i < rows; i++) {
                long due = started + (long) (i * 1e9 / rate);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                insert.setString(1, ids.apply(i));
                insert.setLong(2, System.currentTimeMillis());
                insert.executeUpdate();
                c.commit();
                committedAt[i] = System.currentTimeMillis();
            }
        }
    }

    /** Each measured row: when its commit returned, and after how many ms each reader had it (empty: never). */
    private static void writeRows(Path csv, int rows, long[] committedAt, Map<String, Long> topic, Map<String, Long> reader,
                                  Map<String, Long> client) throws IOException {
        StringBuilder out = new StringBuilder("id,committed_at_ms,topic_ms,reader_ms,client_ms\n");
        for (int i = 0; i < rows; i++) {
            String id = id(i);
            out.append(id).append(',').append(committedAt[i]);
            for (Map<String, Long> arrivals : List.of(topic, reader, client)) {
                Long at = arrivals.get(id);
                out.append(',').append(at == null ? "" : Long.toString(Math.max(0, at - committedAt[i])));
            }
            out.append('\n');
        }
        Files.writeString(csv, out);
    }

    private static Map<String, Duration> cpu(Map<String, ProcessHandle> processes) {
        Map<String, Duration> cpu = new LinkedHashMap<>();
        processes.forEach((name, process) -> cpu.put(name, process.info().totalCpuDuration().orElse(Duration.ZERO)));
        return cpu;
    }

    private static boolean awaitArrivals(Map<String, Long> arrivals, String last, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!arrivals.containsKey(last)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(50);
        }
        return true;
    }

    private static String show(long latency) {
        return latency == Long.MAX_VALUE ? "never" : latency + " ms";
    }

    private static long[] latencies(int rows, long[] committedAt, Map<String, Long> arrivals) {
        long[] latencies = new long[rows];
        for (int i = 0; i < rows; i++) {
            Long arrived = arrivals.get(id(i));
            latencies[i] = arrived == null ? Long.MAX_VALUE : Math.max(0, arrived - committedAt[i]);
        }
        Arrays.sort(latencies);
        return latencies;
    }

    private static void consume(EmbeddedKafka kafka, String topic, Map<String, Long> arrivals, AtomicBoolean running,
                                CountDownLatch ready) {
        Map<String, Object> props = new HashMap<>();
        kafka.clientProperties().forEach((k, v) -> props.put((String) k, v));
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 20); // as the gateway's writer reads the topic
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToEnd(List.of(partition));
            consumer.position(partition);
            ready.countDown();
            while (running.get()) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(50))) {
                    long now = System.currentTimeMillis();
                    if (record.value() != null && ChangeEventCodec.decode(record.key(), record.value())
                            instanceof ChangeRecord.RowChange row && row.after().isPresent()
                            && row.after().get().get("id") instanceof SqliteValue.Text id) {
                        arrivals.putIfAbsent(id.value(), now);
                    }
                }
            }
        }
    }

    /** Notes when each row's op arrives on a raw NDJSON stream. */
    private static void readIds(SyncBenchSupport.RawStream stream, Map<String, Long> arrivals) {
        java.util.regex.Pattern id = java.util.regex.Pattern.compile("\"object_id\":\"(e\\d{8})\"");
        java.io.ByteArrayOutputStream scratch = new java.io.ByteArrayOutputStream(4096);
        try {
            for (String line = stream.line(scratch); line != null; line = stream.line(scratch)) {
                long now = System.currentTimeMillis();
                java.util.regex.Matcher m = id.matcher(line);
                while (m.find()) {
                    arrivals.putIfAbsent(m.group(1), now);
                }
            }
        } catch (IOException e) {
            // closed at the end of the run
        }
    }

    private static Process startClient(Path js, Path dir, int port, int rows, int seconds, Map<String, Long> arrivals,
                                       CountDownLatch ready, CountDownLatch done) throws IOException {
        ProcessBuilder node = new ProcessBuilder("node", "latency.mjs").directory(js.toFile())
                .redirectError(dir.resolve("client.log").toFile());
        node.environment().put("ENDPOINT", "http://127.0.0.1:" + port);
        node.environment().put("TOKEN", SyncBenchSupport.token("latency-user"));
        node.environment().put("DB_DIR", Files.createTempDirectory(dir, "client").toString());
        node.environment().put("EXPECTED", Integer.toString(rows));
        // a safety net only (the run ends the client): room for a source much slower than the rate asked
        node.environment().put("LIMIT_MS", Long.toString((3L * seconds + 120) * 1000L));
        Process process = node.start();
        Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    if (line.equals("READY")) {
                        ready.countDown();
                    } else if (line.equals("DONE")) {
                        done.countDown();
                    } else if (line.startsWith("A ")) {
                        String[] fields = line.split(" ");
                        arrivals.putIfAbsent(fields[1], Long.parseLong(fields[2]));
                    }
                }
            } catch (IOException e) {
                // the client is gone
            } finally {
                done.countDown();
            }
        });
        return process;
    }

    /** The official client, as pinned by test/compat, and this benchmark's script, in target (installed once). */
    private static Path installClient(Path dir) throws Exception {
        Path root = Path.of("").toAbsolutePath();
        while (root != null && !Files.exists(root.resolve("test/compat/js/package-lock.json"))) {
            root = root.getParent();
        }
        if (root == null) {
            throw new IllegalStateException("Run from the repository: test/compat/js/package-lock.json pins the official client");
        }
        Path target = Files.createDirectories(dir.resolve("js"));
        Files.copy(root.resolve("test/compat/js/package.json"), target.resolve("package.json"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(root.resolve("test/compat/js/package-lock.json"), target.resolve("package-lock.json"),
                StandardCopyOption.REPLACE_EXISTING);
        Files.copy(root.resolve("test/bench/js/latency.mjs"), target.resolve("latency.mjs"), StandardCopyOption.REPLACE_EXISTING);
        if (!Files.isDirectory(target.resolve("node_modules/@powersync/node"))) {
            System.out.println("   installing the official client (npm ci, about a minute) ...");
            Process npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(target.toFile())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("npm-ci.log").toFile()).start();
            if (!npm.waitFor(15, TimeUnit.MINUTES) || npm.exitValue() != 0) {
                throw new IllegalStateException("npm ci failed (Node.js 20+ and the npm registry are needed); see "
                        + dir.resolve("npm-ci.log"));
            }
        }
        return target;
    }

    private static Path serviceConfig(Path dir, EmbeddedMariaDb db, EmbeddedKafka kafka) throws IOException {
        Path yaml = dir.resolve("service.yaml");
        Files.writeString(yaml, new ServiceYaml().source(db, "latency", db.replicationUser(), db.replicationPassword())
                .storage(db, "latency_storage", db.rootUser(), db.rootPassword()).kafka(kafka, "latency")
                .hs256(SyncBenchSupport.SECRET).syncConfigContent("""
                        config:
                          edition: 3
                        streams:
                          events:
                            auto_subscribe: true
                            query: SELECT * FROM events
                        """).text());
        return yaml;
    }
}

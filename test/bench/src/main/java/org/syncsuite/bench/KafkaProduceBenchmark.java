package org.syncsuite.bench;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.syncsuite.replicator.ChangeProducerSettings;
import org.syncsuite.services.EmbeddedKafka;

/**
 * Transactional produce rate of change events into a compacted, single-partition topic shaped
 * like the changes topic, through {@link ChangeProducerSettings} against the Kafka client's
 * defaults. Both write the same records in the same transaction sizes, alternating in each round
 * so that neither always runs on a warmer broker; the median round counts.
 */
final class KafkaProduceBenchmark implements Benchmark {

    @Override
    public String name() {
        return "kafka-produce";
    }

    @Override
    public String description() {
        return "transactional produce rate of change events: our producer settings vs. the client defaults";
    }

    @Override
    public BenchReport run(BenchOptions options) throws Exception {
        int records = options.integer("records", 200_000);
        int perTransaction = options.integer("transaction-size", 500);
        int rounds = options.integer("rounds", 5);
        List<byte[][]> events = changeEvents(records);
        double averageBytes = events.stream().mapToInt(e -> e[0].length + e[1].length).average().orElse(0);

        try (EmbeddedKafka kafka = EmbeddedKafka.builder().build()) {
            kafka.start();
            String bootstrap = kafka.bootstrapServers();
            Map<String, Map<String, Object>> configs = Map.of(
                    "ours", ChangeProducerSettings.forChangesTopic(bootstrap, "bench-ours", Map.of()),
                    "baseline", clientDefaults(bootstrap));

            // Warm-up of the JIT and the broker, not measured: early rounds run markedly slower.
            for (int warmUp = 0; warmUp < 2; warmUp++) {
                for (String side : List.of("baseline", "ours")) {
                    produce(kafka, configs.get(side), events, perTransaction);
                }
            }
            Map<String, List<Double>> rates = new HashMap<>(Map.of("ours", new ArrayList<>(), "baseline", new ArrayList<>()));
            for (int round = 0; round < rounds; round++) {
                List<String> order = round % 2 == 0 ? List.of("baseline", "ours") : List.of("ours", "baseline");
                for (String side : order) {
                    double rate = produce(kafka, configs.get(side), events, perTransaction);
                    rates.get(side).add(rate);
                    System.out.printf(Locale.ROOT, "   round %d %-8s %,12.0f records/s%n", round + 1, side, rate);
                }
            }
            double ours = Statistics.median(rates.get("ours"));
            double baseline = Statistics.median(rates.get("baseline"));
            String workload = String.format(Locale.ROOT,
                    "%,d change events of %.0f B on average, %d per transaction, 1 compacted partition, median of %d rounds",
                    records, averageBytes, perTransaction, rounds);
            return new BenchReport(name(), workload,
                    new BenchReport.Measurement("ChangeProducerSettings: lz4, 512 KiB batches, linger 10 ms",
                            ours, "records/s", megabytes(ours, averageBytes)),
                    new BenchReport.Measurement("kafka-clients " + EmbeddedKafka.VERSION + " defaults, transactional",
                            baseline, "records/s", megabytes(baseline, averageBytes)),
                    true,
                    List.of("embedded single-node KRaft broker in the benchmark's own JVM; rounds: ours "
                            + format(rates.get("ours")) + ", baseline " + format(rates.get("baseline"))));
        }
    }

    private static Map<String, Object> clientDefaults(String bootstrap) {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "bench-baseline");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return p;
    }

    /** Writes every event in transactions of {@code perTransaction}; returns records per second. */
    private static double produce(EmbeddedKafka kafka, Map<String, Object> config, List<byte[][]> events,
                                  int perTransaction) throws Exception {
        String topic = "bench-" + UUID.randomUUID();
        try (Admin admin = Admin.create(kafka.clientProperties())) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1)
                    .configs(Map.of("cleanup.policy", "compact")))).all().get();
        }
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config)) {
            producer.initTransactions();
            long started = System.nanoTime();
            for (int from = 0; from < events.size(); from += perTransaction) {
                producer.beginTransaction();
                int to = Math.min(events.size(), from + perTransaction);
                for (int i = from; i < to; i++) {
                    byte[][] event = events.get(i);
                    producer.send(new ProducerRecord<>(topic, event[0], event[1]));
                }
                producer.commitTransaction();
            }
            return events.size() / ((System.nanoTime() - started) / 1e9);
        }
    }

    /** Debezium-shaped change envelopes of a to-do list app: keys are table + primary key. */
    static List<byte[][]> changeEvents(int count) {
        Random random = new Random(42);
        String[] words = {"buy", "milk", "call", "mum", "fix", "bike", "write", "report", "book", "flight", "water", "plants"};
        List<byte[][]> events = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String id = new UUID(random.nextLong(), random.nextLong()).toString();
            String description = words[random.nextInt(words.length)] + " " + words[random.nextInt(words.length)]
                    + " " + words[random.nextInt(words.length)];
            String key = "{\"table\":\"todos\",\"id\":\"" + id + "\"}";
            String value = "{\"op\":\"c\",\"before\":null,\"after\":{\"id\":\"" + id + "\",\"list_id\":\""
                    + new UUID(random.nextInt(50), 7) + "\",\"description\":\"" + description
                    + "\",\"completed\":" + random.nextInt(2) + ",\"created_by\":\"user-" + random.nextInt(1000)
                    + "\",\"created_at\":\"2026-11-24T10:" + String.format(Locale.ROOT, "%02d", i % 60)
                    + ":00.000Z\"},\"source\":{\"connector\":\"mysql\",\"db\":\"app\",\"table\":\"todos\","
                    + "\"gtid\":\"0-1-" + (1000 + i / 5) + "\",\"file\":\"binlog.000001\",\"pos\":" + (4 + 310L * i)
                    + "},\"ts_ms\":" + (1_795_000_000_000L + i) + "}";
            events.add(new byte[][] {key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8)});
        }
        return events;
    }


    private static String megabytes(double recordsPerSecond, double averageBytes) {
        return String.format(Locale.ROOT, "%.1f MB/s", recordsPerSecond * averageBytes / 1e6);
    }

    private static String format(List<Double> rates) {
        return rates.stream().map(r -> String.format(Locale.ROOT, "%,.0f", r)).toList().toString();
    }
}

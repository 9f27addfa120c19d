package org.syncsuite.services;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.syncsuite.services.junit.WithBackingServices;

@WithBackingServices
class EmbeddedKafkaIT {

    private final EmbeddedKafka kafka;

    EmbeddedKafkaIT(EmbeddedKafka kafka) {
        this.kafka = kafka;
    }

    @Test
    void transactionalRecordsAreInvisibleToReadCommittedUntilCommit() throws Exception {
        String topic = createTopic(Map.of());
        try (KafkaProducer<String, String> producer = transactionalProducer()) {
            producer.initTransactions();
            producer.beginTransaction();
            for (int i = 0; i < 10_000; i++) {
                producer.send(new ProducerRecord<>(topic, "key-" + i, "value-" + i));
            }
            producer.flush();

            // The records are in the log: an uncommitted reader sees them all...
            assertThat(readAll(topic, "read_uncommitted", 10_000, Duration.ofSeconds(30))).hasSize(10_000);
            // ...a committed reader sees none while the transaction is open.
            assertThat(readAll(topic, "read_committed", 1, Duration.ofSeconds(3))).isEmpty();

            producer.commitTransaction();
        }
        List<ConsumerRecord<String, String>> committed = readAll(topic, "read_committed", 10_000, Duration.ofSeconds(30));
        assertThat(committed).hasSize(10_000);
        assertThat(committed.getFirst().value()).isEqualTo("value-0");
        assertThat(committed.getLast().value()).isEqualTo("value-9999");
    }

    @Test
    void abortedTransactionNeverBecomesVisible() throws Exception {
        String topic = createTopic(Map.of());
        try (KafkaProducer<String, String> producer = transactionalProducer()) {
            producer.initTransactions();
            producer.beginTransaction();
            for (int i = 0; i < 500; i++) {
                producer.send(new ProducerRecord<>(topic, "aborted-" + i, "never"));
            }
            producer.flush();
            producer.abortTransaction();

            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "marker", "committed"));
            producer.commitTransaction();
        }
        // Reading up to the committed marker proves the aborted records were passed over.
        List<ConsumerRecord<String, String>> visible = readAll(topic, "read_committed", 1, Duration.ofSeconds(30));
        assertThat(visible).extracting(ConsumerRecord::key).containsExactly("marker");
        assertThat(readAll(topic, "read_uncommitted", 501, Duration.ofSeconds(30))).hasSize(501);
    }

    @Test
    void compactionKeepsTheLatestValueOfEachKey() throws Exception {
        String topic = createTopic(Map.of(
                "cleanup.policy", "compact",
                "segment.ms", "100",
                "min.cleanable.dirty.ratio", "0.01",
                "min.compaction.lag.ms", "0",
                "delete.retention.ms", "0"));
        Properties props = kafka.clientProperties();
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            for (int round = 1; round <= 5; round++) {
                for (int key = 0; key < 10; key++) {
                    producer.send(new ProducerRecord<>(topic, "row-" + key, "v" + round)).get();
                }
                // A record after segment.ms rolls a new segment, so older rounds become cleanable.
                Thread.sleep(200);
            }
            producer.send(new ProducerRecord<>(topic, "roll", "last")).get();
        }
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            List<ConsumerRecord<String, String>> records = readAll(topic, "read_committed", 11, Duration.ofSeconds(5));
            Map<String, List<String>> valuesByKey = new HashMap<>();
            records.forEach(r -> valuesByKey.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r.value()));
            for (int key = 0; key < 10; key++) {
                assertThat(valuesByKey.get("row-" + key)).as("values of row-" + key).containsExactly("v5");
            }
        });
    }

    private String createTopic(Map<String, String> config) throws Exception {
        String topic = "it-" + UUID.randomUUID();
        try (Admin admin = Admin.create(kafka.clientProperties())) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(config))).all().get();
        }
        return topic;
    }

    private KafkaProducer<String, String> transactionalProducer() {
        Properties props = kafka.clientProperties();
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "it-" + UUID.randomUUID());
        return new KafkaProducer<>(props);
    }

    /**
     * Reads the topic from its start until {@code expected} records arrived or {@code patience}
     * passed without reaching that number; returns what it got.
     */
    private List<ConsumerRecord<String, String>> readAll(String topic, String isolation, int expected, Duration patience) {
        Properties props = kafka.clientProperties();
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long deadline = System.nanoTime() + patience.toNanos();
            while (records.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }
}

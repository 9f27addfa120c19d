package org.syncsuite.faults;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The changes topic read as a reader of committed records sees it: every row change of the
 * binlog (not the snapshot's reads) is identified by its source transaction, its row's key and
 * the row's images before and after; one seen twice was written twice. (Two statements of one
 * transaction that change a row differ in their images: an update that changes nothing is not
 * logged.)
 */
final class ChangesAudit {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final long changes;
    private final long positions;
    private final List<String> duplicates;

    private ChangesAudit(long changes, long positions, List<String> duplicates) {
        this.changes = changes;
        this.positions = positions;
        this.duplicates = duplicates;
    }

    static ChangesAudit read(String bootstrap, String topic) throws Exception {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        properties.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
        Map<String, Long> seen = new HashMap<>();
        List<String> duplicates = new ArrayList<>();
        long changes = 0;
        long positions = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties)) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (consumer.position(partition) < end && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.value() == null) {
                        continue;
                    }
                    JsonNode value = JSON.readTree(new String(record.value(), StandardCharsets.UTF_8));
                    String op = value.path("op").asText();
                    if (op.equals("p")) {
                        positions++;
                        continue;
                    }
                    if (!(op.equals("c") || op.equals("u") || op.equals("d"))) {
                        continue;
                    }
                    changes++;
                    JsonNode source = value.path("source");
                    String identity = source.path("gtid").asText() + " " + op + " " + new String(record.key(), StandardCharsets.UTF_8)
                            + " " + value.path("before") + " -> " + value.path("after");
                    Long earlier = seen.putIfAbsent(identity, record.offset());
                    if (earlier != null) {
                        duplicates.add(identity + " at offsets " + earlier + " and " + record.offset());
                    }
                }
            }
            if (consumer.position(partition) < end) {
                throw new IllegalStateException("Could not read " + topic + " to its end (" + end + ") within 2 minutes");
            }
        }
        return new ChangesAudit(changes, positions, duplicates);
    }

    long changes() {
        return changes;
    }

    List<String> duplicates() {
        return duplicates;
    }

    String summary() {
        return changes + " row changes and " + positions + " position records, " + duplicates.size() + " written twice";
    }
}

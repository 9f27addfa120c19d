package org.syncsuite.replicator;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.SyncException;
import org.syncsuite.core.change.ChangeEventCodec;
import org.syncsuite.core.change.ChangeRecord;
import org.syncsuite.core.change.SourcePosition;

/**
 * The changes topic of one connection, as the replicator sees it: created when absent (one
 * partition, compacted), its last committed position read on start, and written one Kafka
 * transaction at a time, each ending with a position record. The transactional id fences a
 * second replicator of the same connection. Not thread-safe: one writer thread.
 */
final class ChangesTopic implements AutoCloseable {

    private final Map<String, Object> clientProperties;
    private final String topic;
    private final String connection;
    private final String transactionalId;
    private KafkaProducer<byte[], byte[]> producer;

    ChangesTopic(Map<String, Object> clientProperties, String topic, String connection, String transactionalId) {
        this.clientProperties = Map.copyOf(clientProperties);
        this.topic = topic;
        this.connection = connection;
        this.transactionalId = transactionalId;
    }

    String name() {
        return topic;
    }

    /** Creates the topic when it does not exist: one partition, compacted, the broker's replication factor. */
    void ensureExists() {
        Admin admin = Admin.create(clientProperties);
        try {
            Set<String> existing = admin.listTopics().names().get();
            if (existing.contains(topic)) {
                return;
            }
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(1), Optional.empty())
                    .configs(Map.of("cleanup.policy", "compact")))).all().get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new SyncException(ErrorCode.KAFKA_UNAVAILABLE, "Could not create the topic " + topic + ": "
                        + e.getCause().getMessage(), e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SyncException(ErrorCode.KAFKA_UNAVAILABLE, "Interrupted while creating " + topic, e);
        } finally {
            admin.close(Duration.ZERO); // nothing is pending: its thread ends in the background
        }
    }

    /**
     * Whether nothing was ever written to the topic (its end offset is 0), asked of an admin client
     * (whose classes {@link #ensureExists} loaded): a first start then needs no consumer. False when
     * that cannot be told: the consumer finds out.
     */
    private boolean neverWritten(TopicPartition partition) {
        Admin admin = Admin.create(clientProperties);
        try {
            return admin.listOffsets(Map.of(partition, OffsetSpec.latest())).partitionResult(partition).get().offset() == 0;
        } catch (ExecutionException | RuntimeException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SyncException(ErrorCode.KAFKA_UNAVAILABLE, "Interrupted while reading the end of " + topic, e);
        } finally {
            admin.close(Duration.ZERO); // nothing is pending: its thread ends in the background
        }
    }

    /** The position record of the last committed Kafka transaction, if the topic has one. */
    Optional<ChangeRecord.PositionMarker> lastCommittedMarker() {
        TopicPartition partition = new TopicPartition(topic, 0);
        if (neverWritten(partition)) {
            return Optional.empty();
        }
        Map<String, Object> properties = new HashMap<>(clientProperties);
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties)) {
            consumer.assign(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            long window = 64;
            while (true) {
                long start = Math.max(0, end - window);
                consumer.seek(partition, start);
                Optional<ChangeRecord.PositionMarker> found = Optional.empty();
                while (consumer.position(partition) < end) {
                    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                        if (record.value() != null && isPositionKey(record.key())) {
                            ChangeRecord decoded = ChangeEventCodec.decode(record.key(), record.value());
                            if (decoded instanceof ChangeRecord.PositionMarker marker && marker.connection().equals(connection)) {
                                found = Optional.of(marker);
                            }
                        }
                    }
                }
                if (found.isPresent() || start == 0) {
                    return found;
                }
                window *= 8; // a long transaction: look further back
            }
        }
    }

    private static boolean isPositionKey(byte[] key) {
        return key != null && key.length > 12 && key[2] == 'p' && new String(key, 0, 12, java.nio.charset.StandardCharsets.UTF_8)
                .equals("{\"position\":");
    }

    /** Starts the transactional producer; an older replicator with the same id is fenced off. */
    void open() {
        producer = new KafkaProducer<>(ChangeProducerSettings.forChangesTopic(
                (String) clientProperties.get("bootstrap.servers"), transactionalId, clientProperties));
        producer.initTransactions();
    }

    /** Writes the records and a position record as one Kafka transaction. */
    void write(List<ChangeRecord> records, SourcePosition position) {
        write(records, position, Optional.empty());
    }

    /** A record already in its topic form, encoded where the work is cheapest (the binlog reader's thread). */
    record Encoded(byte[] key, byte[] value) {
        static Encoded of(ChangeRecord record) {
            return new Encoded(ChangeEventCodec.key(record), ChangeEventCodec.value(record));
        }

        long size() {
            return key.length + (value == null ? 0 : value.length);
        }
    }

    /** Writes the records and a position record (with the snapshot's progress, while it runs) as one Kafka transaction. */
    void write(List<ChangeRecord> records, SourcePosition position, Optional<org.syncsuite.core.change.SnapshotProgress> snapshot) {
        writeEncoded(records.stream().map(Encoded::of).toList(), position, snapshot);
    }

    /** Writes encoded records and a position record as one Kafka transaction. */
    void writeEncoded(List<Encoded> records, SourcePosition position, Optional<org.syncsuite.core.change.SnapshotProgress> snapshot) {
        producer.beginTransaction();
        try {
            for (Encoded record : records) {
                producer.send(new ProducerRecord<>(topic, 0, record.key(), record.value()));
            }
            ChangeRecord.PositionMarker marker = new ChangeRecord.PositionMarker(connection, position, snapshot,
                    System.currentTimeMillis());
            producer.send(new ProducerRecord<>(topic, 0, ChangeEventCodec.key(marker), ChangeEventCodec.value(marker)));
            producer.commitTransaction();
        } catch (RuntimeException e) {
            try {
                producer.abortTransaction();
            } catch (RuntimeException abortFailure) {
                e.addSuppressed(abortFailure);
            }
            throw e;
        }
    }

    @Override
    public void close() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(10));
            producer = null;
        }
    }
}

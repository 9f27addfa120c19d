package org.syncsuite.gateway.writer;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.syncsuite.core.SqliteValue;
import org.syncsuite.core.change.ChangeEventCodec;
import org.syncsuite.core.change.ChangeRecord;
import org.syncsuite.core.change.SnapshotProgress;
import org.syncsuite.core.change.SourcePosition;
import org.syncsuite.services.EmbeddedKafka;

/**
 * Writes a changes topic as the replicator does: one partition, compacted, each source
 * transaction a Kafka transaction that ends with a position record.
 */
public final class TopicWriter implements AutoCloseable {

    public static final String DB = "app";
    private final String topic;
    private final Properties clientProperties;
    private final Properties producerProperties;
    private KafkaProducer<byte[], byte[]> producer;
    private long position = 4;
    private int resent;

    public TopicWriter(EmbeddedKafka kafka, String topic) {
        this.topic = topic;
        this.clientProperties = kafka.clientProperties();
        try (Admin client = Admin.create(clientProperties)) {
            client.createTopics(List.of(new NewTopic(topic, Optional.of(1), Optional.empty())
                    .configs(Map.of("cleanup.policy", "compact")))).all().get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        Properties props = kafka.clientProperties();
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "test-" + UUID.randomUUID());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        producerProperties = props;
        producer = new KafkaProducer<>(props);
        producer.initTransactions();
    }

    public String topic() {
        return topic;
    }

    /** The transactional id its producers use. */
    String transactionalId() {
        return producerProperties.getProperty(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
    }

    /** The binlog offset of the last position record written: a checkpoint that reached it covers everything. */
    public long lastPosition() {
        return position;
    }

    /** One source transaction: the records, then a position record. */
    public void transaction(List<ChangeRecord> records) {
        transaction(records, Optional.empty());
    }

    void transaction(List<ChangeRecord> records, Optional<SnapshotProgress> snapshot) {
        position += 100;
        ChangeRecord.PositionMarker marker = new ChangeRecord.PositionMarker("default",
                SourcePosition.at("0-1-" + position, "binlog.000001", position), snapshot, System.currentTimeMillis());
        for (int attempt = 1; ; attempt++) {
            try {
                producer.beginTransaction();
                for (ChangeRecord record : records) {
                    send(record);
                    if (record instanceof ChangeRecord.RowChange row && row.op() == ChangeRecord.Op.DELETE) {
                        producer.send(new ProducerRecord<>(topic, ChangeEventCodec.key(row), null));
                    }
                }
                send(marker);
                producer.commitTransaction();
                return;
            } catch (KafkaException e) {
                // The broker can answer a commit it has already completed with INVALID_TXN_STATE, which
                // is fatal to the producer. As the replicator does, start a producer with the same id (it
                // ends whatever was open) and send the transaction again only if its position is not in
                // the topic.
                if (attempt == 3) {
                    throw e;
                }
                // A failure in these steps ends the call: the test fails rather than guess.
                producer.close(Duration.ofSeconds(5));
                producer = new KafkaProducer<>(producerProperties);
                producer.initTransactions();
                if (committed(marker)) {
                    return;
                }
                resent++;
            }
        }
    }

    /** How many transactions were sent again after a failure (for the helper's own test). */
    int resent() {
        return resent;
    }

    /** Whether {@code marker} is in the topic, committed. */
    boolean committed(ChangeRecord.PositionMarker marker) {
        byte[] value = ChangeEventCodec.value(marker);
        return readCommitted(clientProperties, topic).stream().anyMatch(record -> java.util.Arrays.equals(record.value(), value));
    }

    /**
     * The committed records of {@code topic}'s one partition, read to its end (within 30 s, or an
     * {@link IllegalStateException}) with a consumer of {@code clientProperties}.
     */
    static List<ConsumerRecord<byte[], byte[]>> readCommitted(Properties clientProperties, String topic) {
        Properties props = new Properties();
        props.putAll(clientProperties);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        List<ConsumerRecord<byte[], byte[]>> records = new java.util.ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (consumer.position(partition) < end) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Could not read " + topic + " to offset " + end + " within 30 s");
                }
                consumer.poll(Duration.ofMillis(500)).forEach(records::add);
            }
        }
        return records;
    }

    /** Records in a transaction that is aborted: a read_committed reader never sees them. */
    void aborted(List<ChangeRecord> records) {
        producer.beginTransaction();
        records.forEach(this::send);
        producer.flush();
        producer.abortTransaction();
    }

    private void send(ChangeRecord record) {
        producer.send(new ProducerRecord<>(topic, ChangeEventCodec.key(record), ChangeEventCodec.value(record)));
    }

    public static ChangeRecord.RowChange insert(String table, Object... columns) {
        Map<String, SqliteValue> row = row(columns);
        return change(ChangeRecord.Op.CREATE, table, Optional.empty(), Optional.of(row));
    }

    public static ChangeRecord.RowChange update(String table, Object... columns) {
        Map<String, SqliteValue> row = row(columns);
        return change(ChangeRecord.Op.UPDATE, table, Optional.of(row), Optional.of(row));
    }

    public static ChangeRecord.RowChange delete(String table, Object... columns) {
        Map<String, SqliteValue> row = row(columns);
        return change(ChangeRecord.Op.DELETE, table, Optional.of(row), Optional.empty());
    }

    static ChangeRecord.Truncate truncate(String table) {
        return new ChangeRecord.Truncate(DB, table, false, System.currentTimeMillis());
    }

    private static ChangeRecord.RowChange change(ChangeRecord.Op op, String table, Optional<Map<String, SqliteValue>> before,
                                                 Optional<Map<String, SqliteValue>> after) {
        Map<String, SqliteValue> row = after.or(() -> before).orElseThrow();
        ChangeRecord.Source source = new ChangeRecord.Source("mariadb", "default", DB, table, Optional.empty(),
                "binlog.000001", 4, 0, 1, System.currentTimeMillis(), false);
        return new ChangeRecord.RowChange(op, DB, table, Map.of("id", row.get("id")), before, after, source,
                System.currentTimeMillis());
    }

    /** Columns as name, value pairs: strings are text, longs and integers integers, doubles reals, null NULL. */
    static Map<String, SqliteValue> row(Object... columns) {
        Map<String, SqliteValue> row = new LinkedHashMap<>();
        for (int i = 0; i < columns.length; i += 2) {
            Object value = columns[i + 1];
            row.put((String) columns[i], switch (value) {
                case null -> SqliteValue.NULL;
                case String s -> SqliteValue.of(s);
                case Integer n -> SqliteValue.of((long) n);
                case Long n -> SqliteValue.of(n);
                case Double d -> SqliteValue.of(d);
                default -> throw new IllegalArgumentException(value.toString());
            });
        }
        return row;
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}

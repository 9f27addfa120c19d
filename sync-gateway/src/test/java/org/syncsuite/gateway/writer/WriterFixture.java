package org.syncsuite.gateway.writer;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.syncsuite.gateway.storage.StorageDatabase;
import org.syncsuite.gateway.storage.StorageMigrations;
import org.syncsuite.services.EmbeddedKafka;
import org.syncsuite.services.EmbeddedMariaDb;

/** What the writer tests share: a new storage, a new topic, and ways to read what the writer wrote. */
public final class WriterFixture {

    /** Three streams: one by owner, one through a parameter lookup, one global that reads JSON. */
    public static final String SYNC_CONFIG = """
            config:
              edition: 3
            streams:
              my_lists:
                auto_subscribe: true
                query: SELECT * FROM lists WHERE owner_id = auth.user_id()
              list_todos:
                auto_subscribe: true
                query: SELECT * FROM todos WHERE list_id IN (SELECT id FROM lists WHERE owner_id = auth.user_id())
              public_todos:
                auto_subscribe: true
                query: SELECT id, title FROM todos WHERE json_extract(meta, '$.public') = 1
            """;

    /** Fast failover for tests: a writer that dies is noticed within seconds. */
    public static final WriterSettings SETTINGS = new WriterSettings(500, 5_000, Duration.ofMillis(50), 2_000,
            Duration.ofMillis(100), 0, Duration.ofMillis(300));

    private WriterFixture() {
    }

    public static StorageDatabase newStorage(EmbeddedMariaDb db, String prefix) {
        String database = prefix + "_" + UUID.randomUUID().toString().substring(0, 8);
        db.createDatabase(database);
        StorageMigrations.migrate(db.jdbcUrl(database), db.rootUser(), db.rootPassword());
        return new StorageDatabase(db.jdbcUrl(database), db.rootUser(), db.rootPassword());
    }

    public static String newTopic(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    public static Map<String, Object> kafkaProperties(EmbeddedKafka kafka) {
        Map<String, Object> props = new HashMap<>();
        kafka.clientProperties().forEach((k, v) -> props.put((String) k, v));
        props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 6_000);
        props.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 1_000);
        return props;
    }

    /** One stored bucket operation, as a line: {@code op_id bucket OP type/id} (data for PUT). */
    record StoredOp(long opId, String bucket, int op, String objectType, String objectId, String subkey, long checksum,
                    String data) {
        String line() {
            String name = switch (op) {
                case 1 -> "PUT";
                case 2 -> "REMOVE";
                case 3 -> "MOVE";
                default -> "CLEAR";
            };
            return bucket + " " + name + (objectType == null ? "" : " " + objectType + "/" + objectId)
                    + (data == null ? "" : " " + data);
        }
    }

    static List<StoredOp> ops(StorageDatabase storage, int group) throws SQLException {
        List<StoredOp> ops = new ArrayList<>();
        try (Connection c = storage.open(); PreparedStatement select = c.prepareStatement("SELECT op_id, bucket, op, "
                + "object_type, object_id, subkey, checksum, data FROM bucket_ops WHERE group_id = ? ORDER BY op_id")) {
            select.setInt(1, group);
            try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    ops.add(new StoredOp(rs.getLong(1), text(rs.getBytes(2)), rs.getInt(3), text(rs.getBytes(4)),
                            text(rs.getBytes(5)), text(rs.getBytes(6)), rs.getLong(7), rs.getString(8)));
                }
            }
            c.commit();
        }
        return ops;
    }

    static List<String> lines(StorageDatabase storage, int group) throws SQLException {
        return ops(storage, group).stream().map(StoredOp::line).toList();
    }

    public static long scalar(StorageDatabase storage, String sql, Object... args) throws SQLException {
        try (Connection c = storage.open(); PreparedStatement select = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                select.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = select.executeQuery()) {
                rs.next();
                long value = rs.getLong(1);
                c.commit();
                return value;
            }
        }
    }

    private static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    /** Every checkpoint event published so far on {@code topic}, parsed. */
    static List<JsonNode> checkpointEvents(EmbeddedKafka kafka, String topic) {
        Properties props = kafka.clientProperties();
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        List<JsonNode> events = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            if (!consumer.listTopics().containsKey(topic)) {
                return events;
            }
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            while (consumer.position(partition) < end) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    events.add(JsonMapper.builder().build().readTree(record.value()));
                }
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        return events;
    }

    /** A listener that counts what the writer reports. */
    public static final class Counting implements WriterListener {
        final AtomicLong rows = new AtomicLong();
        final AtomicLong ops = new AtomicLong();
        final AtomicLong checkpoints = new AtomicLong();
        final List<String> skipped = new java.util.concurrent.CopyOnWriteArrayList<>();
        final Map<Integer, Long> lastCheckpoint = new ConcurrentHashMap<>();
        final AtomicLong retries = new AtomicLong();

        @Override
        public void committed(int versionId, Commit commit) {
            rows.addAndGet(commit.rows());
            ops.addAndGet(commit.ops());
            if (commit.checkpoint().isPresent()) {
                checkpoints.incrementAndGet();
                lastCheckpoint.put(versionId, commit.checkpoint().getAsLong());
            }
        }

        @Override
        public void rowSkipped(int versionId, String table, String key, String error) {
            skipped.add(table + " " + key + ": " + error);
        }

        @Override
        public void retrying(int versionId, Exception cause) {
            retries.incrementAndGet();
        }
    }
}

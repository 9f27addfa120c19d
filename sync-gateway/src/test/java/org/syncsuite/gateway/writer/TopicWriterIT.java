package org.syncsuite.gateway.writer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.syncsuite.gateway.writer.TopicWriter.insert;

import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.syncsuite.core.change.ChangeEventCodec;
import org.syncsuite.core.change.ChangeRecord;
import org.syncsuite.services.EmbeddedKafka;
import org.syncsuite.services.junit.WithBackingServices;

/** The test topic writer sends a transaction again, once, when its producer fails fatally. */
@WithBackingServices
class TopicWriterIT {

    @Test
    void aTransactionWhoseProducerWasFencedIsSentAgainOnce(EmbeddedKafka kafka) throws Exception {
        String topic = "topic-writer-" + UUID.randomUUID();
        try (TopicWriter writer = new TopicWriter(kafka, topic)) {
            writer.transaction(List.of(insert("todos", "id", "t1")));
            fence(kafka, writer.transactionalId());
            writer.transaction(List.of(insert("todos", "id", "t2")));
            writer.transaction(List.of(insert("todos", "id", "t3")));
            assertThat(writer.resent()).as("the fenced transaction was sent again, once").isEqualTo(1);
        }
        List<String> seen = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : readCommitted(kafka, topic)) {
            ChangeRecord change = ChangeEventCodec.decode(record.key(), record.value());
            seen.add(switch (change) {
                case ChangeRecord.RowChange row -> row.after().orElseThrow().get("id").toString();
                case ChangeRecord.PositionMarker marker -> "p" + marker.position().offset();
                default -> change.toString();
            });
        }
        assertThat(seen).containsExactly("t1", "p104", "t2", "p204", "t3", "p304");
    }

    @Test
    void aPositionIsFoundCommittedOnlyOnceItsTransactionIsIn(EmbeddedKafka kafka) {
        try (TopicWriter writer = new TopicWriter(kafka, "topic-writer-" + UUID.randomUUID())) {
            writer.transaction(List.of(insert("todos", "id", "t1")));
            ChangeRecord.PositionMarker written = marker(kafka, writer.topic(), 104);
            assertThat(writer.committed(written)).isTrue();
            ChangeRecord.PositionMarker next = new ChangeRecord.PositionMarker(written.connection(),
                    org.syncsuite.core.change.SourcePosition.at("0-1-204", "binlog.000001", 204), written.snapshot(),
                    written.timestampMillis());
            assertThat(writer.committed(next)).isFalse();
        }
    }

    /** The position record at binlog offset {@code offset}, as read from the topic. */
    private static ChangeRecord.PositionMarker marker(EmbeddedKafka kafka, String topic, long offset) {
        for (ConsumerRecord<byte[], byte[]> record : readCommitted(kafka, topic)) {
            if (ChangeEventCodec.decode(record.key(), record.value()) instanceof ChangeRecord.PositionMarker marker
                    && marker.position().offset() == offset) {
                return marker;
            }
        }
        throw new AssertionError("No position " + offset + " in " + topic);
    }

    /** A producer with the same transactional id fences the writer's: its next call fails fatally. */
    private static void fence(EmbeddedKafka kafka, String transactionalId) {
        Properties props = kafka.clientProperties();
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try (KafkaProducer<byte[], byte[]> other = new KafkaProducer<>(props)) {
            other.initTransactions();
        }
    }

    private static List<ConsumerRecord<byte[], byte[]>> readCommitted(EmbeddedKafka kafka, String topic) {
        return TopicWriter.readCommitted(kafka.clientProperties(), topic);
    }
}

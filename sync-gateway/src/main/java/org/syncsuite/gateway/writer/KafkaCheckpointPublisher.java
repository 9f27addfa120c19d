package org.syncsuite.gateway.writer;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.SyncException;

/**
 * Publishes checkpoints on {@code <prefix>.<connection>.checkpoints}: one partition, so every
 * reader sees them in commit order; records expire after a day (the api role reads the latest
 * state from storage when it starts, and the topic only wakes it). Thread-safe.
 */
public final class KafkaCheckpointPublisher implements CheckpointPublisher, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(KafkaCheckpointPublisher.class.getName());

    private final String topic;
    private final KafkaProducer<byte[], byte[]> producer;

    public KafkaCheckpointPublisher(Map<String, Object> clientProperties, String topic) {
        this.topic = topic;
        ensureExists(clientProperties, topic);
        Map<String, Object> props = new HashMap<>(clientProperties);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        this.producer = new KafkaProducer<>(props);
    }

    public static void ensureExists(Map<String, Object> clientProperties, String topic) {
        try (Admin admin = Admin.create(clientProperties)) {
            if (admin.listTopics().names().get().contains(topic)) {
                return;
            }
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(1), Optional.empty())
                    .configs(Map.of("cleanup.policy", "delete", "retention.ms", Long.toString(Duration.ofDays(1).toMillis())))))
                    .all().get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new SyncException(ErrorCode.KAFKA_UNAVAILABLE, "Could not create the topic " + topic + ": "
                        + e.getCause().getMessage(), e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SyncException(ErrorCode.KAFKA_UNAVAILABLE, "Interrupted while creating " + topic, e);
        }
    }

    @Override
    public void publish(CheckpointEvent event) {
        producer.send(new ProducerRecord<>(topic, event.key(), event.value()), (metadata, error) -> {
            if (error != null) {
                LOG.log(Level.WARNING, "Checkpoint " + event.checkpoint() + " of sync config version " + event.versionId()
                        + " was committed but not announced on " + topic + ": " + error.getMessage()
                        + ". Readers catch up at the next checkpoint.");
            }
        });
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}

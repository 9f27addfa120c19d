package org.syncsuite.replicator;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.syncsuite.core.SyncException;
import org.syncsuite.core.service.ServiceConfig;

/**
 * Active/standby replication of one connection: every instance joins a Kafka consumer group on
 * the connection's (single-partition) changes topic; the member the partition is assigned to
 * replicates, the others wait. When the active instance stops or dies (its group session times
 * out), the partition moves to a standby, whose transactional producer fences any leftover of
 * the old one before it resumes from the last committed position. The group member never reads
 * the topic: its partition stays paused, polling only keeps its membership alive.
 *
 * <p>Threading: the election runs on its own thread; the accessors are safe from any thread.
 */
public final class StandbyReplicator implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(StandbyReplicator.class.getName());
    private static final Duration INITIAL_RETRY_PAUSE = Duration.ofSeconds(1);
    private static final Duration MAX_RETRY_PAUSE = Duration.ofSeconds(30);

    private final Supplier<Replicator> factory;
    private final Map<String, Object> consumerProperties;
    private final String topic;
    private final String connection;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private volatile Replicator active;
    private volatile Throwable fatal;
    // Confined to the election thread.
    private long nextAttempt;
    private Duration retryPause = INITIAL_RETRY_PAUSE;
    private volatile boolean closed;
    private Thread thread;

    /** {@code factory} makes a fresh replicator each time this instance becomes active. */
    public StandbyReplicator(ServiceConfig.SourceConnection source, ServiceConfig.KafkaConfig kafka,
                             Supplier<Replicator> factory) {
        this.factory = factory;
        this.topic = kafka.changesTopic(source.id());
        this.connection = source.id();
        Map<String, Object> properties = kafka.clientProperties();
        properties.put(ConsumerConfig.GROUP_ID_CONFIG, kafka.topicPrefix() + "." + source.id() + ".replicator");
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        properties.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
        // Sticky and cooperative: a standby joining does not take the partition from the active one.
        properties.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
                org.apache.kafka.clients.consumer.CooperativeStickyAssignor.class.getName());
        properties.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 1_000);
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        this.consumerProperties = properties;
        this.consumer = new KafkaConsumer<>(consumerProperties);
    }

    /** Joins the election; replication starts when (and if) this instance is chosen. */
    public void start() {
        // The topic must exist to be assigned: the first instance creates it.
        try (Replicator creator = factory.get()) {
            creator.ensureTopic();
        }
        thread = Thread.ofPlatform().name("replicator-election-" + connection).start(this::elect);
    }

    private void elect() {
        consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                consumer.pause(partitions);
                if (!partitions.isEmpty()) {
                    LOG.log(Level.INFO, "[{0}] This instance is now the active replicator", connection);
                    nextAttempt = 0; // start at once
                }
            }

            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                if (!partitions.isEmpty()) {
                    stopActive("the partition was revoked");
                }
            }

            @Override
            public void onPartitionsLost(Collection<TopicPartition> partitions) {
                stopActive("the group session was lost");
            }
        });
        try {
            while (!closed) {
                consumer.poll(Duration.ofMillis(500));
                if (active == null && !consumer.assignment().isEmpty() && System.currentTimeMillis() >= nextAttempt) {
                    tryStart();
                }
                Replicator current = active;
                if (current != null && current.fatalError().isPresent()) {
                    fatal = current.fatalError().get();
                    LOG.log(Level.ERROR, "[{0}] Replication failed for good: {1}", connection, fatal.getMessage());
                    stopActive("replication failed");
                }
                if (fatal != null) {
                    break; // leave the group: a standby takes over
                }
            }
        } catch (WakeupException e) {
            // closing
        } finally {
            stopActive("shutting down");
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /**
     * Starts replicating, the partition being ours. A source or Kafka that cannot be reached is
     * tried again after a growing pause; a misconfigured source stays so: this instance leaves.
     */
    private void tryStart() {
        Replicator replicator = factory.get();
        try {
            active = replicator;
            replicator.start();
            retryPause = INITIAL_RETRY_PAUSE;
            return;
        } catch (RuntimeException e) {
            SyncException error = ReplicationErrors.classify(e, connection, "the last committed position");
            LOG.log(Level.ERROR, "[" + connection + "] Could not start replication: " + error.getMessage(), e);
            if (!error.errorCode().isTransient()) {
                fatal = error; // a misconfigured source stays misconfigured: stop competing
            }
        }
        active = null;
        replicator.close();
        nextAttempt = System.currentTimeMillis() + retryPause.toMillis();
        retryPause = retryPause.multipliedBy(2).compareTo(MAX_RETRY_PAUSE) > 0 ? MAX_RETRY_PAUSE : retryPause.multipliedBy(2);
    }

    private void stopActive(String why) {
        Replicator current = active;
        active = null;
        if (current != null) {
            LOG.log(Level.INFO, "[{0}] Stopping replication: {1}", connection, why);
            current.close();
        }
    }

    /** Whether this instance replicates now (the others are standbys). */
    public boolean isActive() {
        return active != null;
    }

    /** Why this instance stopped replicating for good, if it did (it left the election then). */
    public Optional<Throwable> fatalError() {
        return Optional.ofNullable(fatal);
    }

    /** The running replicator, when this instance is active. */
    public Optional<Replicator> replicator() {
        return Optional.ofNullable(active);
    }

    @Override
    public void close() {
        closed = true;
        consumer.wakeup();
        if (thread != null) {
            try {
                thread.join(Duration.ofSeconds(40));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

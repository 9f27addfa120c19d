package org.syncsuite.gateway.api;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

import javax.sql.DataSource;

import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.SyncException;
import org.syncsuite.core.change.SourcePosition;
import org.syncsuite.gateway.storage.WriteCheckpoints;

/**
 * Hands out write checkpoints (reference §1.13): records the source's current position for a
 * user and client, then tells the streams of that user and client, in this process at once and
 * in the others through the checkpoints topic. A stream acknowledges the number in the first
 * checkpoint whose position reaches it; on an idle source that is the checkpoint already served,
 * so the client hears back within milliseconds rather than at the next binlog heartbeat.
 */
public final class WriteCheckpointService {

    private static final Logger LOG = Logger.getLogger(WriteCheckpointService.class.getName());

    private final DataSource storage;
    private final java.util.function.Supplier<SourcePosition> head;
    private final CheckpointHub hub;
    private final Optional<Producer<byte[], byte[]>> notices;
    private final String topic;
    private final ApiStats stats;
    private final WriteCheckpoints writeCheckpoints = new WriteCheckpoints();

    public WriteCheckpointService(DataSource storage, java.util.function.Supplier<SourcePosition> head, CheckpointHub hub,
                                  Optional<Producer<byte[], byte[]>> notices, String topic, ApiStats stats) {
        this.storage = storage;
        this.head = head;
        this.hub = hub;
        this.notices = notices;
        this.topic = topic;
        this.stats = stats;
    }

    /** {@code GET /write-checkpoint2.json}: the next number for this user and client. */
    public long next(String userId, String clientId) {
        SourcePosition position = head.get();
        long id;
        try (Connection connection = storage.getConnection()) {
            id = writeCheckpoints.next(connection, userId, clientId, position.toJson());
        } catch (SQLException e) {
            throw new SyncException(ErrorCode.STORAGE_UNAVAILABLE, "Bucket storage cannot be written: " + e.getMessage(), e);
        }
        announce(userId, clientId, id, position);
        return id;
    }

    /** {@code POST /sync/checkpoint-request}: the client's own number, if higher than the stored one; returns the stored one. */
    public long request(String userId, String clientId, long requested) {
        SourcePosition position = head.get();
        long stored;
        try (Connection connection = storage.getConnection()) {
            stored = writeCheckpoints.request(connection, userId, clientId, requested, position.toJson());
        } catch (SQLException e) {
            throw new SyncException(ErrorCode.STORAGE_UNAVAILABLE, "Bucket storage cannot be written: " + e.getMessage(), e);
        }
        if (stored == requested) {
            announce(userId, clientId, stored, position);
        }
        return stored;
    }

    private void announce(String userId, String clientId, long id, SourcePosition position) {
        stats.writeCheckpoints.increment();
        hub.writeCheckpoint(userId + "/" + clientId, id, position);
        TopicRecord.WriteCheckpoint notice = new TopicRecord.WriteCheckpoint(userId, clientId, id, position);
        notices.ifPresent(producer -> producer.send(new ProducerRecord<>(topic, notice.key(), notice.value()), (meta, error) -> {
            if (error != null) {
                // Streams of this client in other processes see it at their next storage-backed reconnect.
                LOG.log(Level.WARNING, "Could not announce write checkpoint " + id + " of " + userId + "/" + clientId
                        + " on " + topic + ": " + error.getMessage());
            }
        }));
    }
}

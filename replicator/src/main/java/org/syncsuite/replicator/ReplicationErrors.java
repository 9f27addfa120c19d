package org.syncsuite.replicator;

import java.io.IOException;
import java.sql.SQLException;

import com.github.shyiko.mysql.binlog.network.ServerException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RetriableException;
import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.SyncException;

/**
 * Decides, in one place, what a failure of replication means: retried after a pause (a lost
 * connection, a locked account, Kafka unreachable) or fatal (a purged binlog, a misconfigured
 * source, being fenced by another replicator, Kafka refusing our writes). Fatal errors say what to
 * do.
 */
public final class ReplicationErrors {

    /** MySQL and MariaDB: the replica asked for binlog the source no longer has (or never had). */
    static final int ER_MASTER_FATAL_ERROR_READING_BINLOG = 1236;

    private ReplicationErrors() {
    }

    /**
     * The failure as a {@link SyncException}; {@link ErrorCode#isTransient()} tells whether to retry.
     *
     * @param at where replication would resume, for the message
     */
    public static SyncException classify(Throwable failure, String connectionId, String at) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SyncException sync) {
                return sync;
            }
            if (cause instanceof ServerException server && server.getErrorCode() == ER_MASTER_FATAL_ERROR_READING_BINLOG) {
                return purged(connectionId, at, server);
            }
            if (cause instanceof ProducerFencedException || cause instanceof InvalidProducerEpochException) {
                return new SyncException(ErrorCode.REPLICATOR_FENCED, "[" + connectionId + "] Another replicator of this "
                        + "connection started and fenced this one; it stops here and the other one carries on", failure);
            }
            if (cause instanceof RecordTooLargeException || cause instanceof InvalidTopicException
                    || cause instanceof UnsupportedVersionException) {
                return new SyncException(ErrorCode.KAFKA_REFUSED, "[" + connectionId + "] Kafka refused the changes ("
                        + cause.getMessage() + "): raise the topic's max.message.bytes and the producer's max.request.size "
                        + "above the largest source transaction's rows, or check the broker's version", failure);
            }
                        if (cause instanceof AuthorizationException) {
                return new SyncException(ErrorCode.KAFKA_REFUSED, "[" + connectionId + "] Kafka refused the replicator ("
                        + cause.getMessage() + "): grant its principal write and transactional-id access to the "
                        + "changes topic", failure);
            }
        }
        if (failure instanceof KafkaException kafka) {
            String kind = kafka instanceof RetriableException ? "unavailable" : "failed";
            return new SyncException(ErrorCode.KAFKA_UNAVAILABLE, "[" + connectionId + "] Kafka " + kind + ": "
                    + kafka.getMessage(), failure);
        }
        if (failure instanceof IOException || failure instanceof SQLException || failure instanceof ServerException) {
            return new SyncException(ErrorCode.SOURCE_UNREACHABLE, "[" + connectionId + "] Lost the source: "
                    + failure.getMessage(), failure);
        }
        return new SyncException(ErrorCode.SOURCE_UNREACHABLE, "[" + connectionId + "] Replication interrupted: "
                + failure, failure);
    }

    /** The binlog to resume from is gone from the source: only a new snapshot can recover. */
    static SyncException purged(String connectionId, String at, Throwable cause) {
        return new SyncException(ErrorCode.BINLOG_PURGED, "[" + connectionId + "] The source no longer has the binlog at "
                + at + " (" + cause.getMessage() + "): it was purged before it was replicated. To recover, stop the "
                + "replicator, delete the changes topic and start again: a new snapshot is taken. Keep binlogs longer "
                + "than the longest replicator outage (binlog_expire_logs_seconds, expire_logs_days)", cause);
    }
}

package org.syncsuite.replicator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.EOFException;
import java.net.SocketException;
import java.sql.SQLException;

import com.github.shyiko.mysql.binlog.network.ServerException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;
import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.SyncException;

class ReplicationErrorsTest {

    private static SyncException classify(Throwable failure) {
        return ReplicationErrors.classify(failure, "default", "binlog.000003:4");
    }

    @Test
    void aPurgedBinlogIsFatalAndSaysHowToRecover() {
        SyncException error = classify(new ServerException("Could not find first log file name in binary log index file",
                1236, "HY000"));
        assertThat(error.errorCode()).isEqualTo(ErrorCode.BINLOG_PURGED);
        assertThat(error.errorCode().isTransient()).isFalse();
        assertThat(error.getMessage()).contains("binlog.000003:4", "delete the changes topic", "binlog_expire_logs_seconds");
    }

    @Test
    void beingFencedOrRefusedByKafkaIsFatal() {
        assertThat(classify(new ProducerFencedException("fenced")).errorCode()).isEqualTo(ErrorCode.REPLICATOR_FENCED);
        assertThat(classify(new org.apache.kafka.common.errors.InvalidProducerEpochException("epoch")).errorCode())
                .isEqualTo(ErrorCode.REPLICATOR_FENCED);
        assertThat(classify(new RuntimeException("wrapped", new ProducerFencedException("fenced"))).errorCode())
                .isEqualTo(ErrorCode.REPLICATOR_FENCED);
        SyncException refused = classify(new TopicAuthorizationException("no write on powersync.default.changes"));
        assertThat(refused.errorCode()).isEqualTo(ErrorCode.KAFKA_REFUSED);
        assertThat(refused.errorCode().isTransient()).isFalse();
        SyncException tooLarge = classify(new org.apache.kafka.common.KafkaException("commit failed",
                new org.apache.kafka.common.errors.RecordTooLargeException("5 MiB")));
        assertThat(tooLarge.errorCode()).isEqualTo(ErrorCode.KAFKA_REFUSED);
        assertThat(tooLarge.getMessage()).contains("max.message.bytes");
    }

    @Test
    void lostConnectionsAndUnreachableServersAreRetried() {
        assertThat(classify(new EOFException("end of stream")).errorCode()).isEqualTo(ErrorCode.SOURCE_UNREACHABLE);
        assertThat(classify(new SocketException("Connection reset")).errorCode()).isEqualTo(ErrorCode.SOURCE_UNREACHABLE);
        assertThat(classify(new SQLException("Access denied, this account is locked", "HY000", 4151)).errorCode())
                .isEqualTo(ErrorCode.SOURCE_UNREACHABLE);
        assertThat(classify(new ServerException("Access denied", 1045, "28000")).errorCode().isTransient()).isTrue();
        assertThat(classify(new TimeoutException("metadata")).errorCode()).isEqualTo(ErrorCode.KAFKA_UNAVAILABLE);
        assertThat(classify(new TimeoutException("metadata")).errorCode().isTransient()).isTrue();
    }

    @Test
    void anAlreadyClassifiedErrorKeepsItsCode() {
        SyncException misconfigured = new SyncException(ErrorCode.SOURCE_MISCONFIGURED, "binlog_format is STATEMENT");
        assertThat(classify(misconfigured)).isSameAs(misconfigured);
    }
}

package org.syncsuite.replicator;

import java.time.Duration;

import org.syncsuite.core.service.ServiceConfig;

/**
 * What one replicator needs: the source connection, the Kafka client properties and names, and
 * the batching and queue limits.
 */
record ReplicatorSettings(String connectionId, String hostname, int port, String database, String username,
                          String password, long serverIdBase, int heartbeatMillis, int connectTimeoutMillis,
                          int maxTransactionsPerBatch, long maxBytesPerBatch, long maxBatchDelayMillis,
                          int queueTransactions, long queueBytes) {

    static ReplicatorSettings of(ServiceConfig.SourceConnection source) {
        return new ReplicatorSettings(source.id(), source.hostname(), source.port(), source.database(), source.username(),
                source.password(), 1_000_000L * Math.max(1, source.serverId()), 1000,
                (int) Duration.ofSeconds(20).toMillis(), 1000, 8L * 1024 * 1024, 20,
                10_000, source.binlogQueueMemoryLimitMb() * 1024L * 1024);
    }

    String jdbcUrl() {
        return "jdbc:mysql://" + hostname + ":" + port + "/" + database
                + "?allowPublicKeyRetrieval=true&useSSL=false&connectionTimeZone=UTC&forceConnectionTimeZoneToSession=true"
                + "&zeroDateTimeBehavior=CONVERT_TO_NULL&yearIsDateType=false&useCursorFetch=false";
    }
}

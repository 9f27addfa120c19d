package org.syncsuite.replicator;

import java.time.Duration;

import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.SyncException;
import org.syncsuite.core.config.SyncConfigCompiler;
import org.syncsuite.core.config.SyncPlan;
import org.syncsuite.core.mysql.MySqlValueMapper;
import org.syncsuite.core.service.ServiceConfig;

/**
 * Builds the replication of a service config's connection: the sync plan that chooses the
 * tables, the value mapping it asks for, and an active/standby candidate whose replicators report
 * to a listener.
 */
public final class ReplicationSetup {

    private ReplicationSetup() {
    }

    /**
     * A candidate for replicating {@code config}'s connection; {@link StandbyReplicator#start} joins the election.
     * {@code transactionInterval}: see {@link Replicator#withTransactionInterval}.
     */
    public static StandbyReplicator candidate(ServiceConfig config, SyncPlan plan, int snapshotChunkSize,
                                              Duration transactionInterval, ReplicationListener listener) {
        ServiceConfig.KafkaConfig kafka = kafka(config);
        MySqlValueMapper mapper = mapper(plan);
        Replicator.checkTransactionInterval(transactionInterval); // refused at start, not at the first election
        return new StandbyReplicator(config.connection(), kafka,
                () -> new Replicator(config.connection(), kafka, plan::readsTable, mapper)
                        .withSnapshot(true, snapshotChunkSize)
                        .withTransactionInterval(transactionInterval)
                        .withListener(listener));
    }

    /** The {@code kafka:} section, which the replicator requires. */
    public static ServiceConfig.KafkaConfig kafka(ServiceConfig config) {
        return config.kafka().orElseThrow(() -> new SyncException(ErrorCode.SERVICE_CONFIG_INVALID,
                config.file() + ": the replicator needs a kafka: section with bootstrap_servers"));
    }

    /** How source values become SQLite values under {@code plan}'s options. */
    public static MySqlValueMapper mapper(SyncPlan plan) {
        return new MySqlValueMapper(plan.options().timestampPrecision(), MySqlValueMapper.DecimalMode.REAL);
    }

    /** The sync plan the service config names (a file, or inline content). */
    public static SyncPlan syncPlan(ServiceConfig config) {
        ServiceConfig.SyncConfigSource source = config.syncConfig().orElseThrow(() -> new SyncException(ErrorCode.SERVICE_CONFIG_INVALID,
                config.file() + ": sync_config (path: or content:) is required: it decides which tables are replicated"));
        return SyncConfigCompiler.compile(source.name(config.file()), source.text());
    }
}

package org.syncsuite.gateway.service;

import java.lang.System.Logger.Level;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.SyncException;
import org.syncsuite.core.service.ServiceConfig;
import org.syncsuite.gateway.storage.StorageDatabase;
import org.syncsuite.gateway.writer.BucketWriter;
import org.syncsuite.gateway.writer.KafkaCheckpointPublisher;
import org.syncsuite.gateway.writer.WriterSettings;
import org.syncsuite.gateway.writer.WriterSetup;
import org.syncsuite.gateway.writer.WriterStats;
import org.syncsuite.gateway.writer.WriterSupervisor;

/**
 * The gateway's writer role: when the application starts, prepare bucket storage (create and
 * migrate it), deploy the sync config (a changed one becomes a new version, built while the old
 * one serves), and write every live version from the changes topic, as the active writer or a
 * standby. Stops cleanly when the application stops.
 */
@ApplicationScoped
public class WriterService {

    private static final System.Logger LOG = System.getLogger(WriterService.class.getName());

    /** Printed on standard output once the writer role runs. */
    public static final String STARTED = "GATEWAY WRITER STARTED";

    @Inject
    ServiceConfig config;
    @Inject
    WriterStats stats;
    @Inject
    GatewayRole role;
    @Inject
    @ConfigProperty(name = "gateway.writer.batch-ops", defaultValue = "30000")
    int batchOps;
    @Inject
    @ConfigProperty(name = "gateway.writer.max-batch-ops", defaultValue = "100000")
    int maxBatchOps;

    @Inject
    @ConfigProperty(name = "gateway.writer.compact-every-minutes", defaultValue = "60")
    long compactEveryMinutes;

    /** Whether batches may go into storage as LOAD DATA LOCAL rows where the server allows it. */
    @Inject
    @ConfigProperty(name = "gateway.writer.local-loads", defaultValue = "true")
    boolean localLoads;

    private volatile StorageDatabase storage;
    private volatile WriterSupervisor supervisor;
    private volatile KafkaCheckpointPublisher publisher;
    private volatile int deployed;

    void start(@Observes @Initialized(ApplicationScoped.class) Object started) throws SQLException {
        if (!role.writes()) {
            return;
        }
        StorageDatabase database = localLoads ? WriterSetup.storage(config) : WriterSetup.storage(config).withoutLocalLoads();
        ServiceConfig.KafkaConfig kafka = WriterSetup.kafka(config);
        Optional<WriterSetup.SyncConfigText> syncConfig = WriterSetup.optionalSyncConfig(config);
        WriterSetup.prepare(config, database);
        Map<String, Object> kafkaProperties = kafka.clientProperties();
        String connection = config.connection().id();
        try {
            publisher = new KafkaCheckpointPublisher(kafkaProperties, kafka.checkpointsTopic(connection));
        } catch (SyncException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new SyncException(ErrorCode.KAFKA_UNAVAILABLE, "Kafka at " + kafka.bootstrapServers() + " cannot be reached: "
                    + e.getMessage(), e);
        }
        WriterSupervisor writers = new WriterSupervisor(database, kafkaProperties, kafka.changesTopic(connection),
                kafka.topicPrefix() + "." + connection, publisher, WriterSettings.DEFAULTS.withBatchOps(batchOps, maxBatchOps),
                stats, Duration.ofSeconds(2)).withCompactionEvery(Duration.ofMinutes(compactEveryMinutes));
        if (syncConfig.isPresent()) {
            deployed = writers.deploy(syncConfig.get().name(), syncConfig.get().content());
        } else {
            LOG.log(Level.INFO, "{0} has no sync_config: the writer builds what is deployed through the admin API "
                    + "(POST /api/sync-rules/v1/deploy, powersync deploy)", config.file());
        }
        writers.start();
        storage = database;
        supervisor = writers;
        LOG.log(Level.INFO, "Writing sync config version {0} from {1} into {2}", deployed, kafka.changesTopic(connection), database);
        LOG.log(Level.INFO, STARTED + " version " + (deployed == 0 ? "(deployed through the admin API)" : deployed)
                + " <- " + kafka.changesTopic(connection));
    }

    @PreDestroy
    void stop() {
        WriterSupervisor writers = supervisor;
        supervisor = null;
        if (writers != null) {
            writers.close();
        }
        KafkaCheckpointPublisher p = publisher;
        publisher = null;
        if (p != null) {
            p.close();
        }
    }

    public boolean isStarted() {
        return supervisor != null;
    }

    /** The version the configured sync config was deployed as. */
    public int deployedVersion() {
        return deployed;
    }

    /** The writers this process runs, by version (each is active or a standby). */
    public Map<Integer, BucketWriter> writers() {
        WriterSupervisor writers = supervisor;
        return writers == null ? Map.of() : writers.writers();
    }

    public Optional<StorageDatabase> storage() {
        return Optional.ofNullable(storage);
    }

    public WriterStats stats() {
        return stats;
    }
}

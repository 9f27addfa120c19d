package org.syncsuite.replicator.service;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Optional;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.syncsuite.core.SyncException;
import org.syncsuite.core.config.SyncPlan;
import org.syncsuite.core.service.ServiceConfig;
import org.syncsuite.replicator.ReplicationListener;
import org.syncsuite.replicator.ReplicationSetup;
import org.syncsuite.replicator.ReplicationStats;
import org.syncsuite.replicator.Replicator;
import org.syncsuite.replicator.StandbyReplicator;

/**
 * The replicator service's one job: when the application starts, join the election for the
 * configured connection and replicate while chosen; stop cleanly when the application stops.
 * Every {@link ReplicationListener} bean (statistics, metrics) hears of its progress.
 */
@ApplicationScoped
public class ReplicationService {

    private static final System.Logger LOG = System.getLogger(ReplicationService.class.getName());

    /** Printed on standard output once the service has joined the election. */
    public static final String STARTED = "REPLICATOR STARTED";

    @Inject
    ServiceConfig config;
    @Inject
    SyncPlan plan;
    @Inject
    ReplicationStats stats;
    @Inject
    Instance<ReplicationListener> listeners;
    @Inject
    @ConfigProperty(name = "replicator.snapshot.chunk-size", defaultValue = "10000")
    int snapshotChunkSize;
    /** The least time between the starts of two Kafka transactions while the source is busy (Replicator#withTransactionInterval). */
    @Inject
    @ConfigProperty(name = "replicator.kafka.transaction-interval-ms", defaultValue = "25")
    long transactionIntervalMillis;

    private volatile StandbyReplicator candidate;

    /**
     * Checks the source first: a misconfigured one stops the service before it joins, with every
     * setting to change. A source not reachable yet is tried again once elected.
     */
    void start(@Observes @Initialized(ApplicationScoped.class) Object started) {
        try {
            Replicator.checkSource(config.connection());
        } catch (SyncException e) {
            if (!e.errorCode().isTransient()) {
                throw e;
            }
            LOG.log(Level.WARNING, "[{0}] {1}", config.connection().id(), e.getMessage());
        }
        ReplicationListener listener = ReplicationListener.of(listeners.stream().toArray(ReplicationListener[]::new));
        StandbyReplicator replication = ReplicationSetup.candidate(config, plan, snapshotChunkSize,
                Duration.ofMillis(transactionIntervalMillis), listener);
        replication.start();
        candidate = replication;
        String topic = ReplicationSetup.kafka(config).changesTopic(config.connection().id());
        LOG.log(Level.INFO, "[{0}] Joined the election for {1}", config.connection().id(), topic);
        LOG.log(Level.INFO, STARTED + " " + config.connection().id() + " -> " + topic);
    }

    @PreDestroy
    void stop() {
        StandbyReplicator replication = candidate;
        candidate = null;
        if (replication != null) {
            replication.close();
        }
    }

    /** The connection this service replicates. */
    public String connectionId() {
        return config.connection().id();
    }

    /** Whether the service has joined the election (it has, once the application started). */
    public boolean isStarted() {
        return candidate != null;
    }

    /** The running replicator, when this instance is the active one. */
    public Optional<Replicator> active() {
        StandbyReplicator replication = candidate;
        return replication == null ? Optional.empty() : replication.replicator();
    }

    /** Why this instance stopped replicating for good, if it did. */
    public Optional<Throwable> fatalError() {
        StandbyReplicator replication = candidate;
        Optional<Throwable> left = replication == null ? Optional.empty() : replication.fatalError();
        return left.or(() -> active().flatMap(Replicator::fatalError));
    }

    public ReplicationStats stats() {
        return stats;
    }
}

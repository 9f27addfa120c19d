package org.syncsuite.replicator.service;

import java.nio.file.Path;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.syncsuite.core.config.SyncPlan;
import org.syncsuite.core.service.ServiceConfig;
import org.syncsuite.core.service.ServiceConfigReader;
import org.syncsuite.replicator.ReplicationSetup;
import org.syncsuite.replicator.ReplicationStats;

/**
 * Reads the PowerSync-format {@code service.yaml} named by {@code powersync.config-path} (also
 * the environment variable {@code POWERSYNC_CONFIG_PATH}), and the sync config it names, once at
 * start: a bad file stops the service with its file, line and key.
 */
@ApplicationScoped
public class ServiceConfigProducer {

    @Inject
    @ConfigProperty(name = "powersync.config-path", defaultValue = "powersync.yaml")
    String configPath;

    @Produces
    @Singleton
    ServiceConfig serviceConfig() {
        return ServiceConfigReader.read(Path.of(configPath));
    }

    @Produces
    @Singleton
    SyncPlan syncPlan(ServiceConfig config) {
        return ReplicationSetup.syncPlan(config);
    }

    @Produces
    @Singleton
    ReplicationStats replicationStats() {
        return new ReplicationStats();
    }
}

package org.syncsuite.gateway.service;

import java.nio.file.Path;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.syncsuite.core.service.ServiceConfig;
import org.syncsuite.core.service.ServiceConfigReader;
import org.syncsuite.gateway.writer.WriterStats;

/**
 * Reads the PowerSync-format {@code service.yaml} named by {@code powersync.config-path} (also
 * the environment variable {@code POWERSYNC_CONFIG_PATH}) once at start: a bad file stops the
 * gateway with its file, line and key.
 */
@ApplicationScoped
public class GatewayConfigProducer {

    @Inject
    @ConfigProperty(name = "powersync.config-path", defaultValue = "powersync.yaml")
    String configPath;

    @Produces
    @Singleton
    ServiceConfig serviceConfig() {
        return ServiceConfigReader.read(Path.of(configPath));
    }

    @Inject
    @ConfigProperty(name = "gateway.role")
    java.util.Optional<String> role;

    /** {@code gateway.role}, else PowerSync's {@code PS_RUNNER_TYPE}, else both roles. */
    @Produces
    @Singleton
    GatewayRole role() {
        String fromEnv = System.getenv("PS_RUNNER_TYPE");
        return GatewayRole.of(role.or(() -> java.util.Optional.ofNullable(fromEnv)).orElse("unified"));
    }

    @Produces
    @Singleton
    WriterStats writerStats() {
        return new WriterStats();
    }
}

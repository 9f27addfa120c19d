package org.syncsuite.replicator.cdi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;

import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.spi.Extension;
import jakarta.inject.Inject;
import io.smallrye.config.inject.ConfigExtension;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.EmptyAsset;
import org.jboss.shrinkwrap.api.spec.JavaArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.syncsuite.core.config.SyncPlan;
import org.syncsuite.core.service.ServiceConfig;
import org.syncsuite.replicator.ReplicationListener;
import org.syncsuite.replicator.ReplicationStats;
import org.syncsuite.replicator.service.ReplicationHealth;
import org.syncsuite.replicator.service.ReplicationService;
import org.syncsuite.replicator.service.ServiceConfigProducer;
import org.syncsuite.services.BackingServices;
import org.syncsuite.services.EmbeddedKafka;
import org.syncsuite.services.EmbeddedMariaDb;

/**
 * The replicator service's CDI wiring in a container: MicroProfile Config names the
 * {@code service.yaml}, the producers read it once, the service starts replicating when the
 * application scope starts, every listener bean hears of commits, and the health checks are beans
 * with the right qualifiers. (Metrics and the HTTP endpoints are Helidon's part:
 * {@code ReplicatorServiceIT} in the replicator module checks them.)
 */
@ExtendWith(ArquillianExtension.class)
class ReplicatorWiringIT {

    private static String database;

    @Deployment
    static JavaArchive deployment() {
        // Runs before the container starts: the config it will read must exist by then.
        EmbeddedMariaDb db = BackingServices.shared().mariaDb();
        EmbeddedKafka kafka = BackingServices.shared().kafka();
        database = "wiring_" + UUID.randomUUID().toString().substring(0, 8);
        db.createDatabase(database);
        db.execute("CREATE TABLE " + database + ".notes (id INT PRIMARY KEY, body TEXT)",
                "INSERT INTO " + database + ".notes VALUES (1, 'first'), (2, 'second')");
        try {
            Path config = Files.createTempFile("service", ".yaml");
            Files.writeString(config, """
                    replication:
                      connections:
                        - type: mariadb
                          hostname: 127.0.0.1
                          port: %d
                          database: %s
                          username: %s
                          password: %s
                    kafka:
                      bootstrap_servers: %s
                      topic_prefix: %s
                    sync_config:
                      content: |
                        bucket_definitions:
                          global:
                            data:
                              - SELECT * FROM notes
                    """.formatted(db.port(), database, db.replicationUser(), db.replicationPassword(),
                    kafka.bootstrapServers(), database));
            System.setProperty("powersync.config-path", config.toString());
            System.setProperty("replicator.snapshot.chunk-size", "1");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return ShrinkWrap.create(JavaArchive.class)
                .addClasses(ServiceConfigProducer.class, ReplicationService.class, ReplicationHealth.class, CountingListener.class)
                .addAsServiceProvider(Extension.class, ConfigExtension.class)
                .addAsManifestResource(EmptyAsset.INSTANCE, "beans.xml");
    }

    @Inject
    ServiceConfig config;
    @Inject
    SyncPlan plan;
    @Inject
    ReplicationService service;
    @Inject
    ReplicationStats stats;
    @Inject
    CountingListener counting;
    @Inject
    Instance<ReplicationListener> listeners;
    @Inject
    @Liveness
    HealthCheck liveness;
    @Inject
    @Readiness
    HealthCheck readiness;

    @Test
    void replicatesFromTheConfiguredFileAndReportsToEveryListener() throws Exception {
        assertThat(config.connection().database()).isEqualTo(database);
        assertThat(plan.readsTable("notes")).isTrue();
        assertThat(listeners.stream()).hasSize(2); // the statistics and the test's own listener
        assertThat(service.isStarted()).as("started with the application scope").isTrue();

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            HealthCheckResponse ready = readiness.call();
            assertThat(ready.getStatus()).isEqualTo(HealthCheckResponse.Status.UP);
            assertThat(ready.getData().orElseThrow()).containsEntry("role", "active").containsEntry("state", "streaming");
        });
        assertThat(liveness.call().getStatus()).isEqualTo(HealthCheckResponse.Status.UP);
        // A chunk of one row: two snapshot chunks.
        assertThat(stats.snapshotTables()).containsEntry("notes", new ReplicationStats.TableProgress(2, 2, true));
        assertThat(stats.isSnapshotComplete()).isTrue();

        try (Connection connection = BackingServices.shared().mariaDb().rootConnection(database);
             Statement statement = connection.createStatement()) {
            statement.execute("INSERT INTO notes VALUES (3, 'third')");
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(stats.changes()).isEqualTo(3);
            assertThat(counting.changes()).isEqualTo(3);
        });
        assertThat(stats.position()).isPresent();
        assertThat(service.active().orElseThrow().committedChanges()).isEqualTo(1);
    }
}

package org.syncsuite.replicator.service;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;
import org.syncsuite.replicator.Replicator;

/**
 * Health of the replication. Live unless replication stopped for good (a purged binlog, a
 * misconfigured source, being fenced): then a restart is the remedy, and the check says why.
 * Ready when this instance is a standby waiting its turn, or the active replicator is reading
 * the snapshot or streaming; not ready while it reconnects to a lost source.
 */
@ApplicationScoped
public class ReplicationHealth {

    static final String CHECK = "replication";

    @Inject
    ReplicationService service;

    @Produces
    @Liveness
    HealthCheck liveness() {
        return () -> {
            HealthCheckResponseBuilder response = HealthCheckResponse.named(CHECK).withData("connection", service.connectionId());
            return service.fatalError()
                    .map(error -> response.down().withData("error", String.valueOf(error.getMessage())).build())
                    .orElseGet(() -> response.up().build());
        };
    }

    @Produces
    @Readiness
    HealthCheck readiness() {
        return () -> {
            HealthCheckResponseBuilder response = HealthCheckResponse.named(CHECK).withData("connection", service.connectionId());
            if (!service.isStarted() || service.fatalError().isPresent()) {
                return response.down().withData("role", "stopped").build();
            }
            Replicator active = service.active().orElse(null);
            if (active == null) {
                return response.up().withData("role", "standby").build();
            }
            response.withData("role", "active")
                    .withData("changes", service.stats().changes())
                    .withData("lagSeconds", String.valueOf(service.stats().lagSeconds()));
            active.lastCommittedPosition().ifPresent(position -> response.withData("position", position.toString()));
            if (active.isSnapshotting()) {
                return response.up().withData("state", "snapshot").build();
            }
            return active.isStreaming()
                    ? response.up().withData("state", "streaming").build()
                    : response.down().withData("state", "reconnecting").build();
        };
    }
}

package org.syncsuite.replicator.service;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
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
            Map<String, Object> data = data();
            Optional<Throwable> fatal = service.fatalError();
            fatal.ifPresent(error -> data.put("error", String.valueOf(error.getMessage())));
            return response(fatal.isEmpty(), data);
        };
    }

    @Produces
    @Readiness
    HealthCheck readiness() {
        return () -> {
            Map<String, Object> data = data();
            if (!service.isStarted() || service.fatalError().isPresent()) {
                data.put("role", "stopped");
                return response(false, data);
            }
            Replicator active = service.active().orElse(null);
            if (active == null) {
                data.put("role", "standby");
                return response(true, data);
            }
            data.put("role", "active");
            data.put("changes", service.stats().changes());
            data.put("lagSeconds", String.valueOf(service.stats().lagSeconds()));
            active.lastCommittedPosition().ifPresent(position -> data.put("position", position.toString()));
            if (active.isSnapshotting()) {
                data.put("state", "snapshot");
                return response(true, data);
            }
            boolean streaming = active.isStreaming();
            data.put("state", streaming ? "streaming" : "reconnecting");
            return response(streaming, data);
        };
    }

    private Map<String, Object> data() {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("connection", service.connectionId());
        return data;
    }

    // Built directly, so that the checks need no MicroProfile Health implementation outside a container.
    private static HealthCheckResponse response(boolean up, Map<String, Object> data) {
        return new HealthCheckResponse(CHECK, up ? HealthCheckResponse.Status.UP : HealthCheckResponse.Status.DOWN,
                Optional.of(data));
    }
}

package org.syncsuite.gateway.service;

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
import org.syncsuite.gateway.writer.BucketWriter;

/**
 * Health of the writer role. Live once started. Ready while every version's writer either
 * writes or stands by; not ready while a failure (storage or Kafka out of reach) is being
 * retried, with the failure in the check's data.
 */
@ApplicationScoped
public class WriterHealth {

    static final String CHECK = "writer";

    @Inject
    WriterService service;
    @Inject
    GatewayRole role;

    @Produces
    @Liveness
    HealthCheck liveness() {
        return () -> response(service.isStarted() || !role.writes(), data());
    }

    @Produces
    @Readiness
    HealthCheck readiness() {
        return () -> {
            Map<String, Object> data = data();
            if (!role.writes()) {
                return response(true, data);
            }
            if (!service.isStarted()) {
                return response(false, data);
            }
            Optional<Exception> failure = service.stats().lastFailure();
            failure.ifPresent(e -> data.put("retrying", String.valueOf(e.getMessage())));
            return response(failure.isEmpty(), data);
        };
    }

    private Map<String, Object> data() {
        Map<String, Object> data = new LinkedHashMap<>();
        if (!role.writes()) {
            data.put("role", "not in this process (gateway.role " + role.name().toLowerCase(java.util.Locale.ROOT) + ")");
            return data;
        }
        data.put("deployedVersion", service.deployedVersion());
        for (Map.Entry<Integer, BucketWriter> writer : service.writers().entrySet()) {
            BucketWriter w = writer.getValue();
            data.put("version" + writer.getKey(), w.isOwner() ? "active, lag " + Math.max(0, w.lag()) : "standby");
        }
        data.put("checkpoints", service.stats().checkpoints());
        return data;
    }

    // Built directly, so that the checks need no MicroProfile Health implementation outside a container.
    private static HealthCheckResponse response(boolean up, Map<String, Object> data) {
        return new HealthCheckResponse(CHECK, up ? HealthCheckResponse.Status.UP : HealthCheckResponse.Status.DOWN,
                Optional.of(data));
    }
}

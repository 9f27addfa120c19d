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
import org.syncsuite.gateway.api.CheckpointHub;
import org.syncsuite.gateway.api.SyncApi;

/**
 * Health of the api role, beside PowerSync's {@code /probes}: live once started; ready while a
 * sync config version is active with a checkpoint and the checkpoints topic is followed, with the
 * served version and checkpoint and the open streams in the data.
 */
@ApplicationScoped
public class ApiHealth {

    static final String CHECK = "api";

    @Inject
    ApiService service;
    @Inject
    GatewayRole role;

    @Produces
    @Liveness
    HealthCheck liveness() {
        return () -> response(!role.serves() || service.api().isPresent(), data());
    }

    @Produces
    @Readiness
    HealthCheck readiness() {
        return () -> response(!role.serves() || service.api().map(SyncApi::hub)
                .map(hub -> hub.served().isPresent() && hub.isFollowing()).orElse(false), data());
    }

    private Map<String, Object> data() {
        Map<String, Object> data = new LinkedHashMap<>();
        if (!role.serves()) {
            data.put("role", "not in this process (gateway.role " + role.name().toLowerCase(java.util.Locale.ROOT) + ")");
            return data;
        }
        Optional<SyncApi> api = service.api();
        data.put("streams", api.map(SyncApi::openStreams).orElse(0));
        api.flatMap(a -> a.hub().served()).ifPresent(served -> {
            data.put("version", served.version());
            data.put("checkpoint", served.checkpoint());
        });
        data.put("followingCheckpointsTopic", api.map(a -> a.hub().isFollowing()).orElse(false));
        return data;
    }

    private static HealthCheckResponse response(boolean up, Map<String, Object> data) {
        return new HealthCheckResponse(CHECK, up ? HealthCheckResponse.Status.UP : HealthCheckResponse.Status.DOWN,
                Optional.of(data));
    }
}

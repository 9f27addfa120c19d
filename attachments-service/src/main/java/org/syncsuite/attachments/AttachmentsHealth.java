package org.syncsuite.attachments;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready while the metadata database answers. S3 being out of reach does not take the service
 * out: deletes are still accepted and queued; the check shows the store's state and the queue.
 */
@Readiness
@ApplicationScoped
public class AttachmentsHealth implements HealthCheck {

    @Inject
    Metadata metadata;

    @Inject
    WorkQueue queue;

    @Override
    public HealthCheckResponse call() {
        // Built directly, not through the API's builder, which needs a provider of the runtime's.
        try {
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("pending_deletes", metadata.pending(WorkItem.Kind.DELETE));
            data.put("pending_verifications", metadata.pending(WorkItem.Kind.VERIFY));
            data.put("bucket", queue.bucketReady() ? "ready" : "not reachable yet");
            data.put("last_queue_error", queue.lastError());
            return new HealthCheckResponse("attachments", HealthCheckResponse.Status.UP, Optional.of(data));
        } catch (RuntimeException e) {
            return new HealthCheckResponse("attachments", HealthCheckResponse.Status.DOWN,
                    Optional.of(Map.of("error", String.valueOf(e.getMessage()))));
        }
    }
}

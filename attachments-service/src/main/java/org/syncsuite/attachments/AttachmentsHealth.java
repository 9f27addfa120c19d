package org.syncsuite.attachments;

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
        try {
            return HealthCheckResponse.named("attachments").up()
                    .withData("pending_deletes", metadata.pending(WorkItem.Kind.DELETE))
                    .withData("pending_verifications", metadata.pending(WorkItem.Kind.VERIFY))
                    .withData("bucket", queue.bucketReady() ? "ready" : "not reachable yet")
                    .withData("last_queue_error", queue.lastError()).build();
        } catch (RuntimeException e) {
            return HealthCheckResponse.named("attachments").down().withData("error", String.valueOf(e.getMessage())).build();
        }
    }
}

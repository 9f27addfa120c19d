package org.syncsuite.client.attachments;

import java.time.Instant;
import java.util.Optional;

/**
 * The last failure of an attachment's transfer, kept in memory until the attachment's next
 * success or its removal.
 *
 * @param attachmentId the attachment
 * @param operation    what failed
 * @param message      the failure's message (the service's error included)
 * @param error        the failure itself
 * @param attempts     how many times in a row this operation failed
 * @param at           when it failed
 * @param retryAt      when it is tried again; empty when the handler gave up (the attachment was archived)
 */
public record AttachmentError(String attachmentId, Operation operation, String message, Exception error, int attempts,
                              Instant at, Optional<Instant> retryAt) {

    /** The transfer that failed. */
    public enum Operation {
        /** Sending a saved file to remote storage. */
        UPLOAD,
        /** Fetching a referenced file from remote storage. */
        DOWNLOAD,
        /** Deleting a file from remote (and local) storage. */
        DELETE
    }

    /** Whether the queue tries again. */
    public boolean willRetry() {
        return retryAt.isPresent();
    }
}

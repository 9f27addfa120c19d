package org.syncsuite.client.attachments;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Decides, when a transfer fails, whether the queue tries it again later (with a growing backoff)
 * or gives up and archives the attachment. Each method gets the whole record and the failure and
 * returns true to retry. The defaults follow {@link #retryable(Throwable)}.
 */
public interface AttachmentErrorHandler {

    /** The handler with the default decisions for every operation. */
    AttachmentErrorHandler DEFAULT = new AttachmentErrorHandler() {
    };

    /** An upload failed: true to try again later, false to archive the attachment. */
    default boolean onUploadError(Attachment attachment, Exception error) {
        return retryable(error);
    }

    /**
     * A download failed: true to try again later, false to archive the attachment. By default a
     * file the remote does not have yet is waited for too (with the backoff): the row that
     * references it often syncs before the other device's upload of the file has finished.
     */
    default boolean onDownloadError(Attachment attachment, Exception error) {
        return retryable(error) || (error instanceof RemoteStorageException remote && remote.notFound());
    }

    /**
     * A delete failed: true to try again later, false to give up (the record is archived, and its
     * local file goes when the archive cache evicts it).
     */
    default boolean onDeleteError(Attachment attachment, Exception error) {
        return retryable(error);
    }

    /**
     * The default decision: a {@link RemoteStorageException} as it says; an {@link IOException}
     * (the network, a full disk) or another checked exception is retried; a
     * {@link RuntimeException} (bad input or a bug, which a retry would not fix) is not, unless it
     * wraps an {@link IOException}.
     */
    static boolean retryable(Throwable error) {
        if (error instanceof RemoteStorageException remote) {
            return remote.retryable();
        }
        if (error instanceof UncheckedIOException) {
            return true;
        }
        return !(error instanceof RuntimeException) && !(error instanceof Error);
    }
}

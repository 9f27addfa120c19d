package org.syncsuite.client.attachments;

import java.util.Map;

/**
 * What the queue holds and does at one moment.
 *
 * @param running     whether the queue is started
 * @param counts      how many records are in each state (every state present, 0 when none)
 * @param uploading   uploads in flight
 * @param downloading downloads in flight
 * @param deleting    remote deletes in flight
 * @param errors      the last error of each attachment that has one, by attachment id
 */
public record AttachmentQueueStatus(boolean running, Map<AttachmentState, Long> counts, int uploading, int downloading,
                                    int deleting, Map<String, AttachmentError> errors) {

    public AttachmentQueueStatus {
        counts = Map.copyOf(counts);
        errors = Map.copyOf(errors);
    }

    /** How many records are in {@code state}. */
    public long count(AttachmentState state) {
        return counts.getOrDefault(state, 0L);
    }

    /** Records waiting for a transfer: queued uploads, downloads and deletes. */
    public long pending() {
        return count(AttachmentState.QUEUED_UPLOAD) + count(AttachmentState.QUEUED_DOWNLOAD) + count(AttachmentState.QUEUED_DELETE);
    }
}

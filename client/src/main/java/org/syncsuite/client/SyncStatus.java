package org.syncsuite.client;

import java.time.Instant;
import java.util.Optional;

/**
 * Where syncing stands: connected or connecting; downloading a checkpoint (with how many ops of
 * it arrived, of how many announced); uploading; when the last complete checkpoint was applied;
 * and the last download and upload errors, cleared by the next success.
 */
public record SyncStatus(boolean connected, boolean connecting, boolean downloading, long downloadedOps, long totalOps,
                         boolean uploading, Optional<Instant> lastSyncedAt, Optional<String> downloadError,
                         Optional<String> uploadError) {

    public static final SyncStatus DISCONNECTED = new SyncStatus(false, false, false, 0, 0, false, Optional.empty(),
            Optional.empty(), Optional.empty());

    public boolean hasSynced() {
        return lastSyncedAt.isPresent();
    }

    SyncStatus withConnection(boolean connected, boolean connecting) {
        return new SyncStatus(connected, connecting, downloading && connected, downloadedOps, totalOps, uploading, lastSyncedAt,
                downloadError, uploadError);
    }

    SyncStatus withDownload(boolean downloading, long downloadedOps, long totalOps) {
        return new SyncStatus(connected, connecting, downloading, downloadedOps, totalOps, uploading, lastSyncedAt, downloadError,
                uploadError);
    }

    SyncStatus withSynced(Instant at) {
        return new SyncStatus(connected, connecting, false, downloadedOps, totalOps, uploading, Optional.of(at), Optional.empty(),
                uploadError);
    }

    SyncStatus withDownloadError(Optional<String> error) {
        return new SyncStatus(connected, connecting, downloading, downloadedOps, totalOps, uploading, lastSyncedAt, error,
                uploadError);
    }

    SyncStatus withUpload(boolean uploading, Optional<String> error) {
        return new SyncStatus(connected, connecting, downloading, downloadedOps, totalOps, uploading, lastSyncedAt, downloadError,
                error);
    }
}

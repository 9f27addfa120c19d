package org.syncsuite.client;

/**
 * What the app provides: credentials for the sync gateway (fetched again when they are refused
 * or about to expire), and the upload of queued local writes to the app's own backend.
 */
public interface PowerSyncBackendConnector {

    /** The gateway's endpoint and a fresh token. */
    PowerSyncCredentials fetchCredentials() throws Exception;

    /**
     * Sends queued writes ({@link PowerSyncDatabase#nextCrudTransaction()}) to the backend and
     * completes them. A write the backend refuses for good (a validation error) is completed too;
     * throwing means "try again later", and the same writes come back after a backoff.
     */
    void uploadData(PowerSyncDatabase database) throws Exception;
}

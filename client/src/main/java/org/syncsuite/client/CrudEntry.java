package org.syncsuite.client;

import java.util.Map;
import java.util.Optional;

/**
 * One local write waiting for upload: {@code PUT} (an insert: every non-null column),
 * {@code PATCH} (an update: the columns that changed, {@code null} for those set to NULL) or
 * {@code DELETE}, of row {@code id} of {@code table}, in local transaction {@code transactionId}.
 * {@code clientId} is its position in the queue.
 */
public record CrudEntry(long clientId, Op op, String table, String id, long transactionId, Optional<Map<String, Object>> opData) {

    public enum Op { PUT, PATCH, DELETE }

    public CrudEntry {
        opData = opData.map(java.util.Collections::unmodifiableMap);
    }
}

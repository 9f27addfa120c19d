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

    /**
     * The entry as PowerSync's SDKs serialise it for an app's backend ({@code toJSON()} there):
     * {@code op_id}, {@code op}, {@code type}, {@code id}, {@code tx_id}, and {@code data} when
     * the entry carries values. With the client's id, {@code op_id} lets a backend recognise an
     * entry it has applied before.
     */
    public Map<String, Object> toJson() {
        Map<String, Object> json = new java.util.LinkedHashMap<>();
        json.put("op_id", clientId);
        json.put("op", op.name());
        json.put("type", table);
        json.put("id", id);
        json.put("tx_id", transactionId);
        opData.ifPresent(data -> json.put("data", data));
        return json;
    }
}

package org.syncsuite.demo;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One entry of a client's upload queue, as the PowerSync SDKs serialise a {@code CrudEntry}:
 * {@code {"op": "PUT"|"PATCH"|"DELETE", "type": table, "id": ..., "data": {...}}} ({@code table}
 * is accepted for {@code type}).
 */
record CrudOp(Kind op, String table, String id, Map<String, JsonNode> data) {

    enum Kind { PUT, PATCH, DELETE }

    /** Thrown for a body that is not a batch of CRUD entries: a client bug, answered 400. */
    static final class MalformedBatchException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        MalformedBatchException(String message) {
            super(message);
        }
    }

    /** The entries of {@code {"batch": [...]}}, in order. */
    static List<CrudOp> batch(JsonNode body) {
        if (body == null || !body.path("batch").isArray()) {
            throw new MalformedBatchException("The body must be {\"batch\": [{\"op\", \"type\", \"id\", \"data\"}, ...]}");
        }
        List<CrudOp> ops = new ArrayList<>();
        int index = 0;
        for (JsonNode entry : body.get("batch")) {
            ops.add(parse(entry, index++));
        }
        return ops;
    }

    private static CrudOp parse(JsonNode entry, int index) {
        if (!entry.isObject()) {
            throw new MalformedBatchException("batch[" + index + "] is not an object");
        }
        Kind kind;
        try {
            kind = Kind.valueOf(entry.path("op").asText(""));
        } catch (IllegalArgumentException e) {
            throw new MalformedBatchException("batch[" + index + "].op must be PUT, PATCH or DELETE, not " + entry.get("op"));
        }
        JsonNode table = entry.has("type") ? entry.get("type") : entry.get("table");
        if (table == null || !table.isTextual() || table.asText().isEmpty()) {
            throw new MalformedBatchException("batch[" + index + "].type must name a table");
        }
        JsonNode id = entry.get("id");
        if (id == null || !id.isTextual() || id.asText().isEmpty()) {
            throw new MalformedBatchException("batch[" + index + "].id must be a non-empty string");
        }
        Map<String, JsonNode> data = new LinkedHashMap<>();
        JsonNode values = entry.get("data");
        if (values != null && !values.isNull()) {
            if (!values.isObject()) {
                throw new MalformedBatchException("batch[" + index + "].data must be an object");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = values.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                data.put(field.getKey(), field.getValue());
            }
        }
        return new CrudOp(kind, table.asText(), id.asText(), Map.copyOf(data));
    }
}

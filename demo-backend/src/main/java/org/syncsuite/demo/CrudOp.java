package org.syncsuite.demo;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One entry of a client's upload queue, as the PowerSync SDKs serialise a {@code CrudEntry}:
 * {@code {"op_id": n, "op": "PUT"|"PATCH"|"DELETE", "type": table, "id": ..., "data": {...}}}
 * ({@code table} is accepted for {@code type}). {@code op_id}, the entry's number in the client's
 * queue, is optional; with the batch's {@code client_id} it lets the backend recognise an entry
 * it already applied (see {@link DemoStore}).
 */
record CrudOp(OptionalLong opId, Kind op, String table, String id, Map<String, JsonNode> data) {

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
        JsonNode opId = entry.get("op_id");
        if (opId != null && !opId.isNull() && !opId.canConvertToLong()) {
            throw new MalformedBatchException("batch[" + index + "].op_id must be an integer");
        }
        return new CrudOp(opId == null || opId.isNull() ? OptionalLong.empty() : OptionalLong.of(opId.asLong()), kind,
                table.asText(), id.asText(), Map.copyOf(data));
    }

    /** The batch's {@code client_id}: the uploading client's id, when it gives one. */
    static java.util.Optional<String> clientId(JsonNode body) {
        JsonNode id = body.get("client_id");
        if (id == null || id.isNull()) {
            return java.util.Optional.empty();
        }
        if (!id.isTextual() || id.asText().isEmpty() || id.asText().length() > 64) {
            throw new MalformedBatchException("client_id must be a string of 1 to 64 characters");
        }
        return java.util.Optional.of(id.asText());
    }

    /** SHA-256 of what the entry does (operation, table, id and data, keys sorted), in hex. */
    String fingerprint() {
        StringBuilder text = new StringBuilder(op.name()).append('\n').append(table).append('\n').append(id).append('\n');
        new TreeMap<>(data).forEach((key, value) -> text.append(key).append('=').append(value).append('\n'));
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}

package org.syncsuite.core.protocol;

import java.io.IOException;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.JsonWriter;
import org.syncsuite.core.SyncException;

/**
 * The body of {@code POST /sync/checkpoint-request}: the client's id and the checkpoint request
 * id it allocated (1 to 2^63-1, sent as a string or a number).
 */
public record CheckpointRequest(Optional<String> clientId, long checkpointRequestId) {

    private static final ObjectMapper MAPPER = org.syncsuite.core.JsonMappers.builder().build();

    public CheckpointRequest {
        if (checkpointRequestId < 1) {
            throw new IllegalArgumentException("checkpoint_request_id must be at least 1");
        }
    }

    public static CheckpointRequest parse(byte[] body) {
        JsonNode root;
        try {
            root = MAPPER.readTree(body);
        } catch (IOException e) {
            throw invalid("the body is not valid JSON");
        }
        if (root == null || !root.isObject()) {
            throw invalid("the body must be a JSON object");
        }
        JsonNode client = root.get("client_id");
        if (client != null && !client.isNull() && !client.isTextual()) {
            throw invalid("client_id must be a string");
        }
        JsonNode id = root.get("checkpoint_request_id");
        if (id == null || !(id.isTextual() || id.isIntegralNumber())) {
            throw invalid("checkpoint_request_id must be an integer from 1 to 9223372036854775807, as a string or number");
        }
        long value = OpId.parse(id.asText(), "checkpoint_request_id");
        if (value < 1) {
            throw invalid("checkpoint_request_id must be at least 1");
        }
        return new CheckpointRequest(client == null || client.isNull() ? Optional.empty() : Optional.of(client.asText()), value);
    }

    /** {@code {"data":{"checkpoint_request_id":"<id>"}}}: the id stored after the request. */
    public static String responseJson(long storedId) {
        return new JsonWriter().beginObject().name("data").beginObject()
                .name("checkpoint_request_id").value(OpId.format(storedId))
                .endObject().endObject().toString();
    }

    /** {@code {"data":{"write_checkpoint":"<id>"}}}: the answer of {@code GET /write-checkpoint2.json}. */
    public static String writeCheckpointJson(long writeCheckpoint) {
        return new JsonWriter().beginObject().name("data").beginObject()
                .name("write_checkpoint").value(OpId.format(writeCheckpoint))
                .endObject().endObject().toString();
    }

    /** The write checkpoint key of a user and client: {@code <sub>/<client_id>}, or {@code <sub>} without a client id. */
    public static String checkpointUserId(String subject, Optional<String> clientId) {
        return clientId.filter(id -> !id.isEmpty()).map(id -> subject + "/" + id).orElse(subject);
    }

    private static SyncException invalid(String message) {
        return new SyncException(ErrorCode.REQUEST_INVALID, "Invalid checkpoint request: " + message);
    }
}

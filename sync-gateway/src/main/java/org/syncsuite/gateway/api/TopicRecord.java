package org.syncsuite.gateway.api;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.syncsuite.core.change.SourcePosition;

/**
 * The records of the checkpoints topic ({@code docs/checkpoints-topic.md}) as the api role reads
 * them: a committed checkpoint, or a write checkpoint that some gateway process has just handed
 * out (so that the process holding that client's stream learns of it).
 */
sealed interface TopicRecord {

    ObjectMapper JSON = new ObjectMapper();

    /** A committed checkpoint of a sync config version, with the buckets and lookups that changed since {@code previous}. */
    record Checkpoint(int version, String state, long checkpoint, long previous, SourcePosition position,
                      List<String> buckets, List<String> lookups, boolean invalidateAll, long timestampMillis,
                      long sourceTimestampMillis)
            implements TopicRecord {
    }

    /** Write checkpoint {@code id} of a user and client, acknowledged once a checkpoint reaches {@code position}. */
    record WriteCheckpoint(String userId, String clientId, long id, SourcePosition position) implements TopicRecord {

        byte[] key() {
            ObjectNode key = JSON.createObjectNode().put("write_checkpoint", userId + "/" + clientId);
            return key.toString().getBytes(StandardCharsets.UTF_8);
        }

        byte[] value() {
            ObjectNode value = JSON.createObjectNode();
            value.putObject("write_checkpoint").put("user_id", userId).put("client_id", clientId)
                    .put("id", Long.toString(id)).set("position", parse(position.toJson()));
            return value.toString().getBytes(StandardCharsets.UTF_8);
        }
    }

    /** The record, or empty for a value this reader does not know (newer writers may add kinds). */
    static Optional<TopicRecord> parse(byte[] value) {
        JsonNode node = parse(new String(value, StandardCharsets.UTF_8));
        if (node.has("write_checkpoint")) {
            JsonNode w = node.get("write_checkpoint");
            return Optional.of(new WriteCheckpoint(w.path("user_id").asText(), w.path("client_id").asText(),
                    Long.parseLong(w.path("id").asText("0")), SourcePosition.parseJson(w.path("position").toString())));
        }
        if (!node.has("version") || !node.has("checkpoint")) {
            return Optional.empty();
        }
        return Optional.of(new Checkpoint(node.get("version").asInt(), node.path("state").asText(),
                Long.parseLong(node.get("checkpoint").asText()), Long.parseLong(node.path("previous").asText("0")),
                SourcePosition.parseJson(node.path("position").toString()), strings(node.path("buckets")),
                strings(node.path("lookups")), node.path("invalidate_all").asBoolean(), node.path("ts_ms").asLong(),
                node.path("source_ts_ms").asLong(node.path("ts_ms").asLong())));
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>(array.size());
        array.forEach(item -> values.add(item.asText()));
        return values;
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
        }
    }
}

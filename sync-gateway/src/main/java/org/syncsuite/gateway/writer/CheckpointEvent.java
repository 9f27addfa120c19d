package org.syncsuite.gateway.writer;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.syncsuite.core.change.JsonBuffer;

/**
 * A committed checkpoint, as published on {@code <prefix>.<connection>.checkpoints} (documented in
 * {@code docs/checkpoints-topic.md}). {@code previous} is the checkpoint this one follows: a
 * reader that missed the one in between treats every bucket as changed, as it does when
 * {@code invalidateAll} is set (too many changes to list, or a newly activated version).
 */
public record CheckpointEvent(int versionId, String state, long checkpoint, long previous, String positionJson,
                              long changesOffset, List<String> buckets, List<String> lookups, boolean invalidateAll,
                              long timestampMillis, long sourceTimestampMillis) {

    /** More changed buckets or lookups than this are published as {@code invalidate_all}. */
    public static final int MAX_HINTS = 1_000;

    private static final byte[] VERSION = JsonBuffer.fragment("{\"version\":");

    public CheckpointEvent {
        buckets = List.copyOf(buckets);
        lookups = List.copyOf(lookups);
    }

    /** The record key: the version, so the topic's last record per version is its latest checkpoint. */
    public byte[] key() {
        return new JsonBuffer(24).raw(VERSION).number(versionId).raw('}').toByteArray();
    }

    public byte[] value() {
        JsonBuffer json = new JsonBuffer(256 + 48 * (buckets.size() + lookups.size()));
        json.raw(VERSION).number(versionId)
                .raw(JsonBuffer.fragment(",\"state\":")).string(state)
                .raw(JsonBuffer.fragment(",\"checkpoint\":")).string(Long.toString(checkpoint))
                .raw(JsonBuffer.fragment(",\"previous\":")).string(Long.toString(previous))
                .raw(JsonBuffer.fragment(",\"position\":")).raw(positionJson.getBytes(StandardCharsets.UTF_8))
                .raw(JsonBuffer.fragment(",\"changes_offset\":")).number(changesOffset)
                .raw(JsonBuffer.fragment(",\"invalidate_all\":")).raw(JsonBuffer.fragment(Boolean.toString(invalidateAll)));
        json.raw(JsonBuffer.fragment(",\"buckets\":"));
        strings(json, buckets);
        json.raw(JsonBuffer.fragment(",\"lookups\":"));
        strings(json, lookups);
        return json.raw(JsonBuffer.fragment(",\"ts_ms\":")).number(timestampMillis)
                .raw(JsonBuffer.fragment(",\"source_ts_ms\":")).number(sourceTimestampMillis).raw('}').toByteArray();
    }

    private static void strings(JsonBuffer json, List<String> values) {
        json.raw('[');
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                json.raw(',');
            }
            json.string(values.get(i));
        }
        json.raw(']');
    }
}

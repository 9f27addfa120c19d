package org.syncsuite.gateway.writer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.syncsuite.core.change.JsonBuffer;
import org.syncsuite.gateway.storage.CurrentData;

/**
 * Where one source row is now: the buckets it is in (with the output table and id it has there)
 * and the parameter lookups it contributes to. Stored in {@code current_data} as a JSON array
 * whose first entry is {@code {"bucket","table","id"}} and whose later entries are the bucket name
 * alone when the row has the same table and id there as in the entry before (the usual case), and
 * length-prefixed lookup names.
 */
record RowMembership(List<BucketEntry> buckets, List<ByteBuffer> lookups) {

    static final RowMembership NONE = new RowMembership(List.of(), List.of());

    private static final ObjectMapper MAPPER = JsonMapper.builder().build();
    private static final byte[] FIRST_BUCKET = JsonBuffer.fragment("{\"bucket\":");
    private static final byte[] NEXT_BUCKET = JsonBuffer.fragment(",{\"bucket\":");
    private static final byte[] TABLE = JsonBuffer.fragment(",\"table\":");
    private static final byte[] ID = JsonBuffer.fragment(",\"id\":");

    /** The row in {@code bucket}, as {@code table}/{@code id}. */
    record BucketEntry(String bucket, String table, String id) {
    }

    boolean isEmpty() {
        return buckets.isEmpty() && lookups.isEmpty();
    }

    CurrentData.Membership encode() {
        JsonBuffer json = new JsonBuffer(128 * buckets.size() + 2);
        json.raw('[');
        BucketEntry previous = null;
        for (int i = 0; i < buckets.size(); i++) {
            BucketEntry entry = buckets.get(i);
            if (previous != null && previous.table().equals(entry.table()) && previous.id().equals(entry.id())) {
                json.raw(',').string(entry.bucket());
            } else {
                json.raw(i == 0 ? FIRST_BUCKET : NEXT_BUCKET).string(entry.bucket())
                        .raw(TABLE).string(entry.table()).raw(ID).string(entry.id()).raw('}');
            }
            previous = entry;
        }
        json.raw(']');
        Optional<byte[]> lookupBytes = Optional.empty();
        if (!lookups.isEmpty()) {
            int size = 0;
            for (ByteBuffer lookup : lookups) {
                size += 4 + lookup.remaining();
            }
            ByteBuffer out = ByteBuffer.allocate(size);
            for (ByteBuffer lookup : lookups) {
                out.putInt(lookup.remaining()).put(lookup.duplicate());
            }
            lookupBytes = Optional.of(out.array());
        }
        return new CurrentData.Membership(new String(json.toByteArray(), StandardCharsets.UTF_8), lookupBytes);
    }

    static RowMembership decode(CurrentData.Membership stored) {
        List<BucketEntry> buckets = new ArrayList<>();
        try {
            BucketEntry previous = null;
            for (JsonNode entry : MAPPER.readTree(stored.buckets())) {
                previous = entry.isTextual() && previous != null
                        ? new BucketEntry(entry.asText(), previous.table(), previous.id())
                        : new BucketEntry(entry.path("bucket").asText(), entry.path("table").asText(), entry.path("id").asText());
                buckets.add(previous);
            }
        } catch (IOException e) {
            throw new IllegalStateException("current_data holds a malformed bucket list: " + stored.buckets(), e);
        }
        List<ByteBuffer> lookups = new ArrayList<>();
        if (stored.lookups().isPresent()) {
            ByteBuffer in = ByteBuffer.wrap(stored.lookups().get());
            while (in.remaining() >= 4) {
                byte[] lookup = new byte[in.getInt()];
                in.get(lookup);
                lookups.add(ByteBuffer.wrap(lookup));
            }
        }
        return new RowMembership(List.copyOf(buckets), List.copyOf(lookups));
    }
}

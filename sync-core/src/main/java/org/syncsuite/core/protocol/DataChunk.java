package org.syncsuite.core.protocol;

import java.util.List;
import java.util.Objects;

import org.syncsuite.core.DocumentWriter;

/**
 * {@code data}: a chunk of one bucket's ops after {@code after}, up to {@code nextAfter} (the last
 * op's id); {@code hasMore} says another chunk of this bucket follows. Never empty.
 */
public record DataChunk(String bucket, long after, long nextAfter, boolean hasMore, List<OplogEntry> data)
        implements SyncLine {

    public DataChunk {
        Objects.requireNonNull(bucket, "bucket");
        data = List.copyOf(data);
        if (data.isEmpty()) {
            throw new IllegalArgumentException("A data chunk is never empty");
        }
    }

    @Override
    public void write(DocumentWriter out, WireOptions options) {
        out.beginObject().name("data").beginObject();
        out.name("bucket").value(bucket);
        out.name("after").value(OpId.format(after));
        out.name("next_after").value(OpId.format(nextAfter));
        out.name("has_more").value(hasMore);
        out.name("data").beginArray();
        for (OplogEntry entry : data) {
            entry.write(out, options);
        }
        out.endArray();
        out.endObject().endObject();
    }
}

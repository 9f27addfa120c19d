package org.syncsuite.core.protocol;

import java.util.List;
import java.util.OptionalLong;

import org.syncsuite.core.DocumentWriter;

/**
 * {@code checkpoint}: the full state at {@code lastOpId}, the first real line of a connection.
 * {@code writeCheckpoint} is the latest write checkpoint of this user and client that the
 * checkpoint reaches, omitted when there is none.
 */
public record Checkpoint(long lastOpId, OptionalLong writeCheckpoint, List<BucketChecksum> buckets,
                         List<StreamDescription> streams) implements SyncLine {

    public Checkpoint {
        buckets = List.copyOf(buckets);
        streams = List.copyOf(streams);
    }

    @Override
    public void write(DocumentWriter out, WireOptions options) {
        out.beginObject().name("checkpoint").beginObject();
        out.name("last_op_id").value(OpId.format(lastOpId));
        if (writeCheckpoint.isPresent()) {
            out.name("write_checkpoint").value(OpId.format(writeCheckpoint.getAsLong()));
        }
        out.name("buckets");
        BucketChecksum.writeAll(out, buckets);
        out.name("streams").beginArray();
        streams.forEach(stream -> stream.write(out));
        out.endArray();
        out.endObject().endObject();
    }
}

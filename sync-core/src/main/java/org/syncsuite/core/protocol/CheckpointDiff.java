package org.syncsuite.core.protocol;

import java.util.List;
import java.util.OptionalLong;

import org.syncsuite.core.DocumentWriter;

/**
 * {@code checkpoint_diff}: what changed since the last checkpoint or diff on this connection:
 * new buckets and buckets whose checksum or count changed, and buckets no longer in the set.
 * Also sent when only the write checkpoint moved, with both lists empty.
 */
public record CheckpointDiff(long lastOpId, OptionalLong writeCheckpoint, List<BucketChecksum> updatedBuckets,
                             List<String> removedBuckets) implements SyncLine {

    public CheckpointDiff {
        updatedBuckets = List.copyOf(updatedBuckets);
        removedBuckets = List.copyOf(removedBuckets);
    }

    @Override
    public void write(DocumentWriter out, WireOptions options) {
        out.beginObject().name("checkpoint_diff").beginObject();
        out.name("last_op_id").value(OpId.format(lastOpId));
        if (writeCheckpoint.isPresent()) {
            out.name("write_checkpoint").value(OpId.format(writeCheckpoint.getAsLong()));
        }
        out.name("updated_buckets");
        BucketChecksum.writeAll(out, updatedBuckets);
        out.name("removed_buckets").beginArray();
        removedBuckets.forEach(out::value);
        out.endArray();
        out.endObject().endObject();
    }
}

package org.syncsuite.core.protocol;

import java.util.List;
import java.util.Objects;

import org.syncsuite.core.Checksums;
import org.syncsuite.core.DocumentWriter;

/**
 * A bucket in a checkpoint: its id, checksum and op count up to the checkpoint, priority, and
 * why the client gets it. The checksum is sent as a signed 32-bit integer, as PowerSync does.
 */
public record BucketChecksum(String bucket, long checksum, long count, int priority,
                             List<InclusionReason> subscriptions) {

    public BucketChecksum {
        Objects.requireNonNull(bucket, "bucket");
        subscriptions = List.copyOf(subscriptions);
        if (priority < 0 || priority > 3) {
            throw new IllegalArgumentException("priority must be 0..3, not " + priority);
        }
    }

    void write(DocumentWriter out) {
        out.beginObject();
        out.name("bucket").value(bucket);
        out.name("checksum").value(Checksums.toSigned(checksum));
        out.name("count").value(count);
        out.name("priority").value(priority);
        out.name("subscriptions").beginArray();
        for (InclusionReason reason : subscriptions) {
            reason.write(out);
        }
        out.endArray();
        out.endObject();
    }

    static void writeAll(DocumentWriter out, List<BucketChecksum> buckets) {
        out.beginArray();
        for (BucketChecksum bucket : buckets) {
            bucket.write(out);
        }
        out.endArray();
    }
}

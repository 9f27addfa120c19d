package org.syncsuite.core.protocol;

import org.syncsuite.core.DocumentWriter;

/** {@code partial_checkpoint_complete}: every bucket of priority up to {@code priority} is complete. */
public record PartialCheckpointComplete(long lastOpId, int priority) implements SyncLine {

    public PartialCheckpointComplete {
        if (priority < 0 || priority > 3) {
            throw new IllegalArgumentException("priority must be 0..3, not " + priority);
        }
    }

    @Override
    public void write(DocumentWriter out, WireOptions options) {
        out.beginObject().name("partial_checkpoint_complete").beginObject()
                .name("last_op_id").value(OpId.format(lastOpId))
                .name("priority").value(priority)
                .endObject().endObject();
    }
}

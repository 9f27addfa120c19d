package org.syncsuite.core.protocol;

import org.syncsuite.core.DocumentWriter;

/** {@code checkpoint_complete}: every op of the last announced checkpoint has been sent. */
public record CheckpointComplete(long lastOpId) implements SyncLine {

    @Override
    public void write(DocumentWriter out, WireOptions options) {
        out.beginObject().name("checkpoint_complete").beginObject()
                .name("last_op_id").value(OpId.format(lastOpId))
                .endObject().endObject();
    }
}

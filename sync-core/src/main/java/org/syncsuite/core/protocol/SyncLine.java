package org.syncsuite.core.protocol;

import org.syncsuite.core.DocumentWriter;
import org.syncsuite.core.JsonWriter;

/**
 * One line of the {@code /sync/stream} response: an object with exactly one key naming the
 * line's kind. Written through a {@link DocumentWriter}, so NDJSON and BSON share this code.
 */
public sealed interface SyncLine
        permits Checkpoint, CheckpointDiff, DataChunk, CheckpointComplete, PartialCheckpointComplete, TokenExpiresIn {

    /** Writes the whole line, outer object included. */
    void write(DocumentWriter out, WireOptions options);

    /** The line as NDJSON text, without the newline. */
    default String toJson(WireOptions options) {
        JsonWriter json = new JsonWriter();
        write(json, options);
        return json.toString();
    }

    default String toJson() {
        return toJson(WireOptions.DEFAULT);
    }
}

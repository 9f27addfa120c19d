package org.syncsuite.core.protocol;

import java.util.Objects;
import java.util.Optional;

import org.syncsuite.core.DocumentWriter;

/**
 * One operation of a bucket. PUT and REMOVE carry the row's identity (object type, object id,
 * subkey); PUT also its data, the JSON text of the row. MOVE and CLEAR carry only a checksum,
 * which for CLEAR may be negative (the signed sum of what it replaced).
 */
public record OplogEntry(long opId, OpType op, Optional<String> objectType, Optional<String> objectId,
                         Optional<String> subkey, long checksum, Optional<String> data) {

    /** The four op types. */
    public enum OpType { PUT, REMOVE, MOVE, CLEAR }

    public OplogEntry {
        Objects.requireNonNull(op, "op");
        if ((op == OpType.PUT || op == OpType.REMOVE) && (objectType.isEmpty() || objectId.isEmpty())) {
            throw new IllegalArgumentException(op + " needs an object type and id");
        }
        if (op == OpType.PUT && data.isEmpty()) {
            throw new IllegalArgumentException("PUT needs data");
        }
    }

    public static OplogEntry put(long opId, String objectType, String objectId, String subkey, long checksum, String data) {
        return new OplogEntry(opId, OpType.PUT, Optional.of(objectType), Optional.of(objectId), Optional.of(subkey),
                checksum, Optional.of(data));
    }

    public static OplogEntry remove(long opId, String objectType, String objectId, String subkey, long checksum) {
        return new OplogEntry(opId, OpType.REMOVE, Optional.of(objectType), Optional.of(objectId), Optional.of(subkey),
                checksum, Optional.empty());
    }

    public static OplogEntry move(long opId, long checksum) {
        return new OplogEntry(opId, OpType.MOVE, Optional.empty(), Optional.empty(), Optional.empty(), checksum,
                Optional.empty());
    }

    public static OplogEntry clear(long opId, long checksum) {
        return new OplogEntry(opId, OpType.CLEAR, Optional.empty(), Optional.empty(), Optional.empty(), checksum,
                Optional.empty());
    }

    void write(DocumentWriter out, WireOptions options) {
        out.beginObject();
        out.name("op_id").value(OpId.format(opId));
        out.name("op").value(op.name());
        if (objectType.isPresent()) {
            out.name("object_type").value(objectType.get());
            out.name("object_id").value(objectId.orElseThrow());
        }
        if (subkey.isPresent()) {
            out.name("subkey").value(subkey.get());
        }
        out.name("checksum").value(checksum);
        if (data.isPresent()) {
            out.name("data");
            if (options.rawData() || !(out instanceof org.syncsuite.core.JsonWriter json)) {
                out.value(data.get());
            } else {
                json.rawValue(data.get()); // legacy NDJSON clients: the row as a nested object
            }
        }
        out.endObject();
    }
}

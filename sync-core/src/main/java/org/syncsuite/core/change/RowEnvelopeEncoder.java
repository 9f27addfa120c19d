package org.syncsuite.core.change;

import java.util.List;
import java.util.Optional;

/**
 * Encodes the row changes of one table straight into the changes topic's bytes, the same bytes
 * {@link ChangeEventCodec#key} and {@link ChangeEventCodec#value} give for the equivalent
 * {@link ChangeRecord.RowChange}, without building one: the parts that do not change from row to
 * row (column names, the {@code source} block's connector, connection, database and table, and
 * per binlog event its GTID, file, position and time) are encoded once, and the column values
 * are written by a {@link RowImage} straight from the source's form.
 *
 * <p>Not thread-safe: one per table and thread. The arrays returned are the caller's.
 */
public final class RowEnvelopeEncoder {

    /** The columns of one row image, by their position in the table's column list. */
    public interface RowImage {

        /** Whether the image holds the column: a binlog row image may leave columns out. */
        boolean has(int column);

        /** Writes the column's value as JSON; returns true for a BLOB, written as base64. */
        boolean write(int column, JsonBuffer out);
    }

    private static final byte[] NULL = JsonBuffer.fragment("null");
    private static final byte[] AFTER = JsonBuffer.fragment(",\"after\":");
    private static final byte[] BINARY = JsonBuffer.fragment(",\"binary\":[");
    private static final byte[] KEY_END = JsonBuffer.fragment("}}");
    private static final byte[] FILE = JsonBuffer.fragment(",\"file\":");
    private static final byte[] POS = JsonBuffer.fragment(",\"pos\":");
    private static final byte[] ROW = JsonBuffer.fragment(",\"row\":");

    private final byte[][] opPrefix = new byte[ChangeRecord.Op.values().length][];
    /** {@code "name":} for each column, and with a leading comma. */
    private final byte[][] names;
    private final byte[][] commaNames;
    private final byte[][] quotedNames;
    /** The position of each key column in the column list, or -1 when it is not a column. */
    private final int[] keyColumns;
    private final byte[][] keyNames;
    private final byte[] keyPrefix;
    private final byte[] sourceHead;
    private final byte[] sourceTail;
    private final byte[] snapshotTail;
    /** For each column, its index among the key columns, or -1. */
    private final int[] keyIndex;

    private final JsonBuffer value = new JsonBuffer(1024);
    private final JsonBuffer key = new JsonBuffer(128);
    private final JsonBuffer source = new JsonBuffer(128);
    private int sourceRowAt;
    private long lastTimestamp;
    private byte[] timestampText;
    private boolean sourceSet;

    /** Where each key column's value was written in {@link #value}, for the before [0] and after [1] images. */
    private final int[][] keyFrom;
    private final int[][] keyTo;
    private final boolean[] binarySeen;
    private final int[] binaryOrder;
    private int binaryCount;
    private boolean keyChanged;

    /**
     * @param connector  {@code mysql} or {@code mariadb}
     * @param connection the connection id ({@code source.name})
     * @param serverId   {@code source.server_id}
     * @param snapshot   whether the rows are read by the initial snapshot ({@code source.snapshot})
     */
    public RowEnvelopeEncoder(String connector, String connection, String database, String table,
                              List<String> columns, List<String> keyColumns, long serverId, boolean snapshot) {
        for (ChangeRecord.Op op : ChangeRecord.Op.values()) {
            opPrefix[op.ordinal()] = JsonBuffer.fragment("{\"op\":\"" + op.code() + "\",\"before\":");
        }
        int count = columns.size();
        names = new byte[count][];
        commaNames = new byte[count][];
        quotedNames = new byte[count][];
        for (int i = 0; i < count; i++) {
            byte[] quoted = JsonBuffer.encodeString(columns.get(i));
            quotedNames[i] = quoted;
            names[i] = new JsonBuffer(quoted.length + 2).raw(quoted).raw(':').toByteArray();
            commaNames[i] = new JsonBuffer(quoted.length + 2).raw(',').raw(quoted).raw(':').toByteArray();
        }
        this.keyColumns = new int[keyColumns.size()];
        this.keyNames = new byte[keyColumns.size()][];
        for (int k = 0; k < keyColumns.size(); k++) {
            this.keyColumns[k] = columns.indexOf(keyColumns.get(k));
            JsonBuffer name = new JsonBuffer(32);
            if (k > 0) {
                name.raw(',');
            }
            keyNames[k] = name.string(keyColumns.get(k)).raw(':').toByteArray();
        }
        keyPrefix = new JsonBuffer(64).raw(JsonBuffer.fragment("{\"db\":")).string(database)
                .raw(JsonBuffer.fragment(",\"table\":")).string(table).raw(JsonBuffer.fragment(",\"key\":{")).toByteArray();
        sourceHead = new JsonBuffer(128).raw(JsonBuffer.fragment(",\"source\":{\"connector\":")).string(connector)
                .raw(JsonBuffer.fragment(",\"name\":")).string(connection)
                .raw(JsonBuffer.fragment(",\"db\":")).string(database)
                .raw(JsonBuffer.fragment(",\"table\":")).string(table)
                .raw(JsonBuffer.fragment(",\"gtid\":")).toByteArray();
        sourceTail = new JsonBuffer(64).raw(JsonBuffer.fragment(",\"server_id\":")).number(serverId)
                .raw(JsonBuffer.fragment(",\"ts_ms\":")).toByteArray();
        snapshotTail = JsonBuffer.fragment(",\"snapshot\":\"" + snapshot + "\"},\"ts_ms\":");
        keyFrom = new int[2][keyColumns.size()];
        keyTo = new int[2][keyColumns.size()];
        keyIndex = new int[count];
        java.util.Arrays.fill(keyIndex, -1);
        for (int k = this.keyColumns.length - 1; k >= 0; k--) {
            if (this.keyColumns[k] >= 0) {
                keyIndex[this.keyColumns[k]] = k;
            }
        }
        binarySeen = new boolean[count];
        binaryOrder = new int[count];
    }

    /** Where the next rows come from: their binlog event's transaction, position and commit time. */
    public void source(Optional<String> gtid, String file, long offset, long timestampMillis) {
        source.reset().string(gtid.orElse(null)).raw(FILE).string(file).raw(POS).number(offset).raw(ROW);
        sourceRowAt = source.size();
        source.raw(sourceTail).number(timestampMillis).raw(snapshotTail);
        sourceSet = true;
    }

    /**
     * The value of a row change: {@code before} is null for creates and reads, {@code after} for
     * deletes. {@link #key} then gives its key (from {@code after}, else {@code before}).
     *
     * @param row             the row's index within its binlog event ({@code source.row})
     * @param timestampMillis when the replicator wrote it (the top-level {@code ts_ms})
     */
    public byte[] encode(ChangeRecord.Op op, RowImage before, RowImage after, int row, long timestampMillis) {
        if (!sourceSet) {
            throw new IllegalStateException("source(...) first");
        }
        if (before == null && after == null) {
            throw new IllegalArgumentException("a row change has a before or an after image");
        }
        JsonBuffer out = value.reset();
        binaryCount = 0;
        out.raw(opPrefix[op.ordinal()]);
        image(out, before, 0);
        out.raw(AFTER);
        image(out, after, 1);
        out.raw(sourceHead).append(source, 0, sourceRowAt).number(row).append(source, sourceRowAt, source.size());
        if (timestampMillis != lastTimestamp || timestampText == null) {
            timestampText = new JsonBuffer(24).number(timestampMillis).toByteArray(); // rows written in one millisecond share it
            lastTimestamp = timestampMillis;
        }
        out.raw(timestampText);
        if (binaryCount > 0) {
            out.raw(BINARY);
            for (int i = 0; i < binaryCount; i++) {
                if (i > 0) {
                    out.raw(',');
                }
                out.raw(quotedNames[binaryOrder[i]]);
                binarySeen[binaryOrder[i]] = false;
            }
            out.raw(']');
        }
        out.raw('}');
        int side = after != null ? 1 : 0;
        key.reset().raw(keyPrefix);
        for (int k = 0; k < keyColumns.length; k++) {
            key.raw(keyNames[k]);
            if (keyFrom[side][k] < 0) {
                key.raw(NULL);
            } else {
                key.append(out, keyFrom[side][k], keyTo[side][k]);
            }
        }
        key.raw(KEY_END);
        keyChanged = before != null && after != null && !sameKey();
        return out.toByteArray();
    }

    /** The key of the row last encoded. */
    public byte[] key() {
        return key.toByteArray();
    }

    /** Whether the update last encoded changed the row's key (its before image has another key). */
    public boolean keyChanged() {
        return keyChanged;
    }

    private boolean sameKey() {
        for (int k = 0; k < keyColumns.length; k++) {
            boolean same = keyFrom[0][k] < 0 || keyFrom[1][k] < 0
                    ? isNull(0, k) && isNull(1, k)
                    : value.rangeEquals(keyFrom[0][k], keyTo[0][k], keyFrom[1][k], keyTo[1][k]);
            if (!same) {
                return false;
            }
        }
        return true;
    }

    /** A key column left out of an image counts as NULL, as when it holds NULL. */
    private boolean isNull(int side, int k) {
        int from = keyFrom[side][k];
        return from < 0 || value.rangeEquals(from, keyTo[side][k], NULL);
    }

    private void image(JsonBuffer out, RowImage image, int side) {
        int[] from = keyFrom[side];
        java.util.Arrays.fill(from, -1);
        if (image == null) {
            out.raw(NULL);
            return;
        }
        out.raw('{');
        boolean first = true;
        for (int i = 0; i < names.length; i++) {
            if (!image.has(i)) {
                continue;
            }
            out.raw(first ? names[i] : commaNames[i]);
            first = false;
            int start = out.size();
            if (image.write(i, out) && !binarySeen[i]) {
                binarySeen[i] = true;
                binaryOrder[binaryCount++] = i;
            }
            int k = keyIndex[i];
            if (k >= 0) {
                from[k] = start;
                keyTo[side][k] = out.size();
            }
        }
        out.raw('}');
    }
}

package org.syncsuite.core.change;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.syncsuite.core.JsonWriter;
import org.syncsuite.core.SqliteValue;

/**
 * The changes topic's encoding as it was written before {@link JsonBuffer} (through
 * {@link JsonWriter} and a String), kept unchanged as the reference the byte-level encoders are
 * compared with.
 */
final class LegacyChangeEventCodec {

    private LegacyChangeEventCodec() {
    }

    // ------------------------------------------------------------------ keys

    public static byte[] key(ChangeRecord record) {
        JsonWriter json = new JsonWriter().beginObject();
        switch (record) {
            case ChangeRecord.RowChange row -> rowKey(json, row.database(), row.table(), row.key());
            case ChangeRecord.Tombstone tombstone -> rowKey(json, tombstone.database(), tombstone.table(), tombstone.key());
            case ChangeRecord.PositionMarker marker -> json.name("position").value(marker.connection());
            case ChangeRecord.SchemaChange schema -> json.name("schema").value(schema.database() + "." + schema.table());
            case ChangeRecord.Truncate truncate -> json.name("truncate").value(truncate.database() + "." + truncate.table());
        }
        return bytes(json.endObject());
    }

    private static void rowKey(JsonWriter json, String database, String table, Map<String, SqliteValue> key) {
        json.name("db").value(database).name("table").value(table).name("key");
        writeColumns(json, key, new ArrayList<>());
    }

    // ------------------------------------------------------------------ values

    /** The record's value; {@code null} for a tombstone. */
    public static byte[] value(ChangeRecord record) {
        return switch (record) {
            case ChangeRecord.Tombstone tombstone -> null;
            case ChangeRecord.RowChange row -> rowValue(row);
            case ChangeRecord.PositionMarker marker -> {
                SourcePosition p = marker.position();
                JsonWriter json = new JsonWriter().beginObject().name("op").value("p")
                        .name("connection").value(marker.connection())
                        .name("position").beginObject()
                        .name("gtids").value(p.gtidSet()).name("file").value(p.file()).name("pos").value(p.offset())
                        .name("skip_events").value(p.eventsToSkip()).name("skip_rows").value(p.rowsToSkip())
                        .endObject();
                if (marker.snapshot().isPresent()) {
                    SnapshotProgress progress = marker.snapshot().get();
                    json.name("snapshot").beginObject().name("done").beginArray();
                    progress.doneTables().forEach(json::value);
                    json.endArray().name("table").value(progress.table().orElse(null)).name("after");
                    if (progress.lastKey().isPresent()) {
                        writeColumns(json, progress.lastKey().get(), new ArrayList<>());
                    } else {
                        json.nullValue();
                    }
                    json.name("complete").value(progress.complete()).endObject();
                }
                json.name("ts_ms").value(marker.timestampMillis());
                yield bytes(json.endObject());
            }
            case ChangeRecord.SchemaChange schema -> {
                JsonWriter json = new JsonWriter().beginObject().name("op").value("s")
                        .name("db").value(schema.database()).name("table").value(schema.table())
                        .name("columns").beginArray();
                schema.columns().forEach(json::value);
                json.endArray().name("key_columns").beginArray();
                schema.keyColumns().forEach(json::value);
                json.endArray().name("ddl").value(schema.ddl().orElse(null)).name("ts_ms").value(schema.timestampMillis());
                yield bytes(json.endObject());
            }
            case ChangeRecord.Truncate truncate -> bytes(new JsonWriter().beginObject().name("op").value("t")
                    .name("db").value(truncate.database()).name("table").value(truncate.table())
                    .name("dropped").value(truncate.dropped()).name("ts_ms").value(truncate.timestampMillis()).endObject());
        };
    }

    private static byte[] rowValue(ChangeRecord.RowChange row) {
        List<String> binary = new ArrayList<>();
        JsonWriter json = new JsonWriter(new StringBuilder(512)).beginObject();
        json.name("op").value(row.op().code());
        json.name("before");
        if (row.before().isPresent()) {
            writeColumns(json, row.before().get(), binary);
        } else {
            json.nullValue();
        }
        json.name("after");
        if (row.after().isPresent()) {
            writeColumns(json, row.after().get(), binary);
        } else {
            json.nullValue();
        }
        ChangeRecord.Source s = row.source();
        json.name("source").beginObject()
                .name("connector").value(s.connector()).name("name").value(s.connection())
                .name("db").value(s.database()).name("table").value(s.table())
                .name("gtid").value(s.gtid().orElse(null)).name("file").value(s.file()).name("pos").value(s.offset())
                .name("row").value(s.row()).name("server_id").value(s.serverId()).name("ts_ms").value(s.timestampMillis())
                .name("snapshot").value(s.snapshot() ? "true" : "false")
                .endObject();
        json.name("ts_ms").value(row.timestampMillis());
        if (!binary.isEmpty()) {
            json.name("binary").beginArray();
            binary.stream().distinct().forEach(json::value);
            json.endArray();
        }
        return bytes(json.endObject());
    }

    private static void writeColumns(JsonWriter json, Map<String, SqliteValue> columns, List<String> binary) {
        json.beginObject();
        for (Map.Entry<String, SqliteValue> column : columns.entrySet()) {
            json.name(column.getKey());
            switch (column.getValue()) {
                case SqliteValue.Null n -> json.nullValue();
                case SqliteValue.Integer i -> json.value(i.value());
                case SqliteValue.Real r -> {
                    double v = r.value();
                    if (Double.isFinite(v)) {
                        json.rawValue(Double.toString(v)); // keeps the fraction, so it reads back as REAL
                    } else {
                        json.nullValue();
                    }
                }
                case SqliteValue.Text t -> json.value(t.value());
                case SqliteValue.Blob b -> {
                    json.value(Base64.getEncoder().encodeToString(b.value()));
                    binary.add(column.getKey());
                }
            }
        }
        json.endObject();
    }

    private static byte[] bytes(JsonWriter json) {
        return json.toString().getBytes(StandardCharsets.UTF_8);
    }

}

package org.syncsuite.core.change;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.JsonWriter;
import org.syncsuite.core.SqliteValue;
import org.syncsuite.core.SyncException;

/**
 * The changes topic's record format, a public API documented in {@code docs/changes-topic.md}.
 * Keys and values are compact UTF-8 JSON; row values follow the shape of Debezium's change
 * envelope. Keys are deterministic (same row, same bytes), which log compaction relies on.
 * Column values are SQLite values: integers exact, reals always with a fraction or exponent,
 * text as strings, and blobs as base64 strings listed under {@code binary}. Thread-safe.
 */
public final class ChangeEventCodec {

    private static final ObjectMapper MAPPER = JsonMapper.builder().build();

    private ChangeEventCodec() {
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

    // ------------------------------------------------------------------ decoding

    /** Decodes a record of the changes topic; a malformed one is a {@link SyncException}. */
    public static ChangeRecord decode(byte[] key, byte[] value) {
        JsonNode k = parse(key, "key");
        if (value == null) {
            if (!k.has("table")) {
                throw malformed("a tombstone must have a row key");
            }
            return new ChangeRecord.Tombstone(text(k, "db"), text(k, "table"), columns(k.get("key"), Set.of()));
        }
        JsonNode v = parse(value, "value");
        String op = text(v, "op");
        long ts = v.path("ts_ms").asLong();
        return switch (op) {
            case "c", "u", "d", "r" -> {
                Set<String> binary = new HashSet<>();
                v.path("binary").forEach(name -> binary.add(name.asText()));
                JsonNode source = v.path("source");
                ChangeRecord.Source s = new ChangeRecord.Source(text(source, "connector"), text(source, "name"),
                        text(source, "db"), text(source, "table"),
                        source.path("gtid").isTextual() ? Optional.of(source.get("gtid").asText()) : Optional.empty(),
                        text(source, "file"), source.path("pos").asLong(), source.path("row").asInt(),
                        source.path("server_id").asLong(), source.path("ts_ms").asLong(),
                        "true".equals(source.path("snapshot").asText()));
                yield new ChangeRecord.RowChange(ChangeRecord.Op.ofCode(op), text(k, "db"), text(k, "table"),
                        columns(k.get("key"), binary), optionalColumns(v.get("before"), binary),
                        optionalColumns(v.get("after"), binary), s, ts);
            }
            case "p" -> {
                JsonNode p = v.path("position");
                Optional<SnapshotProgress> snapshot = Optional.empty();
                JsonNode s = v.get("snapshot");
                if (s != null && s.isObject()) {
                    List<String> done = new ArrayList<>();
                    s.path("done").forEach(t -> done.add(t.asText()));
                    snapshot = Optional.of(new SnapshotProgress(done,
                            s.path("table").isTextual() ? Optional.of(s.get("table").asText()) : Optional.empty(),
                            s.path("after").isObject() ? Optional.of(columns(s.get("after"), Set.of())) : Optional.empty(),
                            s.path("complete").asBoolean()));
                }
                yield new ChangeRecord.PositionMarker(text(v, "connection"), new SourcePosition(text(p, "gtids"),
                        text(p, "file"), p.path("pos").asLong(), p.path("skip_events").asLong(), p.path("skip_rows").asLong()),
                        snapshot, ts);
            }
            case "s" -> {
                List<String> columns = new ArrayList<>();
                v.path("columns").forEach(c -> columns.add(c.asText()));
                List<String> keyColumns = new ArrayList<>();
                v.path("key_columns").forEach(c -> keyColumns.add(c.asText()));
                yield new ChangeRecord.SchemaChange(text(v, "db"), text(v, "table"), columns, keyColumns,
                        v.path("ddl").isTextual() ? Optional.of(v.get("ddl").asText()) : Optional.empty(), ts);
            }
            case "t" -> new ChangeRecord.Truncate(text(v, "db"), text(v, "table"), v.path("dropped").asBoolean(), ts);
            default -> throw malformed("unknown op '" + op + "'");
        };
    }

    private static Optional<Map<String, SqliteValue>> optionalColumns(JsonNode node, Set<String> binary) {
        return node == null || node.isNull() ? Optional.empty() : Optional.of(columns(node, binary));
    }

    private static Map<String, SqliteValue> columns(JsonNode node, Set<String> binary) {
        if (node == null || !node.isObject()) {
            throw malformed("expected an object of columns");
        }
        Map<String, SqliteValue> row = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> column = it.next();
            JsonNode value = column.getValue();
            SqliteValue sql;
            if (value.isNull()) {
                sql = SqliteValue.NULL;
            } else if (value.isTextual()) {
                sql = binary.contains(column.getKey()) ? SqliteValue.ofBlob(Base64.getDecoder().decode(value.asText()))
                        : SqliteValue.of(value.asText());
            } else if (value.isIntegralNumber() && value.canConvertToLong()) {
                sql = SqliteValue.of(value.longValue());
            } else if (value.isNumber()) {
                sql = SqliteValue.of(value.doubleValue());
            } else if (value.isBoolean()) {
                sql = SqliteValue.of(value.booleanValue());
            } else {
                throw malformed("column " + column.getKey() + " holds a nested value");
            }
            row.put(column.getKey(), sql);
        }
        return row;
    }

    private static JsonNode parse(byte[] bytes, String what) {
        try {
            JsonNode node = MAPPER.readTree(bytes);
            if (node == null || !node.isObject()) {
                throw malformed("the " + what + " is not a JSON object");
            }
            return node;
        } catch (IOException e) {
            throw malformed("the " + what + " is not JSON");
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw malformed("missing text field " + field);
        }
        return value.asText();
    }

    private static SyncException malformed(String message) {
        return new SyncException(ErrorCode.ROW_NOT_EVALUATED, "Malformed changes-topic record: " + message);
    }
}

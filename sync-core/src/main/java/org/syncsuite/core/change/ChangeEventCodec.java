package org.syncsuite.core.change;

import java.io.IOException;
import java.nio.ByteBuffer;
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
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.SqliteValue;
import org.syncsuite.core.SyncException;

/**
 * The changes topic's record format, a public API documented in {@code docs/changes-topic.md}.
 * Keys and values are compact UTF-8 JSON; row values follow the shape of Debezium's change
 * envelope. Keys are deterministic (same row, same bytes), which log compaction relies on.
 * Column values are SQLite values: integers exact, reals always with a fraction or exponent,
 * text as strings, and blobs as base64 strings listed under {@code binary}. Thread-safe.
 *
 * <p>Encoding writes UTF-8 bytes directly ({@link JsonBuffer}); the replicator's streaming path
 * writes the same bytes for row changes through {@link RowEnvelopeEncoder}, without building a
 * {@link ChangeRecord}.
 */
public final class ChangeEventCodec {

    /** Only decoding parses JSON: a writer never pays for setting up Jackson. */
    private static final class Parser {
        private static final ObjectMapper MAPPER = JsonMapper.builder().build();
    }

    /** The UTF-8 bytes of the JSON punctuation and names written below, encoded once. */
    private static final ConcurrentHashMap<String, byte[]> FRAGMENTS = new ConcurrentHashMap<>();

    private ChangeEventCodec() {
    }

    // ------------------------------------------------------------------ keys

    /** How {@link #key} starts the keys of records that are not a row's. */
    private static final String POSITION_KEY = "{\"position\":";
    private static final String SCHEMA_KEY = "{\"schema\":";
    private static final String TRUNCATE_KEY = "{\"truncate\":";

    public static byte[] key(ChangeRecord record) {
        JsonBuffer json = new JsonBuffer(128);
        switch (record) {
            case ChangeRecord.RowChange row -> rowKey(json, row.database(), row.table(), row.key());
            case ChangeRecord.Tombstone tombstone -> rowKey(json, tombstone.database(), tombstone.table(), tombstone.key());
            case ChangeRecord.PositionMarker marker -> json.raw(fragment(POSITION_KEY)).string(marker.connection()).raw('}');
            case ChangeRecord.SchemaChange schema ->
                    json.raw(fragment(SCHEMA_KEY)).string(schema.database() + "." + schema.table()).raw('}');
            case ChangeRecord.Truncate truncate ->
                    json.raw(fragment(TRUNCATE_KEY)).string(truncate.database() + "." + truncate.table()).raw('}');
        }
        return json.toByteArray();
    }

    private static void rowKey(JsonBuffer json, String database, String table, Map<String, SqliteValue> key) {
        json.raw(fragment("{\"db\":")).string(database).raw(fragment(",\"table\":")).string(table).raw(fragment(",\"key\":"));
        writeColumns(json, key, null);
        json.raw('}');
    }

    // ------------------------------------------------------------------ values

    /** The record's value; {@code null} for a tombstone. */
    public static byte[] value(ChangeRecord record) {
        return switch (record) {
            case ChangeRecord.Tombstone tombstone -> null;
            case ChangeRecord.RowChange row -> rowValue(row);
            case ChangeRecord.PositionMarker marker -> {
                SourcePosition p = marker.position();
                JsonBuffer json = new JsonBuffer(256).raw(fragment("{\"op\":\"p\",\"connection\":")).string(marker.connection())
                        .raw(fragment(",\"position\":{\"gtids\":")).string(p.gtidSet())
                        .raw(fragment(",\"file\":")).string(p.file()).raw(fragment(",\"pos\":")).number(p.offset())
                        .raw(fragment(",\"skip_events\":")).number(p.eventsToSkip())
                        .raw(fragment(",\"skip_rows\":")).number(p.rowsToSkip()).raw('}');
                if (marker.snapshot().isPresent()) {
                    SnapshotProgress progress = marker.snapshot().get();
                    json.raw(fragment(",\"snapshot\":{\"done\":"));
                    stringArray(json, progress.doneTables());
                    json.raw(fragment(",\"table\":")).string(progress.table().orElse(null));
                    writeLastKey(json, progress.lastKey());
                    json.raw(fragment(",\"complete\":")).raw(fragment(Boolean.toString(progress.complete())));
                    if (!progress.restarts().isEmpty()) {
                        json.raw(fragment(",\"restarts\":["));
                        boolean first = true;
                        for (SnapshotProgress.Restart restart : progress.restarts()) {
                            json.raw(fragment(first ? "{\"view\":{\"gtids\":" : ",{\"view\":{\"gtids\":"))
                                    .string(restart.view().gtidSet())
                                    .raw(fragment(",\"file\":")).string(restart.view().file())
                                    .raw(fragment(",\"pos\":")).number(restart.view().offset())
                                    .raw(fragment("},\"done\":"));
                            stringArray(json, restart.doneTables());
                            json.raw(fragment(",\"table\":")).string(restart.table().orElse(null));
                            writeLastKey(json, restart.lastKey());
                            json.raw('}');
                            first = false;
                        }
                        json.raw(']');
                    }
                    json.raw('}');
                }
                yield json.raw(fragment(",\"ts_ms\":")).number(marker.timestampMillis()).raw('}').toByteArray();
            }
            case ChangeRecord.SchemaChange schema -> {
                JsonBuffer json = new JsonBuffer(256).raw(fragment("{\"op\":\"s\",\"db\":")).string(schema.database())
                        .raw(fragment(",\"table\":")).string(schema.table()).raw(fragment(",\"columns\":"));
                stringArray(json, schema.columns());
                json.raw(fragment(",\"key_columns\":"));
                stringArray(json, schema.keyColumns());
                yield json.raw(fragment(",\"ddl\":")).string(schema.ddl().orElse(null))
                        .raw(fragment(",\"ts_ms\":")).number(schema.timestampMillis()).raw('}').toByteArray();
            }
            case ChangeRecord.Truncate truncate -> new JsonBuffer(128).raw(fragment("{\"op\":\"t\",\"db\":")).string(truncate.database())
                    .raw(fragment(",\"table\":")).string(truncate.table())
                    .raw(fragment(",\"dropped\":")).raw(fragment(Boolean.toString(truncate.dropped())))
                    .raw(fragment(",\"ts_ms\":")).number(truncate.timestampMillis()).raw('}').toByteArray();
        };
    }

    private static byte[] rowValue(ChangeRecord.RowChange row) {
        List<String> binary = new ArrayList<>();
        JsonBuffer json = new JsonBuffer(512);
        json.raw(fragment("{\"op\":")).string(row.op().code()).raw(fragment(",\"before\":"));
        if (row.before().isPresent()) {
            writeColumns(json, row.before().get(), binary);
        } else {
            json.nullValue();
        }
        json.raw(fragment(",\"after\":"));
        if (row.after().isPresent()) {
            writeColumns(json, row.after().get(), binary);
        } else {
            json.nullValue();
        }
        ChangeRecord.Source s = row.source();
        json.raw(fragment(",\"source\":{\"connector\":")).string(s.connector()).raw(fragment(",\"name\":")).string(s.connection())
                .raw(fragment(",\"db\":")).string(s.database()).raw(fragment(",\"table\":")).string(s.table())
                .raw(fragment(",\"gtid\":")).string(s.gtid().orElse(null)).raw(fragment(",\"file\":")).string(s.file())
                .raw(fragment(",\"pos\":")).number(s.offset()).raw(fragment(",\"row\":")).number(s.row())
                .raw(fragment(",\"server_id\":")).number(s.serverId()).raw(fragment(",\"ts_ms\":")).number(s.timestampMillis())
                .raw(fragment(",\"snapshot\":")).raw(fragment(s.snapshot() ? "\"true\"}" : "\"false\"}"));
        json.raw(fragment(",\"ts_ms\":")).number(row.timestampMillis());
        if (!binary.isEmpty()) {
            json.raw(fragment(",\"binary\":"));
            stringArray(json, binary.stream().distinct().toList());
        }
        return json.raw('}').toByteArray();
    }

    /** {@code "after":} a snapshot's last key, and {@code "after_binary":} its BLOB columns if it has any. */
    private static void writeLastKey(JsonBuffer json, Optional<Map<String, SqliteValue>> key) {
        json.raw(fragment(",\"after\":"));
        if (key.isEmpty()) {
            json.nullValue();
            return;
        }
        List<String> binary = new ArrayList<>();
        writeColumns(json, key.get(), binary);
        if (!binary.isEmpty()) {
            json.raw(fragment(",\"after_binary\":"));
            stringArray(json, binary);
        }
    }

    private static Optional<Map<String, SqliteValue>> lastKey(JsonNode progress) {
        if (!progress.path("after").isObject()) {
            return Optional.empty();
        }
        Set<String> binary = new java.util.HashSet<>();
        progress.path("after_binary").forEach(c -> binary.add(c.asText()));
        return Optional.of(columns(progress.get("after"), binary));
    }

    /** Writes the columns as an object; BLOB columns are added to {@code binary} (when given). */
    private static void writeColumns(JsonBuffer json, Map<String, SqliteValue> columns, List<String> binary) {
        json.raw('{');
        boolean first = true;
        for (Map.Entry<String, SqliteValue> column : columns.entrySet()) {
            if (!first) {
                json.raw(',');
            }
            first = false;
            json.string(column.getKey()).raw(':');
            if (json.value(column.getValue()) && binary != null) {
                binary.add(column.getKey());
            }
        }
        json.raw('}');
    }

    private static void stringArray(JsonBuffer json, List<String> values) {
        json.raw('[');
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                json.raw(',');
            }
            json.string(values.get(i));
        }
        json.raw(']');
    }

    private static byte[] fragment(String json) {
        return FRAGMENTS.computeIfAbsent(json, JsonBuffer::fragment);
    }

    // ------------------------------------------------------------------ decoding

    private static final byte[] ROW_KEY_DB = "{\"db\":\"".getBytes(StandardCharsets.UTF_8);
    private static final byte[] ROW_KEY_TABLE = ",\"table\":\"".getBytes(StandardCharsets.UTF_8);
    private static final byte[] ROW_KEY_KEY = ",\"key\":{".getBytes(StandardCharsets.UTF_8);
    private static final List<byte[]> OTHER_KEYS = List.of(POSITION_KEY.getBytes(StandardCharsets.UTF_8),
            SCHEMA_KEY.getBytes(StandardCharsets.UTF_8), TRUNCATE_KEY.getBytes(StandardCharsets.UTF_8));

    /**
     * The table a row's record key names ({@code {"db":..,"table":..,"key":{..}}}, as {@link #key}
     * writes it for a row change or a tombstone), read without decoding the record; null for the
     * keys {@link #key} writes for other records. A key in another shape is read as JSON: null
     * unless it has a text {@code db}, a text {@code table} and an object {@code key}, or if it is
     * not JSON. (A malformed key that passes here fails when its record is decoded.)
     */
    public static String rowTable(byte[] key) {
        if (key == null) {
            return null;
        }
        int dbEnd = startsAt(key, 0, ROW_KEY_DB) ? plainStringEnd(key, ROW_KEY_DB.length) : -1;
        if (dbEnd > 0 && startsAt(key, dbEnd + 1, ROW_KEY_TABLE)) {
            int from = dbEnd + 1 + ROW_KEY_TABLE.length;
            int tableEnd = plainStringEnd(key, from);
            if (tableEnd > 0 && startsAt(key, tableEnd + 1, ROW_KEY_KEY)) {
                return new String(key, from, tableEnd - from, StandardCharsets.UTF_8);
            }
        }
        for (byte[] other : OTHER_KEYS) {
            if (startsAt(key, 0, other)) {
                return null;
            }
        }
        // Escapes in a name, or another order: read the key as JSON.
        try {
            JsonNode k = Parser.MAPPER.readTree(key);
            return k != null && k.path("db").isTextual() && k.path("table").isTextual() && k.path("key").isObject()
                    ? k.get("table").asText() : null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * A row's source key: the {@code "key"} object of its record key ({@code {"id":"t1"}}), which
     * {@link #key} writes last, as a view of {@code recordKey}; the whole key when it has none.
     * Inside a JSON string a quote is always escaped, so the first {@code ,"key":{} is the field.
     */
    public static ByteBuffer rowSourceKey(byte[] recordKey) {
        for (int i = 0; i + ROW_KEY_KEY.length < recordKey.length; i++) {
            if (startsAt(recordKey, i, ROW_KEY_KEY)) {
                int from = i + ROW_KEY_KEY.length - 1;
                return ByteBuffer.wrap(recordKey, from, recordKey.length - 1 - from).slice();
            }
        }
        return ByteBuffer.wrap(recordKey);
    }

    private static boolean startsAt(byte[] bytes, int at, byte[] prefix) {
        if (at < 0 || bytes.length - at < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (bytes[at + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** Where the JSON string whose text starts at {@code from} ends (its closing quote); -1 if it holds an escape or does not end. */
    private static int plainStringEnd(byte[] bytes, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == '"') {
                return i;
            }
            if (bytes[i] == '\\') {
                return -1;
            }
        }
        return -1;
    }

    /** Decodes a record of the changes topic; a malformed one is a {@link SyncException}. */
    public static ChangeRecord decode(byte[] key, byte[] value) {
        ChangeRecord row = RowRecordReader.read(key, value);
        return row != null ? row : decodeGenerally(key, value);
    }

    /** Decodes any record by way of a tree of its JSON, naming what is wrong with a malformed one. */
    static ChangeRecord decodeGenerally(byte[] key, byte[] value) {
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
                    List<SnapshotProgress.Restart> restarts = new ArrayList<>();
                    for (JsonNode r : s.path("restarts")) {
                        JsonNode view = r.path("view");
                        List<String> doneThen = new ArrayList<>();
                        r.path("done").forEach(t -> doneThen.add(t.asText()));
                        restarts.add(new SnapshotProgress.Restart(SourcePosition.at(text(view, "gtids"), text(view, "file"),
                                view.path("pos").asLong()), doneThen,
                                r.path("table").isTextual() ? Optional.of(r.get("table").asText()) : Optional.empty(),
                                lastKey(r)));
                    }
                    snapshot = Optional.of(new SnapshotProgress(done,
                            s.path("table").isTextual() ? Optional.of(s.get("table").asText()) : Optional.empty(),
                            lastKey(s),
                            s.path("complete").asBoolean(), restarts));
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
            JsonNode node = Parser.MAPPER.readTree(bytes);
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

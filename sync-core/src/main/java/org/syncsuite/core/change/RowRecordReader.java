package org.syncsuite.core.change;

import java.io.IOException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import org.syncsuite.core.SqliteValue;

/**
 * Decodes the records that make up nearly all of a changes topic, row changes and tombstones, in
 * one pass over their bytes with Jackson's streaming parser: no tree of nodes is built for a
 * record only to be copied into a {@link ChangeRecord}. Fields may come in any order. A record it
 * does not take as it stands (another kind of record, a field of an unexpected type, malformed
 * JSON) gives {@code null}, and {@link ChangeEventCodec#decode} reads it the general way, which
 * also names what is wrong with a malformed one.
 */
final class RowRecordReader {

    private static final JsonFactory FACTORY = JsonFactory.builder().build();

    private RowRecordReader() {
    }

    /** A marker that a record is not one this reader takes. */
    private static final class NotTaken extends Exception {
        private static final NotTaken INSTANCE = new NotTaken();

        private NotTaken() {
            super(null, null, false, false);
        }
    }

    /** The record's row key. */
    private record Key(String database, String table, Map<String, SqliteValue> columns) {
    }

    /** The row change or tombstone, or {@code null} to read the record the general way. */
    static ChangeRecord read(byte[] key, byte[] value) {
        try {
            Key k = key(key);
            if (value == null) {
                return new ChangeRecord.Tombstone(k.database(), k.table(), k.columns());
            }
            return row(k, value);
        } catch (NotTaken | IOException e) {
            return null;
        }
    }

    private static Key key(byte[] bytes) throws IOException, NotTaken {
        if (bytes == null) {
            throw NotTaken.INSTANCE;
        }
        try (JsonParser p = FACTORY.createParser(bytes)) {
            expect(p.nextToken() == JsonToken.START_OBJECT);
            String database = null;
            String table = null;
            Map<String, SqliteValue> columns = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken token = p.nextToken();
                switch (field) {
                    case "db" -> database = text(p, token);
                    case "table" -> table = text(p, token);
                    case "key" -> columns = columns(p, token);
                    default -> p.skipChildren();
                }
            }
            expect(database != null && table != null && columns != null && p.nextToken() == null);
            return new Key(database, table, columns);
        }
    }

    private static ChangeRecord.RowChange row(Key key, byte[] bytes) throws IOException, NotTaken {
        try (JsonParser p = FACTORY.createParser(bytes)) {
            expect(p.nextToken() == JsonToken.START_OBJECT);
            String op = null;
            Map<String, SqliteValue> before = null;
            Map<String, SqliteValue> after = null;
            ChangeRecord.Source source = null;
            long ts = 0;
            String[] binary = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken token = p.nextToken();
                switch (field) {
                    case "op" -> op = text(p, token);
                    case "before" -> before = token == JsonToken.VALUE_NULL ? null : columns(p, token);
                    case "after" -> after = token == JsonToken.VALUE_NULL ? null : columns(p, token);
                    case "source" -> source = source(p, token);
                    case "ts_ms" -> ts = number(p, token);
                    case "binary" -> binary = strings(p, token);
                    default -> p.skipChildren();
                }
            }
            expect(op != null && source != null && p.nextToken() == null);
            ChangeRecord.Op kind = switch (op) {
                case "c", "u", "d", "r" -> ChangeRecord.Op.ofCode(op);
                default -> throw NotTaken.INSTANCE;
            };
            Map<String, SqliteValue> keyColumns = key.columns();
            if (binary != null) {
                for (String column : binary) {
                    keyColumns = blob(keyColumns, column);
                    before = blob(before, column);
                    after = blob(after, column);
                }
            }
            return new ChangeRecord.RowChange(kind, key.database(), key.table(), keyColumns, Optional.ofNullable(before),
                    Optional.ofNullable(after), source, ts);
        }
    }

    private static ChangeRecord.Source source(JsonParser p, JsonToken token) throws IOException, NotTaken {
        expect(token == JsonToken.START_OBJECT);
        String connector = null;
        String name = null;
        String database = null;
        String table = null;
        Optional<String> gtid = Optional.empty();
        String file = null;
        long pos = 0;
        long row = 0;
        long serverId = 0;
        long ts = 0;
        boolean snapshot = false;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            switch (field) {
                case "connector" -> connector = text(p, value);
                case "name" -> name = text(p, value);
                case "db" -> database = text(p, value);
                case "table" -> table = text(p, value);
                case "gtid" -> gtid = value == JsonToken.VALUE_STRING ? Optional.of(p.getText()) : skipped(p, Optional.empty());
                case "file" -> file = text(p, value);
                case "pos" -> pos = number(p, value);
                case "row" -> row = number(p, value);
                case "server_id" -> serverId = number(p, value);
                case "ts_ms" -> ts = number(p, value);
                case "snapshot" -> {
                    expect(value == JsonToken.VALUE_STRING || value == JsonToken.VALUE_TRUE || value == JsonToken.VALUE_FALSE);
                    snapshot = value == JsonToken.VALUE_TRUE || value == JsonToken.VALUE_STRING && "true".equals(p.getText());
                }
                default -> p.skipChildren();
            }
        }
        expect(connector != null && name != null && database != null && table != null && file != null
                && row == (int) row);
        return new ChangeRecord.Source(connector, name, database, table, gtid, file, pos, (int) row, serverId, ts, snapshot);
    }

    /** An object of columns, each a scalar; text stays text until the record's {@code binary} list is known. */
    private static Map<String, SqliteValue> columns(JsonParser p, JsonToken token) throws IOException, NotTaken {
        expect(token == JsonToken.START_OBJECT);
        Map<String, SqliteValue> row = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String column = p.currentName();
            SqliteValue value = switch (p.nextToken()) {
                case VALUE_NULL -> SqliteValue.NULL;
                case VALUE_STRING -> SqliteValue.of(p.getText());
                case VALUE_NUMBER_INT -> p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                        ? SqliteValue.of(p.getDoubleValue()) : SqliteValue.of(p.getLongValue());
                case VALUE_NUMBER_FLOAT -> SqliteValue.of(p.getDoubleValue());
                case VALUE_TRUE -> SqliteValue.of(true);
                case VALUE_FALSE -> SqliteValue.of(false);
                default -> throw NotTaken.INSTANCE; // a nested value: the general reader names the error
            };
            row.put(column, value);
        }
        return row;
    }

    /** {@code columns} with {@code column}, when it holds text, as the blob its base64 text encodes. */
    private static Map<String, SqliteValue> blob(Map<String, SqliteValue> columns, String column) {
        if (columns == null) {
            return null;
        }
        if (columns.get(column) instanceof SqliteValue.Text text) {
            columns.put(column, SqliteValue.ofBlob(Base64.getDecoder().decode(text.value())));
        }
        return columns;
    }

    private static String[] strings(JsonParser p, JsonToken token) throws IOException, NotTaken {
        expect(token == JsonToken.START_ARRAY);
        java.util.List<String> values = new java.util.ArrayList<>();
        JsonToken next;
        while ((next = p.nextToken()) != JsonToken.END_ARRAY) {
            expect(next == JsonToken.VALUE_STRING);
            values.add(p.getText());
        }
        return values.toArray(String[]::new);
    }

    private static String text(JsonParser p, JsonToken token) throws IOException, NotTaken {
        expect(token == JsonToken.VALUE_STRING);
        return p.getText();
    }

    private static long number(JsonParser p, JsonToken token) throws IOException, NotTaken {
        expect(token == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER);
        return p.getLongValue();
    }

    private static <T> T skipped(JsonParser p, T value) throws IOException {
        p.skipChildren();
        return value;
    }

    private static void expect(boolean condition) throws NotTaken {
        if (!condition) {
            throw NotTaken.INSTANCE;
        }
    }
}

package org.syncsuite.replicator;

import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.github.shyiko.mysql.binlog.event.deserialization.json.JsonBinary;
import org.syncsuite.core.SqliteValue;
import org.syncsuite.core.mysql.MySqlValueMapper;

/**
 * Turns a binlog row image into SQLite values by column, using the table's schema: the binlog
 * reader hands over raw forms (bytes for text, epoch microseconds for dates and times, null for
 * invalid dates, MySQL's binary JSON) which are normalised here and mapped by sync-core.
 */
final class RowDecoder {

    private final MySqlValueMapper mapper;
    private final boolean mysqlBinaryJson;

    RowDecoder(MySqlValueMapper mapper, SourcePreflight.Flavor flavor) {
        this.mapper = mapper;
        this.mysqlBinaryJson = flavor == SourcePreflight.Flavor.MYSQL;
    }

    Map<String, SqliteValue> decode(TableSchema schema, BitSet included, Serializable[] values) {
        Map<String, SqliteValue> row = new LinkedHashMap<>();
        List<TableSchema.Column> columns = schema.columns();
        int valueIndex = 0;
        for (int i = 0; i < columns.size(); i++) {
            if (included != null && !included.get(i)) {
                continue;
            }
            TableSchema.Column column = columns.get(i);
            Object raw = valueIndex < values.length ? values[valueIndex] : null;
            valueIndex++;
            try {
                row.put(column.name(), mapper.map(column.type(), normalise(column, raw)));
            } catch (RuntimeException e) {
                throw new org.syncsuite.core.SyncException(org.syncsuite.core.ErrorCode.ROW_NOT_EVALUATED, "Column "
                        + schema.table() + "." + column.name() + " (" + column.type().dataType() + "): " + e.getMessage()
                        + " [binlog value " + (raw == null ? "null" : raw.getClass().getSimpleName()) + "]", e);
            }
        }
        return row;
    }

    private Object normalise(TableSchema.Column column, Object raw) {
        if (raw == null) {
            return null;
        }
        String type = column.type().dataType();
        switch (type) {
            case "date" -> {
                if (raw instanceof Long micros) {
                    return LocalDate.ofInstant(Instant.EPOCH.plus(micros, java.time.temporal.ChronoUnit.MICROS), ZoneOffset.UTC);
                }
            }
            case "json" -> {
                if (raw instanceof byte[] bytes) {
                    if (mysqlBinaryJson) {
                        try {
                            return JsonBinary.parseAsString(bytes);
                        } catch (IOException e) {
                            throw new IllegalArgumentException("Unreadable binary JSON in " + column.name(), e);
                        }
                    }
                    return new String(bytes, StandardCharsets.UTF_8);
                }
            }
            default -> {
            }
        }
        return raw;
    }
}

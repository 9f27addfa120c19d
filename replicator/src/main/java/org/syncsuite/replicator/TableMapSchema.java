package org.syncsuite.replicator;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.github.shyiko.mysql.binlog.event.TableMapEventData;
import com.github.shyiko.mysql.binlog.event.TableMapEventMetadata;
import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.SyncException;
import org.syncsuite.core.mysql.ColumnType;

/**
 * A table's columns as the binlog itself describes them at that point of its history: with
 * {@code binlog_row_metadata=FULL} each table map event carries column names, signedness,
 * character sets, ENUM and SET members and the primary key. Reading the schema from the event,
 * not from {@code information_schema} (which only knows the present), keeps events written
 * before an {@code ALTER TABLE} decodable after it, and after a restart that replays them.
 */
final class TableMapSchema {

    // Binlog column type codes (MySQL's enum_field_types).
    private static final int DECIMAL = 0, TINY = 1, SHORT = 2, LONG = 3, FLOAT = 4, DOUBLE = 5, TIMESTAMP = 7,
            LONGLONG = 8, INT24 = 9, DATE = 10, TIME = 11, DATETIME = 12, YEAR = 13, VARCHAR = 15, BIT = 16,
            TIMESTAMP2 = 17, DATETIME2 = 18, TIME2 = 19, JSON = 245, NEWDECIMAL = 246, ENUM = 247, SET = 248,
            TINY_BLOB = 249, MEDIUM_BLOB = 250, LONG_BLOB = 251, BLOB = 252, VAR_STRING = 253, STRING = 254, GEOMETRY = 255;

    private final Map<Integer, String> charsetByCollation;

    private TableMapSchema(Map<Integer, String> charsetByCollation) {
        this.charsetByCollation = charsetByCollation;
    }

    /** Reads the collation ids of the server (they never change while it runs). */
    static TableMapSchema load(Connection connection) throws SQLException {
        Map<Integer, String> charsets = new HashMap<>();
        try (Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SELECT ID, CHARACTER_SET_NAME FROM information_schema.COLLATIONS WHERE ID IS NOT NULL")) {
            while (rs.next()) {
                charsets.put(rs.getInt(1), rs.getString(2));
            }
        }
        return new TableMapSchema(charsets);
    }

    /**
     * The schema the event describes. Without full row metadata (MySQL 5.7, or
     * {@code binlog_row_metadata=MINIMAL}), {@code current} supplies names and key when its column
     * count matches, and an error says what to change when it does not.
     */
    TableSchema of(TableMapEventData map, Optional<TableSchema> current) {
        TableMapEventMetadata metadata = map.getEventMetadata();
        byte[] types = map.getColumnTypes();
        int[] meta = map.getColumnMetadata();
        List<String> names = metadata == null ? null : metadata.getColumnNames();
        if (names == null || names.size() != types.length) {
            if (current.isPresent() && current.get().columns().size() == types.length) {
                return current.get();
            }
            throw new SyncException(ErrorCode.SOURCE_MISCONFIGURED, "The binlog does not describe the columns of "
                    + map.getTable() + " and its current columns differ: run SET GLOBAL binlog_row_metadata = 'FULL'; "
                    + "(and set it in my.cnf)");
        }
        BitSet unsigned = metadata.getSignedness() == null ? new BitSet() : metadata.getSignedness();
        List<Integer> collations = characterCollations(metadata, types, meta);
        List<String[]> enums = metadata.getEnumStrValues() == null ? List.of() : metadata.getEnumStrValues();
        List<String[]> sets = metadata.getSetStrValues() == null ? List.of() : metadata.getSetStrValues();
        int character = 0;
        int enumIndex = 0;
        int setIndex = 0;
        List<TableSchema.Column> columns = new ArrayList<>();
        for (int i = 0; i < types.length; i++) {
            int type = types[i] & 0xFF;
            int m = meta[i];
            if (type == STRING && (m >> 8) == ENUM) {
                type = ENUM;
            } else if (type == STRING && (m >> 8) == SET) {
                type = SET;
            }
            // The reader spreads the signedness bitmap over column positions (bit i = column i).
            boolean isUnsigned = isNumeric(type) && unsigned.get(i);
            String charset = null;
            if (isCharacter(type)) {
                int collation = character < collations.size() ? collations.get(character) : 63;
                character++;
                charset = charsetByCollation.getOrDefault(collation, collation == 63 ? "binary" : "utf8mb4");
            }
            ColumnType columnType = switch (type) {
                case TINY -> new ColumnType("tinyint", isUnsigned, 0, 0, Optional.empty(), List.of());
                case SHORT -> new ColumnType("smallint", isUnsigned, 0, 0, Optional.empty(), List.of());
                case INT24 -> new ColumnType("mediumint", isUnsigned, 0, 0, Optional.empty(), List.of());
                case LONG -> new ColumnType("int", isUnsigned, 0, 0, Optional.empty(), List.of());
                case LONGLONG -> new ColumnType("bigint", isUnsigned, 0, 0, Optional.empty(), List.of());
                case FLOAT -> new ColumnType("float", isUnsigned, 0, 0, Optional.empty(), List.of());
                case DOUBLE -> new ColumnType("double", isUnsigned, 0, 0, Optional.empty(), List.of());
                case DECIMAL, NEWDECIMAL -> new ColumnType("decimal", isUnsigned, m >> 8, m & 0xFF, Optional.empty(), List.of());
                case DATE -> new ColumnType("date", false, 0, 0, Optional.empty(), List.of());
                case TIME, TIME2 -> new ColumnType("time", false, 0, type == TIME2 ? m : 0, Optional.empty(), List.of());
                case DATETIME, DATETIME2 -> new ColumnType("datetime", false, 0, type == DATETIME2 ? m : 0, Optional.empty(), List.of());
                case TIMESTAMP, TIMESTAMP2 -> new ColumnType("timestamp", false, 0, type == TIMESTAMP2 ? m : 0, Optional.empty(), List.of());
                case YEAR -> new ColumnType("year", false, 0, 0, Optional.empty(), List.of());
                case BIT -> new ColumnType("bit", false, (m >> 8) * 8 + (m & 0xFF), 0, Optional.empty(), List.of());
                case JSON -> new ColumnType("json", false, 0, 0, Optional.of("utf8mb4"), List.of());
                case ENUM -> new ColumnType("enum", false, 0, 0, Optional.of("utf8mb4"),
                        enumIndex < enums.size() ? List.of(enums.get(enumIndex++)) : List.of());
                case SET -> new ColumnType("set", false, 0, 0, Optional.of("utf8mb4"),
                        setIndex < sets.size() ? List.of(sets.get(setIndex++)) : List.of());
                case VARCHAR, VAR_STRING -> new ColumnType("binary".equals(charset) ? "varbinary" : "varchar", false, 0, 0,
                        Optional.ofNullable(charset), List.of());
                case STRING -> new ColumnType("binary".equals(charset) ? "binary" : "char", false, 0, 0,
                        Optional.ofNullable(charset), List.of());
                case TINY_BLOB, MEDIUM_BLOB, LONG_BLOB, BLOB -> new ColumnType("binary".equals(charset) ? "blob" : "text", false,
                        0, 0, Optional.ofNullable(charset), List.of());
                case GEOMETRY -> new ColumnType("geometry", false, 0, 0, Optional.empty(), List.of());
                default -> throw new SyncException(ErrorCode.ROW_NOT_EVALUATED, "Column type code " + type + " of "
                        + map.getTable() + "." + names.get(i) + " is not supported");
            };
            columns.add(new TableSchema.Column(names.get(i), columnType));
        }
        List<String> key = new ArrayList<>();
        List<Integer> simple = metadata.getSimplePrimaryKeys();
        if (simple != null && !simple.isEmpty()) {
            simple.forEach(index -> key.add(names.get(index)));
        } else if (metadata.getPrimaryKeysWithPrefix() != null && !metadata.getPrimaryKeysWithPrefix().isEmpty()) {
            metadata.getPrimaryKeysWithPrefix().keySet().forEach(index -> key.add(names.get(index)));
        } else if (current.isPresent() && names.containsAll(current.get().keyColumns())) {
            key.addAll(current.get().keyColumns()); // a unique index: the binlog only names primary keys
        } else {
            key.addAll(names);
        }
        return new TableSchema(map.getDatabase(), map.getTable(), columns, key);
    }

    /** The collation of each character column, in column order, from either form the binlog uses. */
    private static List<Integer> characterCollations(TableMapEventMetadata metadata, byte[] types, int[] meta) {
        if (metadata.getColumnCharsets() != null && !metadata.getColumnCharsets().isEmpty()) {
            return metadata.getColumnCharsets();
        }
        List<Integer> result = new ArrayList<>();
        TableMapEventMetadata.DefaultCharset defaults = metadata.getDefaultCharset();
        if (defaults == null) {
            return result;
        }
        Map<Integer, Integer> exceptions = defaults.getCharsetCollations() == null ? Map.of() : defaults.getCharsetCollations();
        int character = 0;
        for (int i = 0; i < types.length; i++) {
            int type = types[i] & 0xFF;
            if (type == STRING && ((meta[i] >> 8) == ENUM || (meta[i] >> 8) == SET)) {
                continue;
            }
            if (isCharacter(type)) {
                result.add(exceptions.getOrDefault(character, defaults.getDefaultCharsetCollation()));
                character++;
            }
        }
        return result;
    }

    private static boolean isNumeric(int type) {
        return type == TINY || type == SHORT || type == INT24 || type == LONG || type == LONGLONG || type == FLOAT
                || type == DOUBLE || type == DECIMAL || type == NEWDECIMAL;
    }

    private static boolean isCharacter(int type) {
        return type == VARCHAR || type == VAR_STRING || type == STRING || type == BLOB || type == TINY_BLOB
                || type == MEDIUM_BLOB || type == LONG_BLOB;
    }
}

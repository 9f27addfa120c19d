package org.syncsuite.replicator;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.syncsuite.core.mysql.ColumnType;

/**
 * A source table's columns in table order, with their types, and its row identity: the primary
 * key, else the first unique index, else every column.
 */
public record TableSchema(String database, String table, List<Column> columns, List<String> keyColumns) {

    /** One column: name and type. */
    public record Column(String name, ColumnType type) {
    }

    public TableSchema {
        columns = List.copyOf(columns);
        keyColumns = List.copyOf(keyColumns);
    }

    /** Reads every base table of {@code database}, keyed by table name. */
    public static Map<String, TableSchema> readAll(Connection connection, String database) throws SQLException {
        Map<String, List<Column>> columns = new LinkedHashMap<>();
        try (PreparedStatement statement = connection.prepareStatement("""
                SELECT c.TABLE_NAME, c.COLUMN_NAME, c.COLUMN_TYPE, c.CHARACTER_SET_NAME
                FROM information_schema.COLUMNS c
                JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
                WHERE c.TABLE_SCHEMA = ? AND t.TABLE_TYPE = 'BASE TABLE'
                ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION""")) {
            statement.setString(1, database);
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    columns.computeIfAbsent(rs.getString(1), t -> new ArrayList<>())
                            .add(new Column(rs.getString(2), ColumnType.parse(rs.getString(3), rs.getString(4))));
                }
            }
        }
        Map<String, Map<String, List<String>>> indexes = new LinkedHashMap<>();
        try (PreparedStatement statement = connection.prepareStatement("""
                SELECT TABLE_NAME, INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS
                WHERE TABLE_SCHEMA = ? AND NON_UNIQUE = 0
                ORDER BY TABLE_NAME, INDEX_NAME = 'PRIMARY' DESC, INDEX_NAME, SEQ_IN_INDEX""")) {
            statement.setString(1, database);
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    indexes.computeIfAbsent(rs.getString(1), t -> new LinkedHashMap<>())
                            .computeIfAbsent(rs.getString(2), i -> new ArrayList<>()).add(rs.getString(3));
                }
            }
        }
        Map<String, TableSchema> result = new LinkedHashMap<>();
        columns.forEach((table, cols) -> {
            List<String> key = indexes.getOrDefault(table, Map.of()).values().stream().findFirst()
                    .orElse(cols.stream().map(Column::name).toList());
            result.put(table, new TableSchema(database, table, cols, key));
        });
        return result;
    }

    public List<String> columnNames() {
        return columns.stream().map(Column::name).toList();
    }
}

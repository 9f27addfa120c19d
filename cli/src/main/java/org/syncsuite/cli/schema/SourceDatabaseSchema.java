package org.syncsuite.cli.schema;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The source database's tables and columns as the gateway's {@code POST /api/admin/v1/schema}
 * answers them ({@code data.connections[].schemas[].tables[].columns[]}, each column with its
 * {@code sqlite_type} bit set: 1 blob, 2 text, 4 integer, 8 real). Tables of the default schema
 * win over same-named tables of other schemas.
 */
public record SourceDatabaseSchema(Map<String, List<SourceColumn>> tables) {

    /** A source column and the SQLite types its values take. */
    public record SourceColumn(String name, int sqliteTypeFlags) {

        /** The client column type for these flags: integer, real, or text for anything else (blobs included). */
        public String clientType() {
            if (sqliteTypeFlags == 4) {
                return "integer";
            }
            if (sqliteTypeFlags == 8 || sqliteTypeFlags == (4 | 8)) {
                return "real";
            }
            return "text";
        }
    }

    public SourceDatabaseSchema {
        tables = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(tables));
    }

    /** Reads the schema response, with or without its {@code data} wrapper. */
    public static SourceDatabaseSchema fromResponse(JsonNode response) {
        JsonNode root = response != null && response.has("data") ? response.get("data") : response;
        if (root == null || !root.path("connections").isArray()) {
            throw new IllegalArgumentException("Not a schema response: expected data.connections[].schemas[].tables[]");
        }
        String defaultSchema = root.path("defaultSchema").asText("");
        Map<String, List<SourceColumn>> preferred = new LinkedHashMap<>();
        Map<String, List<SourceColumn>> others = new LinkedHashMap<>();
        for (JsonNode connection : root.path("connections")) {
            for (JsonNode schema : connection.path("schemas")) {
                boolean isDefault = defaultSchema.isEmpty() || schema.path("name").asText("").equals(defaultSchema);
                for (JsonNode table : schema.path("tables")) {
                    List<SourceColumn> columns = new ArrayList<>();
                    for (JsonNode column : table.path("columns")) {
                        columns.add(new SourceColumn(column.path("name").asText(), column.path("sqlite_type").asInt(2)));
                    }
                    (isDefault ? preferred : others).putIfAbsent(table.path("name").asText(), List.copyOf(columns));
                }
            }
        }
        others.forEach(preferred::putIfAbsent);
        return new SourceDatabaseSchema(preferred);
    }

    /** The columns of a table, if the database has it. */
    public Optional<List<SourceColumn>> columns(String table) {
        return Optional.ofNullable(tables.get(table));
    }

    /** A column of a table, matched exactly, else ignoring case. */
    public Optional<SourceColumn> column(String table, String column) {
        List<SourceColumn> columns = tables.get(table);
        if (columns == null) {
            return Optional.empty();
        }
        return columns.stream().filter(c -> c.name().equals(column)).findFirst()
                .or(() -> columns.stream().filter(c -> c.name().equalsIgnoreCase(column)).findFirst());
    }
}

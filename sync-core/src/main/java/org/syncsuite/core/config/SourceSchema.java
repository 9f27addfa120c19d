package org.syncsuite.core.config;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The source database's tables and their columns, when known: lets the compiler warn about a
 * table or column the config names that does not exist.
 */
public record SourceSchema(Map<String, List<String>> columnsByTable) {

    public SourceSchema {
        columnsByTable = Map.copyOf(columnsByTable);
    }

    public Optional<List<String>> columns(String table) {
        return Optional.ofNullable(columnsByTable.get(table));
    }
}

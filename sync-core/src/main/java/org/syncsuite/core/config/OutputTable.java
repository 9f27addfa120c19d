package org.syncsuite.core.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A table a sync config sends to clients: what a client schema has to declare for it. Every data
 * query with the same output table contributes; their columns are merged in first-seen order.
 * The {@code id} column, present in every synced row, is not listed: clients declare no id column.
 *
 * @param name         the table name clients see; for an un-aliased table pattern
 *                     ({@code FROM "todos_%"}) the pattern itself, each matching source table
 *                     being synced under its own name (see {@link #namedBySourceTable()})
 * @param sourceTable  the table or table pattern of the first query that feeds it
 * @param star         whether some query selects all source columns ({@code SELECT *})
 * @param columns      the explicitly selected columns except {@code id}, in first-seen order
 * @param starTables   the tables or patterns whose columns are all selected, in first-seen order
 *                     (empty unless {@code star})
 */
public record OutputTable(String name, String sourceTable, boolean star, List<OutputColumn> columns,
                          List<String> starTables) {

    public OutputTable {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(sourceTable, "sourceTable");
        columns = List.copyOf(columns);
        starTables = List.copyOf(starTables);
    }

    /**
     * Whether the rows of each source table matching {@link #sourceTable()} are synced under the
     * source table's own name: an un-aliased table pattern.
     */
    public boolean namedBySourceTable() {
        return name.equals(sourceTable) && sourceTable.contains("%");
    }

    /** Whether {@code table} is one of the tables this output table's pattern names (or the table itself). */
    public boolean matchesSourceTable(String table) {
        return TableMatcher.of(sourceTable).matches(table);
    }

    /**
     * Merges the outputs of single queries by table name (case-insensitively, as client schemas
     * name tables): the union of their columns in first-seen order. A column seen again keeps its
     * first description unless that one said nothing about its type or source.
     */
    static List<OutputTable> merge(List<OutputTable> perQuery) {
        Map<String, OutputTable> merged = new LinkedHashMap<>();
        for (OutputTable next : perQuery) {
            merged.merge(next.name().toLowerCase(Locale.ROOT), next, OutputTable::with);
        }
        return List.copyOf(merged.values());
    }

    private OutputTable with(OutputTable other) {
        Map<String, OutputColumn> byName = new LinkedHashMap<>();
        for (OutputColumn column : columns) {
            byName.put(column.name().toLowerCase(Locale.ROOT), column);
        }
        for (OutputColumn column : other.columns) {
            byName.merge(column.name().toLowerCase(Locale.ROOT), column, (first, later) ->
                    first.sourceColumn().isEmpty() && first.sqliteType().isEmpty() ? later : first);
        }
        List<String> stars = new ArrayList<>(starTables);
        other.starTables.stream().filter(table -> !stars.contains(table)).forEach(stars::add);
        return new OutputTable(name, sourceTable, star || other.star, new ArrayList<>(byName.values()), stars);
    }
}

package org.syncsuite.client;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A table of the client schema, seen by the app as a view with its columns and {@code id}.
 * Synced tables keep their rows as JSON in {@code ps_data__<name>}, and every local write is
 * queued for upload; a {@code localOnly} table is never synced nor uploaded; an
 * {@code insertOnly} table keeps nothing locally, its inserts only go to the upload queue.
 * {@code ignoreEmptyUpdates} leaves out of the queue an update that changed no column.
 */
public record Table(String name, List<Column> columns, List<Index> indexes, boolean localOnly, boolean insertOnly,
                    boolean ignoreEmptyUpdates) {

    /** SQLite's own limit leaves room for this many columns besides {@code id}. */
    public static final int MAX_COLUMNS = 1999;

    public Table {
        Schema.checkName(name, "table");
        if (name.toLowerCase(Locale.ROOT).startsWith("ps_")) {
            throw new IllegalArgumentException("Table names starting with ps_ are reserved: " + name);
        }
        columns = List.copyOf(columns);
        indexes = List.copyOf(indexes);
        if (localOnly && insertOnly) {
            throw new IllegalArgumentException("Table " + name + " cannot be both local-only and insert-only");
        }
        if (columns.size() > MAX_COLUMNS) {
            throw new IllegalArgumentException("Table " + name + " has more than " + MAX_COLUMNS + " columns");
        }
        Set<String> seen = new HashSet<>();
        for (Column column : columns) {
            if (!seen.add(column.name().toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("Table " + name + " declares column " + column.name() + " twice");
            }
        }
        for (Index index : indexes) {
            for (String column : index.columns()) {
                String bare = column.startsWith("-") ? column.substring(1) : column;
                if (!bare.equalsIgnoreCase("id") && !seen.contains(bare.toLowerCase(Locale.ROOT))) {
                    throw new IllegalArgumentException("Index " + index.name() + " of " + name + " names no column " + bare);
                }
            }
        }
    }

    /** A synced table with these columns. */
    public static Table of(String name, Column... columns) {
        return new Table(name, List.of(columns), List.of(), false, false, false);
    }

    public Table withIndex(String indexName, String... columns) {
        List<Index> more = new ArrayList<>(indexes);
        more.add(Index.of(indexName, columns));
        return new Table(name, columns(), more, localOnly, insertOnly, ignoreEmptyUpdates);
    }

    public Table asLocalOnly() {
        return new Table(name, columns, indexes, true, insertOnly, ignoreEmptyUpdates);
    }

    public Table asInsertOnly() {
        return new Table(name, columns, indexes, localOnly, true, ignoreEmptyUpdates);
    }

    public Table ignoringEmptyUpdates() {
        return new Table(name, columns, indexes, localOnly, insertOnly, true);
    }

    /** Where its rows are stored: {@code ps_data__<name>}, or {@code ps_data_local__<name>} for a local-only table. */
    public String dataTable() {
        return (localOnly ? "ps_data_local__" : "ps_data__") + name;
    }
}

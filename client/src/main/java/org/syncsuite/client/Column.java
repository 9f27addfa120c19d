package org.syncsuite.client;

import java.util.Objects;

/** A column of a client table. Every table also has {@code id} (text), which a schema never declares. */
public record Column(String name, ColumnType type) {

    public Column {
        Objects.requireNonNull(type, "type");
        Schema.checkName(name, "column");
        if (name.equalsIgnoreCase("id")) {
            throw new IllegalArgumentException("A table's id column is implicit: do not declare it");
        }
    }

    public static Column text(String name) {
        return new Column(name, ColumnType.TEXT);
    }

    public static Column integer(String name) {
        return new Column(name, ColumnType.INTEGER);
    }

    public static Column real(String name) {
        return new Column(name, ColumnType.REAL);
    }
}

package org.syncsuite.client;

import java.util.List;

/** A local index on some of a table's columns ({@code -name} for descending). */
public record Index(String name, List<String> columns) {

    public Index {
        Schema.checkName(name, "index");
        columns = List.copyOf(columns);
        if (columns.isEmpty()) {
            throw new IllegalArgumentException("Index " + name + " has no column");
        }
    }

    public static Index of(String name, String... columns) {
        return new Index(name, List.of(columns));
    }
}

package org.syncsuite.core.config;

import java.util.List;

import org.syncsuite.core.SqliteValue;

/** A row's entry in a parameter index: under {@code key}, the {@code output} values. */
public record LookupEntry(String indexId, List<SqliteValue> key, List<SqliteValue> output) {

    public LookupEntry {
        key = List.copyOf(key);
        output = List.copyOf(output);
    }
}

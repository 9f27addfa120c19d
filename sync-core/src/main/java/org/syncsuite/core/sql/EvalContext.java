package org.syncsuite.core.sql;

import java.util.Map;

import org.syncsuite.core.SqliteValue;

/**
 * What an expression reads: the row's columns (by output-independent source column name; for
 * {@code json_each} the {@code value} column), and the request's parameters.
 */
public record EvalContext(Map<String, SqliteValue> row, RequestParameters request) {

    public static EvalContext ofRow(Map<String, SqliteValue> row) {
        return new EvalContext(row, RequestParameters.NONE);
    }

    public static EvalContext ofRequest(RequestParameters request) {
        return new EvalContext(Map.of(), request);
    }

    public SqliteValue column(String name) {
        SqliteValue value = row.get(name);
        return value == null ? SqliteValue.NULL : value;
    }
}

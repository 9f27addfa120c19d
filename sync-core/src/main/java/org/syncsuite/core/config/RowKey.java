package org.syncsuite.core.config;

import java.util.ArrayList;
import java.util.List;

import org.syncsuite.core.SqliteValue;
import org.syncsuite.core.sql.EvalContext;
import org.syncsuite.core.sql.Evaluator;
import org.syncsuite.core.sql.SqlJson;

/**
 * How a row gives one partition (or index key) value: an expression over the row, or, with
 * {@code arrayElements}, each element of a JSON array the expression gives. NULL values place
 * the row nowhere, as NULL never equals a request value.
 */
record RowKey(Evaluator expression, boolean arrayElements) {

    List<SqliteValue> values(EvalContext row) {
        SqliteValue value = expression.evaluate(row);
        if (value.isNull()) {
            return List.of();
        }
        if (!arrayElements) {
            return List.of(value);
        }
        List<SqliteValue> result = new ArrayList<>();
        for (SqliteValue element : SqlJson.arrayElements(value)) {
            if (!element.isNull()) {
                result.add(element);
            }
        }
        return result;
    }

    /** Every combination of the keys' values for a row (empty when any key has none). */
    static List<List<SqliteValue>> combinations(List<RowKey> keys, EvalContext row) {
        List<List<SqliteValue>> result = new ArrayList<>();
        result.add(List.of());
        for (RowKey key : keys) {
            List<SqliteValue> values = key.values(row);
            if (values.isEmpty()) {
                return List.of();
            }
            List<List<SqliteValue>> next = new ArrayList<>(result.size() * values.size());
            for (List<SqliteValue> prefix : result) {
                for (SqliteValue value : values) {
                    List<SqliteValue> tuple = new ArrayList<>(prefix.size() + 1);
                    tuple.addAll(prefix);
                    tuple.add(value);
                    next.add(tuple);
                }
            }
            result = next;
        }
        return result;
    }
}

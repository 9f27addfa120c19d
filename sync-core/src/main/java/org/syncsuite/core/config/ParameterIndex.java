package org.syncsuite.core.config;

import java.util.ArrayList;
import java.util.List;

import org.syncsuite.core.SqliteValue;
import org.syncsuite.core.sql.EvalContext;
import org.syncsuite.core.sql.Evaluator;
import org.syncsuite.core.sql.SqlValues;

/**
 * Rows of one table indexed by the values requests look them up with: {@code lists} by
 * {@code owner_id}, giving {@code id}. Immutable and thread-safe.
 */
record ParameterIndex(String id, TableMatcher table, Evaluator filter, List<RowKey> keys, List<Evaluator> outputs) {

    void index(EvalContext context, List<LookupEntry> into) {
        if (filter != null && !Boolean.TRUE.equals(SqlValues.truth(filter.evaluate(context)))) {
            return;
        }
        List<List<SqliteValue>> keyTuples = RowKey.combinations(keys, context);
        if (keyTuples.isEmpty()) {
            return;
        }
        List<SqliteValue> output = new ArrayList<>(outputs.size());
        for (Evaluator evaluator : outputs) {
            output.add(evaluator.evaluate(context));
        }
        for (List<SqliteValue> key : keyTuples) {
            into.add(new LookupEntry(id, key, output));
        }
    }
}

package org.syncsuite.core.config;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.syncsuite.core.SqliteValue;
import org.syncsuite.core.sql.EvalContext;
import org.syncsuite.core.sql.Evaluator;
import org.syncsuite.core.sql.SqlValues;

/**
 * A request-side lookup: for each branch (one per OR branch of the subquery), if the branch's
 * request conditions hold, every combination of its key values is looked up in its index, and
 * the output tuples of all branches are merged.
 */
record LookupPlan(List<Branch> branches) {

    /** One branch: an index, request-only conditions, and where each index key's values come from. */
    record Branch(String indexId, List<Evaluator> gates, List<List<KeyConstraint>> keys) {
    }

    List<List<SqliteValue>> tuples(EvalContext request, LookupSource lookups) {
        Set<List<SqliteValue>> result = new LinkedHashSet<>();
        for (Branch branch : branches) {
            if (!gatesPass(branch.gates(), request)) {
                continue;
            }
            for (List<SqliteValue> key : combinations(branch.keys(), request, lookups)) {
                result.addAll(lookups.lookup(branch.indexId(), key));
            }
        }
        return new ArrayList<>(result);
    }

    static boolean gatesPass(List<Evaluator> gates, EvalContext request) {
        for (Evaluator gate : gates) {
            if (!Boolean.TRUE.equals(SqlValues.truth(gate.evaluate(request)))) {
                return false;
            }
        }
        return true;
    }

    /** Every combination of the keys' allowed values. */
    static List<List<SqliteValue>> combinations(List<List<KeyConstraint>> keys, EvalContext request, LookupSource lookups) {
        List<List<SqliteValue>> result = new ArrayList<>();
        result.add(List.of());
        for (List<KeyConstraint> constraints : keys) {
            List<SqliteValue> values = KeyConstraint.intersect(constraints, request, lookups);
            if (values.isEmpty()) {
                return List.of();
            }
            List<List<SqliteValue>> next = new ArrayList<>();
            for (List<SqliteValue> prefix : result) {
                for (SqliteValue value : values) {
                    List<SqliteValue> tuple = new ArrayList<>(prefix);
                    tuple.add(value);
                    next.add(tuple);
                }
            }
            result = next;
        }
        return result;
    }
}

package org.syncsuite.core.config;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.syncsuite.core.SqliteValue;
import org.syncsuite.core.sql.EvalContext;
import org.syncsuite.core.sql.Evaluator;
import org.syncsuite.core.sql.SqlJson;
import org.syncsuite.core.sql.SqlValues;

/** Where the request side gets the values of one partition or index key. */
sealed interface KeyConstraint {

    /** The values this constraint allows, without NULLs, in a stable order. */
    List<SqliteValue> values(EvalContext request, LookupSource lookups);

    /** {@code key = <request value>}. */
    record Equals(Evaluator value) implements KeyConstraint {
        @Override
        public List<SqliteValue> values(EvalContext request, LookupSource lookups) {
            SqliteValue v = value.evaluate(request);
            return v.isNull() ? List.of() : List.of(v);
        }
    }

    /** {@code key IN <request JSON array>}. */
    record InArray(Evaluator array) implements KeyConstraint {
        @Override
        public List<SqliteValue> values(EvalContext request, LookupSource lookups) {
            List<SqliteValue> result = new ArrayList<>();
            for (SqliteValue element : SqlJson.arrayElements(array.evaluate(request))) {
                if (!element.isNull()) {
                    result.add(element);
                }
            }
            return result;
        }
    }

    /** {@code key IN (SELECT ...)}: the outputs of a parameter-index lookup. */
    record InLookup(LookupPlan lookup) implements KeyConstraint {
        @Override
        public List<SqliteValue> values(EvalContext request, LookupSource lookups) {
            List<SqliteValue> result = new ArrayList<>();
            for (List<SqliteValue> tuple : lookup.tuples(request, lookups)) {
                if (!tuple.getFirst().isNull()) {
                    result.add(tuple.getFirst());
                }
            }
            return result;
        }
    }

    /** The values every constraint allows (an intersection, kept in the first constraint's order). */
    static List<SqliteValue> intersect(List<KeyConstraint> constraints, EvalContext request, LookupSource lookups) {
        List<SqliteValue> result = null;
        for (KeyConstraint constraint : constraints) {
            List<SqliteValue> values = distinct(constraint.values(request, lookups));
            if (result == null) {
                result = values;
            } else {
                List<SqliteValue> kept = new ArrayList<>();
                for (SqliteValue candidate : result) {
                    for (SqliteValue value : values) {
                        if (SqlValues.equal(candidate, value)) {
                            kept.add(candidate);
                            break;
                        }
                    }
                }
                result = kept;
            }
            if (result.isEmpty()) {
                return result;
            }
        }
        return result == null ? List.of() : result;
    }

    private static List<SqliteValue> distinct(List<SqliteValue> values) {
        Set<SqliteValue> seen = new LinkedHashSet<>(values);
        return new ArrayList<>(seen);
    }
}

package org.syncsuite.core.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import org.syncsuite.core.SqliteValue;
import org.syncsuite.core.sql.EvalContext;
import org.syncsuite.core.sql.Evaluator;
import org.syncsuite.core.sql.SqlJson;

/**
 * The request side of one bucket family: the tuples of parameter values a request gets, each
 * naming a bucket. {@code priority} overrides the stream's (a legacy {@code _priority} column).
 */
sealed interface TupleProducer {

    List<List<SqliteValue>> tuples(EvalContext request, LookupSource lookups);

    OptionalInt priority();

    /** Streams: request conditions, and per partition key the constraints whose values it takes. */
    record PerKey(List<Evaluator> gates, List<List<KeyConstraint>> keys, OptionalInt priority) implements TupleProducer {
        @Override
        public List<List<SqliteValue>> tuples(EvalContext request, LookupSource lookups) {
            if (!LookupPlan.gatesPass(gates, request)) {
                return List.of();
            }
            return LookupPlan.combinations(keys, request, lookups);
        }
    }

    /** Legacy parameter query without FROM: one tuple of request expressions. */
    record Static(List<Evaluator> gates, List<Evaluator> outputs, OptionalInt priority) implements TupleProducer {
        @Override
        public List<List<SqliteValue>> tuples(EvalContext request, LookupSource lookups) {
            if (!LookupPlan.gatesPass(gates, request)) {
                return List.of();
            }
            List<SqliteValue> tuple = new ArrayList<>(outputs.size());
            for (Evaluator output : outputs) {
                tuple.add(output.evaluate(request));
            }
            return List.of(tuple);
        }
    }

    /** Legacy {@code FROM json_each(<request array>)}: a tuple per element that passes the filter. */
    record EachElement(Evaluator array, String alias, List<Evaluator> gates, List<Evaluator> outputs,
                       OptionalInt priority) implements TupleProducer {
        @Override
        public List<List<SqliteValue>> tuples(EvalContext request, LookupSource lookups) {
            List<List<SqliteValue>> result = new ArrayList<>();
            for (SqliteValue element : SqlJson.arrayElements(array.evaluate(request))) {
                EvalContext context = new EvalContext(Map.of("value", element), request.request());
                if (!LookupPlan.gatesPass(gates, context)) {
                    continue;
                }
                List<SqliteValue> tuple = new ArrayList<>(outputs.size());
                for (Evaluator output : outputs) {
                    tuple.add(output.evaluate(context));
                }
                result.add(tuple);
            }
            return result;
        }
    }

    /** Legacy parameter query over a table: the index outputs are the tuple. */
    record Lookup(LookupPlan lookup, OptionalInt priority) implements TupleProducer {
        @Override
        public List<List<SqliteValue>> tuples(EvalContext request, LookupSource lookups) {
            return lookup.tuples(request, lookups);
        }
    }
}

package org.syncsuite.core.sql;

import org.syncsuite.core.SqliteValue;

/** A compiled expression: evaluates to a SQLite value in a context. Thread-safe. */
@FunctionalInterface
public interface Evaluator {

    SqliteValue evaluate(EvalContext context);
}

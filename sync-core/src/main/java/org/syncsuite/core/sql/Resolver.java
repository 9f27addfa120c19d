package org.syncsuite.core.sql;

/**
 * Gives column references their meaning while an expression compiles: a column of the row, a
 * column of {@code json_each}, or an error when the name is unknown here.
 */
@FunctionalInterface
public interface Resolver {

    /** An evaluator for the column, or a {@link SqlSyntaxException} naming what is wrong. */
    Evaluator column(Expr.Column column);

    /** Whether request functions ({@code auth.*}, {@code subscription.*} ...) may appear. */
    default boolean allowsRequestValues() {
        return true;
    }
}

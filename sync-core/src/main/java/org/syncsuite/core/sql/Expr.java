package org.syncsuite.core.sql;

import java.util.List;
import java.util.Optional;

import org.syncsuite.core.SqliteValue;

/**
 * An expression of the SQL subset, as parsed. Every node keeps the offset of its first character
 * in the query, for error messages. Meaning is given later: the compiler decides whether a
 * column belongs to a table, a CTE or a bucket parameter, and which calls are request functions.
 */
public sealed interface Expr {

    int offset();

    /** A constant. */
    record Literal(SqliteValue value, int offset) implements Expr {
    }

    /** {@code name} or {@code qualifier.name}: a table column, or {@code bucket.x} and the like. */
    record Column(Optional<String> qualifier, String name, int offset) implements Expr {
        /** {@code qualifier.name}, or just the name. */
        public String display() {
            return qualifier.map(q -> q + "." + name).orElse(name);
        }
    }

    /** {@code f(args)} or {@code ns.f(args)}; {@code name} is lower case and includes the namespace. */
    record Call(String name, List<Expr> args, int offset) implements Expr {
        public Call {
            args = List.copyOf(args);
        }
    }

    /** {@code -x}, {@code +x}, {@code ~x}, {@code NOT x}. */
    record Unary(String operator, Expr operand, int offset) implements Expr {
    }

    /**
     * A binary operator: {@code = != < <= > >= AND OR + - * / % || -> ->> && & | << >> IS}
     * and {@code IS NOT}. {@code ==} and {@code <>} are read as {@code =} and {@code !=}.
     */
    record Binary(String operator, Expr left, Expr right, int offset) implements Expr {
    }

    /** {@code x [NOT] IN (a, b, ...)}. */
    record InList(Expr value, List<Expr> items, boolean negated, int offset) implements Expr {
        public InList {
            items = List.copyOf(items);
        }
    }

    /** {@code x [NOT] IN (SELECT ...)}. */
    record InSelect(Expr value, Select select, boolean negated, int offset) implements Expr {
    }

    /**
     * {@code x [NOT] IN expr}: a JSON array value ({@code '["a","b"]'}, a request parameter, a
     * column), or the name of a common table expression.
     */
    record InExpr(Expr value, Expr array, boolean negated, int offset) implements Expr {
    }

    /** {@code x [NOT] BETWEEN low AND high}. */
    record Between(Expr value, Expr low, Expr high, boolean negated, int offset) implements Expr {
    }

    /** {@code CASE [operand] WHEN .. THEN .. [ELSE ..] END}. */
    record Case(Optional<Expr> operand, List<When> whens, Optional<Expr> otherwise, int offset) implements Expr {
        public Case {
            whens = List.copyOf(whens);
        }
    }

    /** One {@code WHEN condition THEN result} of a CASE. */
    record When(Expr condition, Expr result) {
    }

    /** {@code CAST(x AS type)} and {@code x :: type}; type is lower case: text, numeric, integer, real, blob. */
    record Cast(Expr operand, String type, int offset) implements Expr {
    }
}

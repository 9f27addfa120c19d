package org.syncsuite.core.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import org.syncsuite.core.SqliteValue;
import org.syncsuite.core.sql.Expr;

/**
 * The SQLite type of an output expression when the expression alone decides it: casts, literals,
 * comparisons and other boolean operators, and functions with a fixed result type. Column
 * references and data-dependent expressions have no static type here.
 */
final class OutputTypes {

    static final String TEXT = "text";
    static final String INTEGER = "integer";
    static final String REAL = "real";

    private static final Set<String> BOOLEAN_OPERATORS = Set.of("=", "!=", "<", "<=", ">", ">=", "AND", "OR", "IS",
            "IS NOT", "&&", "LIKE", "NOT LIKE", "GLOB");
    private static final Set<String> BIT_OPERATORS = Set.of("&", "|", "<<", ">>");
    private static final Set<String> ARITHMETIC = Set.of("+", "-", "*", "/", "%");
    private static final Set<String> INTEGER_FUNCTIONS = Set.of("length", "instr", "json_array_length", "json_valid");
    private static final Set<String> TEXT_FUNCTIONS = Set.of("upper", "lower", "substring", "substr", "hex", "base64",
            "typeof", "json_keys", "datetime", "st_asgeojson", "st_astext");
    private static final Set<String> REAL_FUNCTIONS = Set.of("st_x", "st_y");

    private OutputTypes() {
    }

    static Optional<String> of(Expr expr) {
        return switch (expr) {
            case Expr.Literal literal -> switch (literal.value()) {
                case SqliteValue.Integer i -> Optional.of(INTEGER);
                case SqliteValue.Real r -> Optional.of(REAL);
                case SqliteValue.Text t -> Optional.of(TEXT);
                default -> Optional.empty();
            };
            case Expr.Column column -> Optional.empty();
            case Expr.Cast cast -> switch (cast.type()) {
                case "integer" -> Optional.of(INTEGER);
                case "real", "numeric" -> Optional.of(REAL);
                case "text" -> Optional.of(TEXT);
                default -> Optional.empty();
            };
            case Expr.Unary unary -> switch (unary.operator().toUpperCase(Locale.ROOT)) {
                case "NOT", "~" -> Optional.of(INTEGER);
                default -> numeric(of(unary.operand()));
            };
            case Expr.Binary binary -> binary(binary);
            case Expr.InList in -> Optional.of(INTEGER);
            case Expr.InSelect in -> Optional.of(INTEGER);
            case Expr.InExpr in -> Optional.of(INTEGER);
            case Expr.Between between -> Optional.of(INTEGER);
            case Expr.Case caseExpr -> {
                List<Expr> results = new ArrayList<>();
                caseExpr.whens().forEach(when -> results.add(when.result()));
                caseExpr.otherwise().ifPresent(results::add);
                yield common(results);
            }
            case Expr.Call call -> call(call);
        };
    }

    private static Optional<String> binary(Expr.Binary binary) {
        String operator = binary.operator().toUpperCase(Locale.ROOT);
        if (BOOLEAN_OPERATORS.contains(operator) || BIT_OPERATORS.contains(operator)) {
            return Optional.of(INTEGER);
        }
        if (operator.equals("||") || operator.equals("->")) {
            return Optional.of(TEXT);
        }
        if (ARITHMETIC.contains(operator)) {
            Optional<String> left = numeric(of(binary.left()));
            Optional<String> right = numeric(of(binary.right()));
            if (left.equals(Optional.of(REAL)) || right.equals(Optional.of(REAL))) {
                return Optional.of(REAL);
            }
            if (left.equals(Optional.of(INTEGER)) && right.equals(Optional.of(INTEGER))) {
                return Optional.of(INTEGER);
            }
        }
        return Optional.empty();
    }

    /** Arithmetic reads text as a number of unknown kind. */
    private static Optional<String> numeric(Optional<String> type) {
        return type.filter(t -> !t.equals(TEXT));
    }

    private static Optional<String> call(Expr.Call call) {
        String name = call.name();
        if (INTEGER_FUNCTIONS.contains(name)) {
            return Optional.of(INTEGER);
        }
        if (TEXT_FUNCTIONS.contains(name) || name.endsWith(".table_name") || name.endsWith(".table_suffix")
                || name.endsWith(".schema")) {
            return Optional.of(TEXT);
        }
        if (REAL_FUNCTIONS.contains(name)) {
            return Optional.of(REAL);
        }
        if (name.equals("unixepoch")) {
            boolean subsec = call.args().stream().anyMatch(arg -> arg instanceof Expr.Literal literal
                    && literal.value() instanceof SqliteValue.Text text && text.value().equalsIgnoreCase("subsec"));
            return Optional.of(subsec ? REAL : INTEGER);
        }
        if (name.equals("ifnull")) {
            return common(call.args());
        }
        if (name.equals("iif") && call.args().size() == 3) {
            return common(call.args().subList(1, 3));
        }
        return Optional.empty();
    }

    /** The type all of these expressions share, if they share one. */
    private static Optional<String> common(List<Expr> exprs) {
        Optional<String> result = Optional.empty();
        for (Expr expr : exprs) {
            if (expr instanceof Expr.Literal literal && literal.value().isNull()) {
                continue;
            }
            Optional<String> type = of(expr);
            if (type.isEmpty() || (result.isPresent() && !result.equals(type))) {
                return Optional.empty();
            }
            result = type;
        }
        return result;
    }
}

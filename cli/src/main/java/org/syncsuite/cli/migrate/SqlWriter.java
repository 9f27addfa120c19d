package org.syncsuite.cli.migrate;

import java.math.BigDecimal;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.syncsuite.core.SqliteValue;
import org.syncsuite.core.sql.Expr;
import org.syncsuite.core.sql.Select;

/**
 * Writes parsed queries back as SQL text that the sync config parser reads as the same tree:
 * parentheses where operator precedence needs them, identifiers quoted when they are not plain
 * names or are keywords.
 */
final class SqlWriter {

    private static final Pattern PLAIN = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Set<String> KEYWORDS = Set.of(
            "select", "from", "where", "and", "or", "not", "in", "is", "null", "between", "case", "when", "then",
            "else", "end", "as", "join", "inner", "on", "cast", "left", "right", "outer", "full", "cross", "natural",
            "group", "order", "by", "limit", "offset", "union", "intersect", "except", "having", "distinct",
            "like", "glob", "regexp", "match", "escape", "exists", "using", "window", "over", "with", "true", "false",
            "isnull", "notnull");

    // Precedence levels, lowest first, as the parser reads them.
    private static final int OR = 1;
    private static final int AND = 2;
    private static final int NOT = 3;
    private static final int EQUALITY = 4;
    private static final int RELATIONAL = 5;
    private static final int BITWISE = 6;
    private static final int ADDITIVE = 7;
    private static final int MULTIPLICATIVE = 8;
    private static final int CONCAT = 9;
    private static final int UNARY = 10;
    private static final int PRIMARY = 12;

    private SqlWriter() {
    }

    static String select(Select select) {
        StringBuilder out = new StringBuilder("SELECT ");
        out.append(select.projections().stream().map(SqlWriter::projection).collect(Collectors.joining(", ")));
        select.from().ifPresent(from -> out.append(" FROM ").append(fromItem(from)));
        for (Select.Join join : select.joins()) {
            if (join.on().isPresent()) {
                out.append(" JOIN ").append(fromItem(join.item())).append(" ON ").append(expr(join.on().get()));
            } else {
                out.append(", ").append(fromItem(join.item()));
            }
        }
        select.where().ifPresent(where -> out.append(" WHERE ").append(expr(where)));
        return out.toString();
    }

    private static String projection(Select.Projection projection) {
        return switch (projection) {
            case Select.Star star -> star.qualifier().map(q -> identifier(q) + ".*").orElse("*");
            case Select.Item item -> {
                String text = expr(item.expr());
                boolean sameName = item.alias().isPresent() && item.expr() instanceof Expr.Column column
                        && column.name().equals(item.alias().get());
                yield item.alias().filter(alias -> !sameName).map(alias -> text + " AS " + identifier(alias)).orElse(text);
            }
        };
    }

    private static String fromItem(Select.FromItem item) {
        String text = switch (item) {
            case Select.TableRef table -> table.schema().map(s -> identifier(s) + ".").orElse("") + identifier(table.name());
            case Select.TableFunction function -> function.name() + "(" + list(function.args()) + ")";
        };
        return item.alias().map(alias -> text + " AS " + identifier(alias)).orElse(text);
    }

    static String expr(Expr expr) {
        return switch (expr) {
            case Expr.Literal literal -> literal(literal.value());
            case Expr.Column column -> column.qualifier().map(q -> identifier(q) + ".").orElse("") + identifier(column.name());
            case Expr.Call call -> call.name() + "(" + list(call.args()) + ")";
            case Expr.Unary unary -> unary.operator().equals("NOT")
                    ? "NOT " + operand(unary.operand(), NOT)
                    : unary.operator() + operand(unary.operand(), UNARY);
            case Expr.Binary binary -> {
                int level = level(binary.operator());
                yield operand(binary.left(), level) + " " + binary.operator() + " " + operand(binary.right(), level + 1);
            }
            case Expr.InList in -> operand(in.value(), EQUALITY + 1) + (in.negated() ? " NOT IN (" : " IN (")
                    + list(in.items()) + ")";
            case Expr.InSelect in -> operand(in.value(), EQUALITY + 1) + (in.negated() ? " NOT IN (" : " IN (")
                    + select(in.select()) + ")";
            case Expr.InExpr in -> operand(in.value(), EQUALITY + 1) + (in.negated() ? " NOT IN " : " IN ")
                    + operand(in.array(), RELATIONAL);
            case Expr.Between between -> operand(between.value(), EQUALITY + 1) + (between.negated() ? " NOT BETWEEN " : " BETWEEN ")
                    + operand(between.low(), RELATIONAL) + " AND " + operand(between.high(), RELATIONAL);
            case Expr.Case caseExpr -> {
                StringBuilder out = new StringBuilder("CASE");
                caseExpr.operand().ifPresent(operand -> out.append(' ').append(expr(operand)));
                for (Expr.When when : caseExpr.whens()) {
                    out.append(" WHEN ").append(expr(when.condition())).append(" THEN ").append(expr(when.result()));
                }
                caseExpr.otherwise().ifPresent(otherwise -> out.append(" ELSE ").append(expr(otherwise)));
                yield out.append(" END").toString();
            }
            case Expr.Cast cast -> "CAST(" + expr(cast.operand()) + " AS " + cast.type().toUpperCase(Locale.ROOT) + ")";
        };
    }

    private static String list(List<Expr> exprs) {
        return exprs.stream().map(SqlWriter::expr).collect(Collectors.joining(", "));
    }

    /** The expression, in parentheses when it binds less tightly than {@code atLeast}. */
    private static String operand(Expr expr, int atLeast) {
        String text = expr(expr);
        return level(expr) < atLeast ? "(" + text + ")" : text;
    }

    private static int level(Expr expr) {
        return switch (expr) {
            case Expr.Binary binary -> level(binary.operator());
            case Expr.Unary unary -> unary.operator().equals("NOT") ? NOT : UNARY;
            case Expr.InList in -> EQUALITY;
            case Expr.InSelect in -> EQUALITY;
            case Expr.InExpr in -> EQUALITY;
            case Expr.Between between -> EQUALITY;
            case Expr.Literal literal -> literal.value() instanceof SqliteValue.Integer i && i.value() < 0
                    || literal.value() instanceof SqliteValue.Real r && r.value() < 0 ? UNARY : PRIMARY;
            default -> PRIMARY;
        };
    }

    private static int level(String operator) {
        return switch (operator) {
            case "OR" -> OR;
            case "AND" -> AND;
            case "=", "!=", "IS", "IS NOT" -> EQUALITY;
            case "<", "<=", ">", ">=", "&&" -> RELATIONAL;
            case "&", "|", "<<", ">>" -> BITWISE;
            case "+", "-" -> ADDITIVE;
            case "*", "/", "%" -> MULTIPLICATIVE;
            default -> CONCAT; // || -> ->>
        };
    }

    static String literal(SqliteValue value) {
        return switch (value) {
            case SqliteValue.Null n -> "NULL";
            case SqliteValue.Integer i -> Long.toString(i.value());
            case SqliteValue.Real r -> {
                String plain = BigDecimal.valueOf(r.value()).toPlainString();
                yield plain.contains(".") ? plain : plain + ".0";
            }
            case SqliteValue.Text t -> "'" + t.value().replace("'", "''") + "'";
            case SqliteValue.Blob b -> "X'" + HexFormat.of().formatHex(b.value()) + "'";
        };
    }

    static String identifier(String name) {
        if (PLAIN.matcher(name).matches() && !KEYWORDS.contains(name.toLowerCase(Locale.ROOT))) {
            return name;
        }
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }
}

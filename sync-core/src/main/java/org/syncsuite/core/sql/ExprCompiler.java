package org.syncsuite.core.sql;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import org.syncsuite.core.SqliteValue;

/**
 * Compiles expressions into {@link Evaluator} trees, so a row is evaluated without walking the
 * syntax tree or looking names up. Semantics are SQLite's as PowerSync's evaluator applies them.
 * Immutable and thread-safe.
 */
public final class ExprCompiler {

    /** The scalar functions of the subset (request functions are listed apart). */
    public static final Set<String> SCALAR_FUNCTIONS = Set.of(
            "upper", "lower", "substring", "substr", "instr", "hex", "base64", "length", "typeof", "ifnull", "iif",
            "uuid_blob", "json_extract", "json_array_length", "json_valid", "json_keys", "unixepoch", "datetime",
            "st_asgeojson", "st_astext", "st_x", "st_y");

    /** Request functions and the namespaces they read. */
    public static final Set<String> REQUEST_FUNCTIONS = Set.of(
            "auth.user_id", "auth.parameter", "auth.parameters",
            "subscription.parameter", "subscription.parameters",
            "connection.parameter", "connection.parameters",
            "request.user_id", "request.jwt", "request.parameters");

    private static final Set<String> AGGREGATES = Set.of("count", "sum", "avg", "min", "max", "group_concat", "total");
    private static final Set<String> NON_DETERMINISTIC = Set.of("random", "randomblob", "changes", "last_insert_rowid",
            "date", "time", "julianday", "strftime", "current_timestamp");

    private final boolean fixedJsonExtract;

    /** {@code fixedJsonExtract}: edition 2 and later path rules (see {@link SqlJson#extract}). */
    public ExprCompiler(boolean fixedJsonExtract) {
        this.fixedJsonExtract = fixedJsonExtract;
    }

    public Evaluator compile(Expr expr, Resolver resolver) {
        return switch (expr) {
            case Expr.Literal literal -> {
                SqliteValue value = literal.value();
                yield context -> value;
            }
            case Expr.Column column -> column(column, resolver);
            case Expr.Call call -> call(call, resolver);
            case Expr.Unary unary -> unary(unary, resolver);
            case Expr.Binary binary -> binary(binary, resolver);
            case Expr.InList in -> inList(in, resolver);
            case Expr.InExpr in -> inArray(in, resolver);
            case Expr.InSelect in -> throw new SqlSyntaxException("SQL_UNSUPPORTED",
                    "IN (SELECT ...) may only filter the rows of a stream query, as a condition of its WHERE clause",
                    in.offset());
            case Expr.Between between -> between(between, resolver);
            case Expr.Case caseExpr -> caseExpression(caseExpr, resolver);
            case Expr.Cast cast -> {
                Evaluator operand = compile(cast.operand(), resolver);
                String type = cast.type();
                yield context -> SqlValues.cast(operand.evaluate(context), type);
            }
        };
    }

    private Evaluator column(Expr.Column column, Resolver resolver) {
        String qualifier = column.qualifier().map(q -> q.toLowerCase(Locale.ROOT)).orElse("");
        if (qualifier.equals("token_parameters") || qualifier.equals("user_parameters")) {
            requireRequestValues(resolver, column.display(), column.offset());
            String name = column.name();
            if (qualifier.equals("user_parameters")) {
                return context -> SqlJson.asSql(context.request().connection().get(name));
            }
            if (name.equals("user_id")) {
                return context -> context.request().userId();
            }
            return context -> {
                JsonNode parameters = context.request().jwt().get("parameters");
                return parameters != null && parameters.isObject() ? SqlJson.asSql(parameters.get(name)) : SqliteValue.NULL;
            };
        }
        return resolver.column(column);
    }

    private Evaluator call(Expr.Call call, Resolver resolver) {
        String name = call.name();
        if (REQUEST_FUNCTIONS.contains(name)) {
            requireRequestValues(resolver, name + "()", call.offset());
            return requestFunction(call);
        }
        if (name.equals("array")) {
            List<Evaluator> items = compileAll(call.args(), resolver);
            return context -> {
                List<SqliteValue> values = new ArrayList<>(items.size());
                for (Evaluator item : items) {
                    values.add(item.evaluate(context));
                }
                return SqliteValue.of(SqlJson.arrayText(values));
            };
        }
        if (AGGREGATES.contains(name)) {
            throw new SqlSyntaxException("SQL_UNSUPPORTED", "Aggregate function " + name + "() is not supported: "
                    + "sync queries work one row at a time", call.offset());
        }
        if (NON_DETERMINISTIC.contains(name)) {
            throw new SqlSyntaxException("SQL_UNSUPPORTED", name + "() is not supported: sync expressions must give "
                    + "the same result every time they are evaluated", call.offset());
        }
        if (name.equals("json_each")) {
            throw new SqlSyntaxException("SQL_UNSUPPORTED", "json_each() is a table function: use it in FROM", call.offset());
        }
        if (!SCALAR_FUNCTIONS.contains(name)) {
            String hint = name.contains(".") ? "; request functions are " + String.join(", ", REQUEST_FUNCTIONS.stream().sorted().toList())
                    : "; supported functions are " + String.join(", ", SCALAR_FUNCTIONS.stream().sorted().toList());
            throw new SqlSyntaxException("SQL_UNKNOWN_FUNCTION", "Unknown function " + name + "()" + hint, call.offset());
        }
        List<Evaluator> args = compileAll(call.args(), resolver);
        return SqlFunctions.scalar(name, args, call.offset(), fixedJsonExtract);
    }

    private Evaluator requestFunction(Expr.Call call) {
        String name = call.name();
        int expected = name.endsWith(".parameter") ? 1 : 0;
        if (call.args().size() != expected) {
            throw new SqlSyntaxException("SQL_ARGUMENTS", name + "() takes " + expected + " argument"
                    + (expected == 1 ? "" : "s"), call.offset());
        }
        if (expected == 1 && !(call.args().getFirst() instanceof Expr.Literal literal && literal.value() instanceof SqliteValue.Text)) {
            throw new SqlSyntaxException("SQL_ARGUMENTS", name + "() takes the parameter's name as a string literal",
                    call.offset());
        }
        String key = expected == 1 ? ((SqliteValue.Text) ((Expr.Literal) call.args().getFirst()).value()).value() : null;
        SqliteValue keyValue = key == null ? null : SqliteValue.of(key);
        boolean fixed = true; // parameter('k') follows ->> with SQLite-like paths
        return switch (name) {
            case "auth.user_id", "request.user_id" -> context -> context.request().userId();
            case "auth.parameters", "request.jwt" -> context -> SqliteValue.of(SqlJson.toJson(context.request().jwt()));
            case "connection.parameters", "request.parameters" ->
                    context -> SqliteValue.of(SqlJson.toJson(context.request().connection()));
            case "subscription.parameters" ->
                    context -> SqliteValue.of(SqlJson.toJson(context.request().subscriptionParameters()));
            case "auth.parameter" -> context -> SqlJson.asSql(SqlJson.extract(context.request().jwt(), keyValue, fixed));
            case "connection.parameter" ->
                    context -> SqlJson.asSql(SqlJson.extract(context.request().connection(), keyValue, fixed));
            case "subscription.parameter" ->
                    context -> SqlJson.asSql(SqlJson.extract(context.request().subscriptionParameters(), keyValue, fixed));
            default -> throw new IllegalStateException(name);
        };
    }

    private static void requireRequestValues(Resolver resolver, String what, int offset) {
        if (!resolver.allowsRequestValues()) {
            throw new SqlSyntaxException("SQL_REQUEST_VALUE_NOT_ALLOWED", what + " cannot be used here: "
                    + "this expression is evaluated for each row, where there is no request", offset);
        }
    }

    private Evaluator unary(Expr.Unary unary, Resolver resolver) {
        Evaluator operand = compile(unary.operand(), resolver);
        return switch (unary.operator()) {
            case "NOT" -> context -> {
                Boolean truth = SqlValues.truth(operand.evaluate(context));
                return SqlValues.bool(truth == null ? null : !truth);
            };
            case "-" -> context -> SqlValues.arithmetic("-", SqliteValue.of(0L), operand.evaluate(context));
            case "+" -> operand;
            case "~" -> context -> {
                SqliteValue value = operand.evaluate(context);
                return value.isNull() ? value : SqliteValue.of(~SqlValues.toLong(value));
            };
            default -> throw new IllegalStateException(unary.operator());
        };
    }

    private Evaluator binary(Expr.Binary binary, Resolver resolver) {
        Evaluator left = compile(binary.left(), resolver);
        Evaluator right = compile(binary.right(), resolver);
        String op = binary.operator();
        return switch (op) {
            case "AND" -> context -> {
                Boolean a = SqlValues.truth(left.evaluate(context));
                if (Boolean.FALSE.equals(a)) {
                    return SqliteValue.of(0L);
                }
                Boolean b = SqlValues.truth(right.evaluate(context));
                if (Boolean.FALSE.equals(b)) {
                    return SqliteValue.of(0L);
                }
                return a == null || b == null ? SqliteValue.NULL : SqliteValue.of(1L);
            };
            case "OR" -> context -> {
                Boolean a = SqlValues.truth(left.evaluate(context));
                if (Boolean.TRUE.equals(a)) {
                    return SqliteValue.of(1L);
                }
                Boolean b = SqlValues.truth(right.evaluate(context));
                if (Boolean.TRUE.equals(b)) {
                    return SqliteValue.of(1L);
                }
                return a == null || b == null ? SqliteValue.NULL : SqliteValue.of(0L);
            };
            case "=", "!=", "<", "<=", ">", ">=" -> context -> compare(op, left.evaluate(context), right.evaluate(context));
            case "IS", "IS NOT" -> context -> {
                SqliteValue a = left.evaluate(context);
                SqliteValue b = right.evaluate(context);
                boolean same = a.isNull() || b.isNull() ? a.isNull() && b.isNull() : SqlValues.equal(a, b);
                return SqliteValue.of(same == op.equals("IS") ? 1L : 0L);
            };
            case "+", "-", "*", "/", "%" -> context -> SqlValues.arithmetic(op, left.evaluate(context), right.evaluate(context));
            case "&", "|", "<<", ">>" -> context -> SqlValues.bitwise(op, left.evaluate(context), right.evaluate(context));
            case "||" -> context -> {
                SqliteValue a = left.evaluate(context);
                SqliteValue b = right.evaluate(context);
                return a.isNull() || b.isNull() ? SqliteValue.NULL : SqliteValue.of(SqlValues.text(a) + SqlValues.text(b));
            };
            case "->", "->>" -> {
                boolean asSql = op.equals("->>");
                boolean fixed = fixedJsonExtract;
                yield context -> {
                    SqliteValue json = left.evaluate(context);
                    SqliteValue path = right.evaluate(context);
                    if (json.isNull() || path.isNull()) {
                        return SqliteValue.NULL;
                    }
                    JsonNode node = SqlJson.extract(SqlJson.parse(SqlValues.text(json)), path, fixed);
                    return asSql ? SqlJson.asSql(node) : SqlJson.asJson(node);
                };
            }
            case "&&" -> context -> {
                SqliteValue a = left.evaluate(context);
                SqliteValue b = right.evaluate(context);
                if (a.isNull() || b.isNull()) {
                    return SqliteValue.NULL;
                }
                List<SqliteValue> first = SqlJson.arrayElements(a);
                for (SqliteValue candidate : SqlJson.arrayElements(b)) {
                    if (!candidate.isNull() && contains(first, candidate)) {
                        return SqliteValue.of(1L);
                    }
                }
                return SqliteValue.of(0L);
            };
            default -> throw new IllegalStateException(op);
        };
    }

    static SqliteValue compare(String op, SqliteValue a, SqliteValue b) {
        if (a.isNull() || b.isNull()) {
            return SqliteValue.NULL;
        }
        if (a instanceof SqliteValue.Blob && b instanceof SqliteValue.Blob && !op.equals("=") && !op.equals("!=")) {
            throw new SqlEvaluationException("Blobs cannot be ordered");
        }
        int c = SqlValues.compare(a, b);
        boolean result = switch (op) {
            case "=" -> c == 0;
            case "!=" -> c != 0;
            case "<" -> c < 0;
            case "<=" -> c <= 0;
            case ">" -> c > 0;
            case ">=" -> c >= 0;
            default -> throw new IllegalStateException(op);
        };
        return SqliteValue.of(result ? 1L : 0L);
    }

    private static boolean contains(List<SqliteValue> values, SqliteValue candidate) {
        for (SqliteValue value : values) {
            if (!value.isNull() && SqlValues.equal(value, candidate)) {
                return true;
            }
        }
        return false;
    }

    private Evaluator inList(Expr.InList in, Resolver resolver) {
        Evaluator value = compile(in.value(), resolver);
        List<Evaluator> items = compileAll(in.items(), resolver);
        boolean negated = in.negated();
        return context -> {
            SqliteValue needle = value.evaluate(context);
            if (needle.isNull()) {
                return SqliteValue.NULL;
            }
            boolean sawNull = false;
            for (Evaluator item : items) {
                SqliteValue candidate = item.evaluate(context);
                if (candidate.isNull()) {
                    sawNull = true;
                } else if (SqlValues.equal(needle, candidate)) {
                    return SqliteValue.of(negated ? 0L : 1L);
                }
            }
            return sawNull ? SqliteValue.NULL : SqliteValue.of(negated ? 1L : 0L);
        };
    }

    /** {@code x IN <json array>}: the right side must be a JSON array text. */
    private Evaluator inArray(Expr.InExpr in, Resolver resolver) {
        Evaluator value = compile(in.value(), resolver);
        Evaluator array = compile(in.array(), resolver);
        boolean negated = in.negated();
        return context -> {
            SqliteValue needle = value.evaluate(context);
            SqliteValue list = array.evaluate(context);
            if (needle.isNull() || list.isNull()) {
                return SqliteValue.NULL;
            }
            boolean found = contains(SqlJson.arrayElements(list), needle);
            return SqliteValue.of(found != negated ? 1L : 0L);
        };
    }

    private Evaluator between(Expr.Between between, Resolver resolver) {
        Evaluator value = compile(between.value(), resolver);
        Evaluator low = compile(between.low(), resolver);
        Evaluator high = compile(between.high(), resolver);
        boolean negated = between.negated();
        return context -> {
            SqliteValue v = value.evaluate(context);
            SqliteValue above = compare(">=", v, low.evaluate(context));
            SqliteValue below = compare("<=", v, high.evaluate(context));
            Boolean a = SqlValues.truth(above);
            Boolean b = SqlValues.truth(below);
            Boolean result;
            if (Boolean.FALSE.equals(a) || Boolean.FALSE.equals(b)) {
                result = false;
            } else if (a == null || b == null) {
                result = null;
            } else {
                result = true;
            }
            return SqlValues.bool(result == null ? null : result != negated);
        };
    }

    private Evaluator caseExpression(Expr.Case caseExpr, Resolver resolver) {
        Optional<Evaluator> operand = caseExpr.operand().map(o -> compile(o, resolver));
        List<Evaluator> conditions = new ArrayList<>();
        List<Evaluator> results = new ArrayList<>();
        for (Expr.When when : caseExpr.whens()) {
            conditions.add(compile(when.condition(), resolver));
            results.add(compile(when.result(), resolver));
        }
        Evaluator otherwise = caseExpr.otherwise().map(o -> compile(o, resolver)).orElse(context -> SqliteValue.NULL);
        return context -> {
            SqliteValue subject = operand.map(o -> o.evaluate(context)).orElse(null);
            for (int i = 0; i < conditions.size(); i++) {
                SqliteValue condition = conditions.get(i).evaluate(context);
                boolean matches = subject == null ? Boolean.TRUE.equals(SqlValues.truth(condition))
                        : !subject.isNull() && !condition.isNull() && SqlValues.equal(subject, condition);
                if (matches) {
                    return results.get(i).evaluate(context);
                }
            }
            return otherwise.evaluate(context);
        };
    }

    private List<Evaluator> compileAll(List<Expr> exprs, Resolver resolver) {
        List<Evaluator> result = new ArrayList<>(exprs.size());
        for (Expr expr : exprs) {
            result.add(compile(expr, resolver));
        }
        return result;
    }

    /** Bytes of a value as {@code hex()} and {@code base64()} read them. */
    static byte[] bytes(SqliteValue value) {
        return value instanceof SqliteValue.Blob blob ? blob.value() : SqlValues.text(value).getBytes(StandardCharsets.UTF_8);
    }

    static String hex(SqliteValue value) {
        return HexFormat.of().withUpperCase().formatHex(bytes(value));
    }

    static String base64(SqliteValue value) {
        return Base64.getEncoder().encodeToString(bytes(value));
    }

    static SqliteValue uuidBlob(SqliteValue value) {
        UUID uuid;
        try {
            uuid = UUID.fromString(SqlValues.text(value));
        } catch (IllegalArgumentException e) {
            throw new SqlEvaluationException("Not a UUID: " + SqlJson.shorten(SqlValues.text(value)));
        }
        byte[] out = new byte[16];
        long msb = uuid.getMostSignificantBits();
        long lsb = uuid.getLeastSignificantBits();
        for (int i = 0; i < 8; i++) {
            out[i] = (byte) (msb >>> (56 - 8 * i));
            out[8 + i] = (byte) (lsb >>> (56 - 8 * i));
        }
        return SqliteValue.ofBlob(out);
    }
}

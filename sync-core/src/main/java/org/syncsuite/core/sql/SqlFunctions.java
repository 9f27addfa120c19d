package org.syncsuite.core.sql;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;
import org.syncsuite.core.SqliteValue;

/** The scalar function library of the subset, each with SQLite's semantics. */
final class SqlFunctions {

    private SqlFunctions() {
    }

    static Evaluator scalar(String name, List<Evaluator> args, int offset, boolean fixedJsonExtract) {
        return switch (name) {
            case "upper" -> unaryText(args, name, offset, text -> text.toUpperCase(Locale.ROOT));
            case "lower" -> unaryText(args, name, offset, text -> text.toLowerCase(Locale.ROOT));
            case "substring", "substr" -> {
                arity(name, args, 2, 3, offset);
                yield context -> {
                    SqliteValue value = args.get(0).evaluate(context);
                    SqliteValue start = args.get(1).evaluate(context);
                    SqliteValue length = args.size() > 2 ? args.get(2).evaluate(context) : null;
                    if (value.isNull() || start.isNull() || (length != null && length.isNull())) {
                        return SqliteValue.NULL;
                    }
                    return SqliteValue.of(substring(SqlValues.text(value), SqlValues.toLong(start),
                            length == null ? null : SqlValues.toLong(length)));
                };
            }
            case "instr" -> {
                arity(name, args, 2, 2, offset);
                yield context -> {
                    SqliteValue haystack = args.get(0).evaluate(context);
                    SqliteValue needle = args.get(1).evaluate(context);
                    if (haystack.isNull() || needle.isNull()) {
                        return SqliteValue.NULL;
                    }
                    String h = SqlValues.text(haystack);
                    int index = h.indexOf(SqlValues.text(needle));
                    return SqliteValue.of(index < 0 ? 0L : h.codePointCount(0, index) + 1L);
                };
            }
            case "hex" -> unary(args, name, offset, value -> value.isNull() ? SqliteValue.of("") : SqliteValue.of(ExprCompiler.hex(value)));
            case "base64" -> unary(args, name, offset, value -> value.isNull() ? SqliteValue.NULL : SqliteValue.of(ExprCompiler.base64(value)));
            case "length" -> unary(args, name, offset, value -> switch (value) {
                case SqliteValue.Null n -> n;
                case SqliteValue.Blob blob -> SqliteValue.of((long) blob.value().length);
                default -> {
                    String text = SqlValues.text(value);
                    yield SqliteValue.of((long) text.codePointCount(0, text.length()));
                }
            });
            case "typeof" -> unary(args, name, offset, value -> SqliteValue.of(value.typeName()));
            case "ifnull" -> {
                arity(name, args, 2, 2, offset);
                yield context -> {
                    SqliteValue first = args.get(0).evaluate(context);
                    return first.isNull() ? args.get(1).evaluate(context) : first;
                };
            }
            case "iif" -> {
                arity(name, args, 3, 3, offset);
                yield context -> Boolean.TRUE.equals(SqlValues.truth(args.get(0).evaluate(context)))
                        ? args.get(1).evaluate(context) : args.get(2).evaluate(context);
            }
            case "uuid_blob" -> unary(args, name, offset, value -> value.isNull() ? value : ExprCompiler.uuidBlob(value));
            case "json_extract" -> {
                arity(name, args, 2, 2, offset);
                yield context -> {
                    SqliteValue json = args.get(0).evaluate(context);
                    SqliteValue path = args.get(1).evaluate(context);
                    if (json.isNull() || path.isNull()) {
                        return SqliteValue.NULL;
                    }
                    String text = SqlValues.text(path);
                    if (!text.startsWith("$")) {
                        throw new SqlEvaluationException("json_extract needs a path starting with $, not " + text);
                    }
                    return SqlJson.asSql(SqlJson.extract(SqlJson.parse(SqlValues.text(json)), path, true));
                };
            }
            case "json_array_length" -> {
                arity(name, args, 1, 2, offset);
                yield context -> {
                    SqliteValue json = args.get(0).evaluate(context);
                    if (json.isNull()) {
                        return json;
                    }
                    JsonNode node = SqlJson.parse(SqlValues.text(json));
                    if (args.size() == 2) {
                        SqliteValue path = args.get(1).evaluate(context);
                        if (path.isNull()) {
                            return path;
                        }
                        node = SqlJson.extract(node, path, true);
                    }
                    if (node == null) {
                        return SqliteValue.NULL;
                    }
                    return SqliteValue.of(node.isArray() ? node.size() : 0L);
                };
            }
            case "json_valid" -> unary(args, name, offset, value -> value.isNull() ? value
                    : SqliteValue.of(SqlJson.isValid(SqlValues.text(value)) ? 1L : 0L));
            case "json_keys" -> unary(args, name, offset, value -> {
                if (value.isNull()) {
                    return value;
                }
                JsonNode node = SqlJson.parse(SqlValues.text(value));
                if (!node.isObject()) {
                    throw new SqlEvaluationException("json_keys needs a JSON object");
                }
                List<SqliteValue> keys = new ArrayList<>();
                for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                    keys.add(SqliteValue.of(it.next()));
                }
                return SqliteValue.of(SqlJson.arrayText(keys));
            });
            case "unixepoch" -> {
                arity(name, args, 1, 4, offset);
                yield context -> SqlDates.unixepoch(values(args, context));
            }
            case "datetime" -> {
                arity(name, args, 1, 4, offset);
                yield context -> SqlDates.datetime(values(args, context));
            }
            case "st_asgeojson" -> unary(args, name, offset, value -> value.isNull() ? value : SqliteValue.of(Geometry.parse(value).toGeoJson()));
            case "st_astext" -> unary(args, name, offset, value -> value.isNull() ? value : SqliteValue.of(Geometry.parse(value).toText()));
            case "st_x" -> unary(args, name, offset, value -> value.isNull() ? value : Geometry.parse(value).x());
            case "st_y" -> unary(args, name, offset, value -> value.isNull() ? value : Geometry.parse(value).y());
            default -> throw new IllegalStateException(name);
        };
    }

    private static List<SqliteValue> values(List<Evaluator> args, EvalContext context) {
        List<SqliteValue> values = new ArrayList<>(args.size());
        for (Evaluator arg : args) {
            values.add(arg.evaluate(context));
        }
        return values;
    }

    /** SQLite's substr: 1-based, a negative start counts from the end, a negative length takes characters before start. */
    static String substring(String text, long start, Long length) {
        int[] codePoints = text.codePoints().toArray();
        long n = codePoints.length;
        long from;
        long to;
        if (start > 0) {
            from = start - 1;
        } else if (start < 0) {
            from = n + start;
        } else {
            from = -1; // SQLite: position 0 is just before the first character
        }
        if (length == null) {
            to = n;
        } else if (length >= 0) {
            to = from + length;
        } else {
            to = from;
            from = from + length;
        }
        from = Math.max(0, from);
        to = Math.min(n, Math.max(from, to));
        return new String(codePoints, (int) from, (int) (to - from));
    }

    private static void arity(String name, List<Evaluator> args, int min, int max, int offset) {
        if (args.size() < min || args.size() > max) {
            String expected = min == max ? Integer.toString(min) : min + " to " + max;
            throw new SqlSyntaxException("SQL_ARGUMENTS", name + "() takes " + expected + " argument" + (max == 1 ? "" : "s")
                    + ", not " + args.size(), offset);
        }
    }

    private interface ValueFunction {
        SqliteValue apply(SqliteValue value);
    }

    private interface TextFunction {
        String apply(String text);
    }

    private static Evaluator unary(List<Evaluator> args, String name, int offset, ValueFunction function) {
        arity(name, args, 1, 1, offset);
        Evaluator arg = args.getFirst();
        return context -> function.apply(arg.evaluate(context));
    }

    private static Evaluator unaryText(List<Evaluator> args, String name, int offset, TextFunction function) {
        return unary(args, name, offset, value -> value.isNull() ? value : SqliteValue.of(function.apply(SqlValues.text(value))));
    }
}

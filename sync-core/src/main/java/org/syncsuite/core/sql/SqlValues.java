package org.syncsuite.core.sql;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;

import org.syncsuite.core.JsonWriter;
import org.syncsuite.core.SqliteValue;

/**
 * SQLite's value semantics, as PowerSync's evaluator applies them: text forms, numeric
 * conversion, casts, truthiness, comparison and arithmetic.
 */
public final class SqlValues {

    private SqlValues() {
    }

    /** The text form ({@code CAST(x AS TEXT)}); NULL stays null (Java null). */
    public static String text(SqliteValue value) {
        return switch (value) {
            case SqliteValue.Null n -> null;
            case SqliteValue.Integer i -> Long.toString(i.value());
            case SqliteValue.Real r -> JsonWriter.formatNumber(r.value());
            case SqliteValue.Text t -> t.value();
            case SqliteValue.Blob b -> b.asText();
        };
    }

    /** {@code CAST(x AS type)}. */
    public static SqliteValue cast(SqliteValue value, String type) {
        if (value.isNull()) {
            return value;
        }
        return switch (type) {
            case "text" -> SqliteValue.of(text(value));
            case "integer" -> switch (value) {
                case SqliteValue.Integer i -> i;
                case SqliteValue.Real r -> SqliteValue.of(realToLong(r.value()));
                default -> SqliteValue.of(parseLeadingInteger(text(value)));
            };
            case "real" -> switch (value) {
                case SqliteValue.Integer i -> SqliteValue.of((double) i.value());
                case SqliteValue.Real r -> r;
                default -> SqliteValue.of(parseLeadingReal(text(value)));
            };
            case "numeric" -> numeric(value);
            case "blob" -> value instanceof SqliteValue.Blob ? value
                    : SqliteValue.ofBlob(text(value).getBytes(StandardCharsets.UTF_8));
            default -> throw new IllegalArgumentException("Unknown cast type " + type);
        };
    }

    /** The value as a number: integers and reals stay, text becomes an integer when integral, else a real. */
    public static SqliteValue numeric(SqliteValue value) {
        return switch (value) {
            case SqliteValue.Null n -> n;
            case SqliteValue.Integer i -> i;
            case SqliteValue.Real r -> r;
            default -> {
                String text = text(value).trim();
                String prefix = numericPrefix(text);
                if (prefix.isEmpty()) {
                    yield SqliteValue.of(0L);
                }
                if (!prefix.contains(".") && !prefix.contains("e") && !prefix.contains("E")) {
                    try {
                        yield SqliteValue.of(Long.parseLong(prefix));
                    } catch (NumberFormatException e) {
                        yield SqliteValue.of(Double.parseDouble(prefix));
                    }
                }
                double d = Double.parseDouble(prefix);
                if (d == Math.rint(d) && Math.abs(d) < 9.2e18 && !prefix.contains("e") && !prefix.contains("E")) {
                    // "3.0" is numerically an integer: SQLite's NUMERIC affinity makes it 3
                    yield SqliteValue.of((long) d);
                }
                yield SqliteValue.of(d);
            }
        };
    }

    /** SQLite truthiness: NULL is unknown (Java null), numbers are true when non-zero, text is read as a number. */
    public static Boolean truth(SqliteValue value) {
        return switch (numeric(value)) {
            case SqliteValue.Null n -> null;
            case SqliteValue.Integer i -> i.value() != 0;
            case SqliteValue.Real r -> r.value() != 0;
            default -> false;
        };
    }

    public static SqliteValue bool(Boolean value) {
        return value == null ? SqliteValue.NULL : SqliteValue.of(value ? 1L : 0L);
    }

    /**
     * Compares two non-null values in SQLite's order: numbers (by value) before text (by code
     * point) before blobs (by bytes). Comparing a blob with a blob is an error in PowerSync.
     */
    public static int compare(SqliteValue a, SqliteValue b) {
        int rankA = rank(a);
        int rankB = rank(b);
        if (rankA != rankB) {
            return Integer.compare(rankA, rankB);
        }
        return switch (a) {
            case SqliteValue.Integer i when b instanceof SqliteValue.Integer j -> Long.compare(i.value(), j.value());
            case SqliteValue.Integer i -> compareNumbers(i.value(), ((SqliteValue.Real) b).value());
            case SqliteValue.Real r when b instanceof SqliteValue.Integer j -> -compareNumbers(j.value(), r.value());
            case SqliteValue.Real r -> Double.compare(r.value(), ((SqliteValue.Real) b).value());
            case SqliteValue.Text t -> t.value().compareTo(((SqliteValue.Text) b).value());
            case SqliteValue.Blob x -> java.util.Arrays.compareUnsigned(x.value(), ((SqliteValue.Blob) b).value());
            case SqliteValue.Null n -> 0;
        };
    }

    /** Equality as {@code =} means it for non-null values: 1 equals 1.0. */
    public static boolean equal(SqliteValue a, SqliteValue b) {
        return compare(a, b) == 0;
    }

    private static int compareNumbers(long a, double b) {
        if (Double.isNaN(b)) {
            return 1;
        }
        return new BigDecimal(a).compareTo(new BigDecimal(b));
    }

    private static int rank(SqliteValue value) {
        return switch (value) {
            case SqliteValue.Null n -> 0;
            case SqliteValue.Integer i -> 1;
            case SqliteValue.Real r -> 1;
            case SqliteValue.Text t -> 2;
            case SqliteValue.Blob b -> 3;
        };
    }

    /** Arithmetic on numbers, as SQLite does it: integer results for integer operands (real on overflow), NULL on division by zero. */
    public static SqliteValue arithmetic(String operator, SqliteValue left, SqliteValue right) {
        if (left.isNull() || right.isNull()) {
            return SqliteValue.NULL;
        }
        SqliteValue a = numeric(left);
        SqliteValue b = numeric(right);
        if (a instanceof SqliteValue.Integer x && b instanceof SqliteValue.Integer y) {
            long l = x.value();
            long r = y.value();
            try {
                return switch (operator) {
                    case "+" -> SqliteValue.of(Math.addExact(l, r));
                    case "-" -> SqliteValue.of(Math.subtractExact(l, r));
                    case "*" -> SqliteValue.of(Math.multiplyExact(l, r));
                    case "/" -> r == 0 ? SqliteValue.NULL : (l == Long.MIN_VALUE && r == -1 ? SqliteValue.of(-(double) l) : SqliteValue.of(l / r));
                    case "%" -> r == 0 ? SqliteValue.NULL : SqliteValue.of(r == -1 ? 0 : l % r);
                    default -> throw new IllegalArgumentException(operator);
                };
            } catch (ArithmeticException overflow) {
                return arithmeticReal(operator, (double) l, (double) r);
            }
        }
        return arithmeticReal(operator, toDouble(a), toDouble(b));
    }

    private static SqliteValue arithmeticReal(String operator, double l, double r) {
        return switch (operator) {
            case "+" -> SqliteValue.of(l + r);
            case "-" -> SqliteValue.of(l - r);
            case "*" -> SqliteValue.of(l * r);
            case "/" -> r == 0 ? SqliteValue.NULL : SqliteValue.of(l / r);
            case "%" -> {
                long lr = realToLong(l);
                long rr = realToLong(r);
                yield rr == 0 ? SqliteValue.NULL : SqliteValue.of((double) (lr % rr));
            }
            default -> throw new IllegalArgumentException(operator);
        };
    }

    /** Bitwise operators on 64-bit integers. */
    public static SqliteValue bitwise(String operator, SqliteValue left, SqliteValue right) {
        if (left.isNull() || right.isNull()) {
            return SqliteValue.NULL;
        }
        long l = toLong(left);
        long r = toLong(right);
        return SqliteValue.of(switch (operator) {
            case "&" -> l & r;
            case "|" -> l | r;
            case "<<" -> r >= 64 ? 0 : r < 0 ? (r <= -64 ? (l < 0 ? -1 : 0) : l >> -r) : l << r;
            case ">>" -> r >= 64 ? (l < 0 ? -1 : 0) : r < 0 ? (r <= -64 ? 0 : l << -r) : l >> r;
            default -> throw new IllegalArgumentException(operator);
        });
    }

    public static long toLong(SqliteValue value) {
        SqliteValue number = numeric(value);
        return number instanceof SqliteValue.Integer i ? i.value() : realToLong(((SqliteValue.Real) number).value());
    }

    public static double toDouble(SqliteValue value) {
        SqliteValue number = numeric(value);
        return number instanceof SqliteValue.Integer i ? i.value() : ((SqliteValue.Real) number).value();
    }

    private static long realToLong(double value) {
        if (Double.isNaN(value)) {
            return 0;
        }
        return (long) value; // truncates toward zero and saturates, like SQLite
    }

    /** The longest prefix of {@code text} that reads as a number ("12abc" → "12"). */
    private static String numericPrefix(String text) {
        int i = 0;
        int n = text.length();
        if (i < n && (text.charAt(i) == '+' || text.charAt(i) == '-')) {
            i++;
        }
        int digitsStart = i;
        while (i < n && Character.isDigit(text.charAt(i))) {
            i++;
        }
        if (i < n && text.charAt(i) == '.') {
            i++;
            while (i < n && Character.isDigit(text.charAt(i))) {
                i++;
            }
        }
        if (i == digitsStart || (i == digitsStart + 1 && text.charAt(digitsStart) == '.')) {
            return "";
        }
        if (i < n && (text.charAt(i) == 'e' || text.charAt(i) == 'E')) {
            int save = i;
            i++;
            if (i < n && (text.charAt(i) == '+' || text.charAt(i) == '-')) {
                i++;
            }
            int expStart = i;
            while (i < n && Character.isDigit(text.charAt(i))) {
                i++;
            }
            if (i == expStart) {
                i = save;
            }
        }
        return text.substring(0, i);
    }

    private static long parseLeadingInteger(String text) {
        String prefix = numericPrefix(text.trim());
        if (prefix.isEmpty()) {
            return 0;
        }
        int end = 0;
        while (end < prefix.length() && (Character.isDigit(prefix.charAt(end)) || (end == 0 && "+-".indexOf(prefix.charAt(0)) >= 0))) {
            end++;
        }
        String digits = prefix.substring(0, end);
        if (digits.isEmpty() || digits.equals("+") || digits.equals("-")) {
            return 0;
        }
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            return digits.startsWith("-") ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    private static double parseLeadingReal(String text) {
        String prefix = numericPrefix(text.trim());
        return prefix.isEmpty() ? 0.0 : Double.parseDouble(prefix);
    }
}

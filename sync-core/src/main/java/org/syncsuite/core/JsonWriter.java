package org.syncsuite.core;

import java.math.BigDecimal;

/**
 * Compact JSON text written exactly as JavaScript's {@code JSON.stringify} writes it, because the
 * synced row text and the bucket ids take part in checksums and must match byte for byte what
 * PowerSync produces: numbers in JavaScript's shortest form (integral reals without a fraction,
 * exponents from 1e21 and below 1e-6), strings with the same escapes, 64-bit integers exact.
 *
 * <p>Not thread-safe; cheap to create.
 */
public final class JsonWriter implements DocumentWriter {

    private final StringBuilder out;
    private boolean needsComma;

    public JsonWriter() {
        this(new StringBuilder(256));
    }

    public JsonWriter(StringBuilder out) {
        this.out = out;
    }

    @Override
    public JsonWriter beginObject() {
        separate();
        out.append('{');
        needsComma = false;
        return this;
    }

    @Override
    public JsonWriter endObject() {
        out.append('}');
        needsComma = true;
        return this;
    }

    @Override
    public JsonWriter beginArray() {
        separate();
        out.append('[');
        needsComma = false;
        return this;
    }

    @Override
    public JsonWriter endArray() {
        out.append(']');
        needsComma = true;
        return this;
    }

    /** An object key; the next call writes its value. */
    @Override
    public JsonWriter name(String name) {
        separate();
        appendString(out, name);
        out.append(':');
        needsComma = false;
        return this;
    }

    @Override
    public JsonWriter value(String value) {
        separate();
        if (value == null) {
            out.append("null");
        } else {
            appendString(out, value);
        }
        needsComma = true;
        return this;
    }

    @Override
    public JsonWriter value(long value) {
        separate();
        out.append(value);
        needsComma = true;
        return this;
    }

    @Override
    public JsonWriter value(double value) {
        separate();
        out.append(formatNumber(value));
        needsComma = true;
        return this;
    }

    @Override
    public JsonWriter value(boolean value) {
        separate();
        out.append(value);
        needsComma = true;
        return this;
    }

    @Override
    public JsonWriter nullValue() {
        separate();
        out.append("null");
        needsComma = true;
        return this;
    }

    /** Already-serialized JSON, inserted as is. */
    public JsonWriter rawValue(String json) {
        separate();
        out.append(json);
        needsComma = true;
        return this;
    }

    /**
     * A SQLite value as JSON: NULL as null, INTEGER exact, REAL as a JavaScript number, TEXT as a
     * string. BLOBs have no JSON form; callers drop them (see {@link #isJsonRepresentable}).
     */
    public JsonWriter value(SqliteValue value) {
        return switch (value) {
            case SqliteValue.Null n -> nullValue();
            case SqliteValue.Integer i -> value(i.value());
            case SqliteValue.Real r -> value(r.value());
            case SqliteValue.Text t -> value(t.value());
            case SqliteValue.Blob b -> nullValue();
        };
    }

    /** False for BLOBs, which synced rows leave out. */
    public static boolean isJsonRepresentable(SqliteValue value) {
        return !(value instanceof SqliteValue.Blob);
    }

    @Override
    public String toString() {
        return out.toString();
    }

    private void separate() {
        if (needsComma) {
            out.append(',');
            needsComma = false;
        }
    }

    /** Appends {@code value} as a JSON string literal with JSON.stringify's escapes. */
    public static void appendString(StringBuilder out, String value) {
        out.append('"');
        int length = value.length();
        int run = 0; // start of the current run of characters that need no escape
        for (int i = 0; i < length; i++) {
            char c = value.charAt(i);
            if (c >= 0x20 && c != '"' && c != '\\' && !Character.isSurrogate(c)) {
                continue;
            }
            if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++; // a well-formed pair is kept as is
                continue;
            }
            out.append(value, run, i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> appendUnicodeEscape(out, c); // other controls, and lone surrogates
            }
            run = i + 1;
        }
        out.append(value, run, length);
        out.append('"');
    }

    private static void appendUnicodeEscape(StringBuilder out, char c) {
        out.append("\\u");
        String hex = Integer.toHexString(c);
        for (int pad = hex.length(); pad < 4; pad++) {
            out.append('0');
        }
        out.append(hex);
    }

    /**
     * A double as JavaScript's {@code Number.prototype.toString} writes it: the shortest digits
     * that round-trip, plain notation for exponents -7 &lt; e &lt; 21, else {@code d.ddde+N}.
     * NaN and the infinities have no JSON form and become {@code null}, as in JSON.stringify.
     */
    public static String formatNumber(double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return "null";
        }
        if (value == 0) {
            return "0"; // also -0, as JSON.stringify writes it
        }
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        // Double.toString gives the shortest round-tripping digits (JDK 19+); only the layout differs.
        BigDecimal decimal = new BigDecimal(Double.toString(value)).stripTrailingZeros();
        String digits = decimal.unscaledValue().abs().toString();
        int exponent = digits.length() - 1 - decimal.scale(); // value = d.ddd × 10^exponent
        StringBuilder out = new StringBuilder(24);
        if (value < 0) {
            out.append('-');
        }
        if (exponent >= 21 || exponent <= -7) {
            out.append(digits.charAt(0));
            if (digits.length() > 1) {
                out.append('.').append(digits, 1, digits.length());
            }
            out.append('e').append(exponent >= 0 ? "+" : "-").append(Math.abs(exponent));
        } else if (exponent >= digits.length() - 1) {
            out.append(digits);
            for (int i = digits.length() - 1; i < exponent; i++) {
                out.append('0');
            }
        } else if (exponent >= 0) {
            out.append(digits, 0, exponent + 1).append('.').append(digits, exponent + 1, digits.length());
        } else {
            out.append("0.");
            for (int i = -1; i > exponent; i--) {
                out.append('0');
            }
            out.append(digits);
        }
        return out.toString();
    }
}

package org.syncsuite.core.change;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

import org.syncsuite.core.SqliteValue;

/**
 * Compact JSON written straight as UTF-8 bytes into a growing, reusable buffer: the changes
 * topic's encoding without a {@link StringBuilder} and a conversion to bytes. Strings get the
 * same escapes as {@link org.syncsuite.core.JsonWriter} (JavaScript's {@code JSON.stringify}):
 * {@code \" \\ \n \r \t \b \f}, other control characters and lone surrogates as lower-case
 * {@code \}{@code uXXXX}; everything else is written as its UTF-8 bytes. The caller places
 * commas and colons (usually as pre-encoded fragments, see {@link #encodeString}).
 *
 * <p>Not thread-safe; reuse one per thread with {@link #reset}.
 */
public final class JsonBuffer {

    private static final byte[] NULL = {'n', 'u', 'l', 'l'};
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    /** For each ASCII byte: 0 when it is written as is inside a string, else the escape's second character (or 'u'). */
    private static final byte[] ESCAPE = new byte[128];

    static {
        for (int c = 0; c < 0x20; c++) {
            ESCAPE[c] = 'u';
        }
        ESCAPE['"'] = '"';
        ESCAPE['\\'] = '\\';
        ESCAPE['\n'] = 'n';
        ESCAPE['\r'] = 'r';
        ESCAPE['\t'] = 't';
        ESCAPE['\b'] = 'b';
        ESCAPE['\f'] = 'f';
    }

    /** "00" to "99". */
    private static final byte[] PAIRS = new byte[200];

    static {
        for (int i = 0; i < 100; i++) {
            PAIRS[2 * i] = (byte) ('0' + i / 10);
            PAIRS[2 * i + 1] = (byte) ('0' + i % 10);
        }
    }

    /** 10^0 to 10^18. */
    private static final long[] POWERS_OF_TEN = new long[19];

    static {
        long power = 1;
        for (int i = 0; i < 19; i++) {
            POWERS_OF_TEN[i] = power;
            power *= 10;
        }
    }

    private byte[] buffer;
    private int size;

    public JsonBuffer() {
        this(512);
    }

    public JsonBuffer(int capacity) {
        this.buffer = new byte[Math.max(16, capacity)];
    }

    /** Empties the buffer, keeping its capacity. */
    public JsonBuffer reset() {
        size = 0;
        return this;
    }

    /** Bytes written since the last reset. */
    public int size() {
        return size;
    }

    /** A copy of everything written. */
    public byte[] toByteArray() {
        return Arrays.copyOf(buffer, size);
    }

    /** A copy of the bytes from {@code from} (inclusive) to {@code to} (exclusive). */
    public byte[] copy(int from, int to) {
        return Arrays.copyOfRange(buffer, from, to);
    }

    /** Whether the written ranges {@code [aFrom, aTo)} and {@code [bFrom, bTo)} hold the same bytes. */
    public boolean rangeEquals(int aFrom, int aTo, int bFrom, int bTo) {
        return Arrays.equals(buffer, aFrom, aTo, buffer, bFrom, bTo);
    }

    /** Whether the written range {@code [from, to)} holds exactly {@code bytes}. */
    public boolean rangeEquals(int from, int to, byte[] bytes) {
        return Arrays.equals(buffer, from, to, bytes, 0, bytes.length);
    }

    /** Appends the range {@code [from, to)} of {@code other} (which may be this buffer). */
    public JsonBuffer append(JsonBuffer other, int from, int to) {
        int length = to - from;
        ensure(length);
        System.arraycopy(other.buffer, from, buffer, size, length);
        size += length;
        return this;
    }

    /** Appends already-encoded JSON (a fragment, a name with its colon, punctuation). */
    public JsonBuffer raw(byte[] bytes) {
        int length = bytes.length;
        ensure(length);
        System.arraycopy(bytes, 0, buffer, size, length);
        size += length;
        return this;
    }

    /** Appends one byte of already-encoded JSON (a comma, a brace). */
    public JsonBuffer raw(char ascii) {
        ensure(1);
        buffer[size++] = (byte) ascii;
        return this;
    }

    public JsonBuffer nullValue() {
        return raw(NULL);
    }

    /** A JSON number: the exact decimal digits. */
    public JsonBuffer number(long value) {
        ensure(20);
        if (value < 0) {
            if (value == Long.MIN_VALUE) {
                return ascii("-9223372036854775808");
            }
            buffer[size++] = '-';
            value = -value;
        }
        int end = size + digits(value);
        int position = end;
        while (value >= 100) {
            long quotient = value / 100;
            int pair = (int) (value - quotient * 100) * 2;
            buffer[--position] = PAIRS[pair + 1];
            buffer[--position] = PAIRS[pair];
            value = quotient;
        }
        if (value >= 10) {
            buffer[--position] = PAIRS[(int) value * 2 + 1];
            buffer[--position] = PAIRS[(int) value * 2];
        } else {
            buffer[--position] = (byte) ('0' + value);
        }
        size = end;
        return this;
    }

    /** A non-negative number in exactly {@code width} digits, zero-padded (higher digits dropped); for dates and times. */
    public JsonBuffer padded(int value, int width) {
        ensure(width);
        for (int i = size + width - 1; i >= size; i--) {
            buffer[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
        size += width;
        return this;
    }

    /**
     * A REAL as the changes topic writes it: Java's shortest round-tripping form, which always has a
     * fraction or an exponent ({@code 1.0}, {@code 2.5E-9}) so that it reads back as a real; NaN and
     * the infinities have no JSON form and are written as {@code null}.
     */
    public JsonBuffer real(double value) {
        return Double.isFinite(value) ? ascii(Double.toString(value)) : nullValue();
    }

    /** A JSON string, or {@code null} for a null reference. */
    public JsonBuffer string(String value) {
        if (value == null) {
            return nullValue();
        }
        int length = value.length();
        ensure(length + 2);
        byte[] out = buffer;
        int position = size;
        out[position++] = '"';
        int i = 0;
        // The common case first: printable ASCII needing no escape, one byte per character.
        for (; i < length; i++) {
            char c = value.charAt(i);
            if (c >= 0x80 || ESCAPE[c] != 0) {
                break;
            }
            out[position++] = (byte) c;
        }
        size = position;
        if (i < length) {
            stringTail(value, i, length);
        }
        ensure(1);
        buffer[size++] = '"';
        return this;
    }

    private void stringTail(String value, int from, int length) {
        for (int i = from; i < length; i++) {
            char c = value.charAt(i);
            if (c < 0x80) {
                byte escape = ESCAPE[c];
                if (escape == 0) {
                    ensure(1);
                    buffer[size++] = (byte) c;
                } else if (escape == 'u') {
                    unicodeEscape(c);
                } else {
                    ensure(2);
                    buffer[size++] = '\\';
                    buffer[size++] = escape;
                }
            } else if (c < 0x800) {
                ensure(2);
                buffer[size++] = (byte) (0xC0 | (c >> 6));
                buffer[size++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(value.charAt(i + 1))) {
                    int codePoint = Character.toCodePoint(c, value.charAt(++i));
                    ensure(4);
                    buffer[size++] = (byte) (0xF0 | (codePoint >> 18));
                    buffer[size++] = (byte) (0x80 | ((codePoint >> 12) & 0x3F));
                    buffer[size++] = (byte) (0x80 | ((codePoint >> 6) & 0x3F));
                    buffer[size++] = (byte) (0x80 | (codePoint & 0x3F));
                } else {
                    unicodeEscape(c); // a lone surrogate has no UTF-8 form
                }
            } else {
                ensure(3);
                buffer[size++] = (byte) (0xE0 | (c >> 12));
                buffer[size++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                buffer[size++] = (byte) (0x80 | (c & 0x3F));
            }
        }
    }

    private void unicodeEscape(char c) {
        ensure(6);
        buffer[size++] = '\\';
        buffer[size++] = 'u';
        buffer[size++] = HEX[(c >> 12) & 0xF];
        buffer[size++] = HEX[(c >> 8) & 0xF];
        buffer[size++] = HEX[(c >> 4) & 0xF];
        buffer[size++] = HEX[c & 0xF];
    }

    /**
     * Writes the text that the bytes {@code [from, to)} hold in UTF-8 (or ASCII) as a JSON string,
     * when that needs nothing but copying: every byte printable ASCII other than {@code "} and
     * {@code \}. Returns false, having written nothing, otherwise; the caller then decodes the text
     * and uses {@link #string}.
     */
    public boolean asciiString(byte[] text, int from, int to) {
        for (int i = from; i < to; i++) {
            byte b = text[i];
            if (b < 0 || ESCAPE[b] != 0) {
                return false;
            }
        }
        int length = to - from;
        ensure(length + 2);
        buffer[size++] = '"';
        System.arraycopy(text, from, buffer, size, length);
        size += length;
        buffer[size++] = '"';
        return true;
    }

    /** Bytes as a base64 JSON string, as the changes topic writes BLOBs. */
    public JsonBuffer base64(byte[] bytes) {
        byte[] encoded = Base64.getEncoder().encode(bytes);
        ensure(encoded.length + 2);
        buffer[size++] = '"';
        System.arraycopy(encoded, 0, buffer, size, encoded.length);
        size += encoded.length;
        buffer[size++] = '"';
        return this;
    }

    /**
     * A column value: NULL as {@code null}, INTEGER exact, REAL as {@link #real}, TEXT as a string,
     * BLOB as a base64 string. Returns true for a BLOB, whose column the envelope lists under
     * {@code binary}.
     */
    public boolean value(SqliteValue value) {
        switch (value) {
            case SqliteValue.Null n -> nullValue();
            case SqliteValue.Integer i -> number(i.value());
            case SqliteValue.Real r -> real(r.value());
            case SqliteValue.Text t -> string(t.value());
            case SqliteValue.Blob b -> {
                base64(b.value());
                return true;
            }
        }
        return false;
    }

    /** {@code value} (ASCII only) as is. */
    private JsonBuffer ascii(String value) {
        int length = value.length();
        ensure(length);
        for (int i = 0; i < length; i++) {
            buffer[size++] = (byte) value.charAt(i);
        }
        return this;
    }

    /** {@code value} as a JSON string literal in UTF-8, for pre-encoded fragments. */
    public static byte[] encodeString(String value) {
        return new JsonBuffer(value == null ? 8 : value.length() + 8).string(value).toByteArray();
    }

    /** The UTF-8 bytes of pre-encoded JSON punctuation and names. */
    public static byte[] fragment(String json) {
        return json.getBytes(StandardCharsets.UTF_8);
    }

    private void ensure(int more) {
        if (size + more > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, size + more));
        }
    }

    /** The number of decimal digits of {@code value} (non-negative). */
    private static int digits(long value) {
        int digits = 1;
        while (digits < 19 && value >= POWERS_OF_TEN[digits]) {
            digits++;
        }
        return digits;
    }

}

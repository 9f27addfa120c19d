package org.syncsuite.core;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * A document tree as BSON, the framing of PowerSync's {@code application/vnd.powersync.bson-stream}:
 * each top-level document carries its own length, so documents are simply concatenated. Integers
 * are written as int32 when they fit and int64 otherwise (clients accept either), strings as
 * UTF-8, arrays as documents keyed {@code "0"}, {@code "1"}, ... A lone surrogate in a string
 * becomes U+FFFD, as JavaScript's encoders write it (UTF-8 cannot carry it); a name holding NUL
 * cannot be written (BSON ends names at NUL) and is refused.
 *
 * <p>Not thread-safe. {@link #reset()} makes it ready for the next document, keeping its buffer.
 */
public final class BsonWriter implements DocumentWriter {

    private static final byte DOUBLE = 0x01;
    private static final byte STRING = 0x02;
    private static final byte DOCUMENT = 0x03;
    private static final byte ARRAY = 0x04;
    private static final byte BINARY = 0x05;
    private static final byte BOOLEAN = 0x08;
    private static final byte NULL = 0x0A;
    private static final byte INT32 = 0x10;
    private static final byte INT64 = 0x12;
    /** The deepest nesting written (and read back by {@link BsonReader}). */
    public static final int MAX_DEPTH = 64;

    private byte[] buffer = new byte[1024];
    private int size;
    // Per open document: where its length goes, and for arrays the next index (-1 for objects).
    private final int[] starts = new int[MAX_DEPTH];
    private final int[] arrayIndex = new int[MAX_DEPTH];
    private int depth;
    private String pendingName;

    @Override
    public BsonWriter beginObject() {
        return open(DOCUMENT, -1);
    }

    @Override
    public BsonWriter endObject() {
        return close(false);
    }

    @Override
    public BsonWriter beginArray() {
        if (depth == 0) {
            throw new IllegalStateException("a BSON document's root is an object");
        }
        return open(ARRAY, 0);
    }

    @Override
    public BsonWriter endArray() {
        return close(true);
    }

    @Override
    public BsonWriter name(String name) {
        if (depth == 0 || arrayIndex[depth - 1] >= 0) {
            throw new IllegalStateException("a name belongs inside an object");
        }
        if (name.indexOf(0) >= 0) {
            throw new IllegalArgumentException("a BSON name cannot hold NUL (BSON ends names at NUL)");
        }
        pendingName = name;
        return this;
    }

    @Override
    public BsonWriter value(String value) {
        if (value == null) {
            return nullValue();
        }
        element(STRING);
        int lengthAt = size;
        int32(0);
        putUtf8(value);
        put((byte) 0);
        patchInt32(lengthAt, size - lengthAt - 4);
        return this;
    }

    /** Bytes as BSON binary of the generic subtype (0). */
    public BsonWriter value(byte[] value) {
        if (value == null) {
            return nullValue();
        }
        element(BINARY);
        int32(value.length);
        put((byte) 0);
        put(value);
        return this;
    }

    @Override
    public BsonWriter value(long value) {
        if (value >= Integer.MIN_VALUE && value <= Integer.MAX_VALUE) {
            element(INT32);
            int32((int) value);
        } else {
            element(INT64);
            int64(value);
        }
        return this;
    }

    @Override
    public BsonWriter value(double value) {
        element(DOUBLE);
        int64(Double.doubleToRawLongBits(value));
        return this;
    }

    @Override
    public BsonWriter value(boolean value) {
        element(BOOLEAN);
        put((byte) (value ? 1 : 0));
        return this;
    }

    @Override
    public BsonWriter nullValue() {
        element(NULL);
        return this;
    }

    /** The bytes written since the last {@link #reset()}: complete documents once every one is closed. */
    public byte[] toByteArray() {
        return Arrays.copyOf(buffer, size);
    }

    /** Bytes the writer's buffer holds, used or not. */
    public int capacity() {
        return buffer.length;
    }

    public int size() {
        return size;
    }

    /** Writes the documents written so far to {@code out}. */
    public void writeTo(OutputStream out) throws IOException {
        out.write(buffer, 0, size);
    }

    /** Forgets everything written, so the writer can be used for the next document. */
    public BsonWriter reset() {
        size = 0;
        depth = 0;
        pendingName = null;
        return this;
    }

    private BsonWriter open(byte type, int index) {
        if (depth == MAX_DEPTH) {
            throw new IllegalStateException("BSON documents nest at most " + MAX_DEPTH + " deep");
        }
        if (depth > 0) {
            element(type);
        } else if (pendingName != null) {
            throw new IllegalStateException("the root document has no name");
        }
        starts[depth] = size;
        arrayIndex[depth] = index;
        depth++;
        int32(0); // the length, filled in by close
        return this;
    }

    private BsonWriter close(boolean array) {
        if (depth == 0 || (arrayIndex[depth - 1] >= 0) != array) {
            throw new IllegalStateException("no open " + (array ? "array" : "object") + " to end");
        }
        put((byte) 0);
        depth--;
        int start = starts[depth];
        patchInt32(start, size - start);
        return this;
    }

    private void patchInt32(int at, int value) {
        buffer[at] = (byte) value;
        buffer[at + 1] = (byte) (value >>> 8);
        buffer[at + 2] = (byte) (value >>> 16);
        buffer[at + 3] = (byte) (value >>> 24);
    }

    /** The element's type and name: the pending name in an object, the next index in an array. */
    private void element(byte type) {
        if (depth == 0) {
            throw new IllegalStateException("a value belongs inside a document");
        }
        put(type);
        int top = depth - 1;
        if (arrayIndex[top] >= 0) {
            putAscii(Integer.toString(arrayIndex[top]++));
        } else {
            if (pendingName == null) {
                throw new IllegalStateException("a value inside an object needs a name first");
            }
            putUtf8(pendingName);
            put((byte) 0);
            pendingName = null;
        }
    }

    private void putAscii(String text) {
        ensure(text.length() + 1);
        for (int i = 0; i < text.length(); i++) {
            buffer[size++] = (byte) text.charAt(i);
        }
        buffer[size++] = 0;
    }

    /** {@code text} as UTF-8, straight into the buffer; a lone surrogate as U+FFFD. */
    private void putUtf8(String text) {
        int length = text.length();
        ensure(3L * length);
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                buffer[size++] = (byte) c;
            } else if (c < 0x800) {
                buffer[size++] = (byte) (0xc0 | c >> 6);
                buffer[size++] = (byte) (0x80 | c & 0x3f);
            } else if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(text.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, text.charAt(++i));
                buffer[size++] = (byte) (0xf0 | cp >> 18);
                buffer[size++] = (byte) (0x80 | cp >> 12 & 0x3f);
                buffer[size++] = (byte) (0x80 | cp >> 6 & 0x3f);
                buffer[size++] = (byte) (0x80 | cp & 0x3f);
            } else {
                char unit = Character.isSurrogate(c) ? '\uFFFD' : c;
                buffer[size++] = (byte) (0xe0 | unit >> 12);
                buffer[size++] = (byte) (0x80 | unit >> 6 & 0x3f);
                buffer[size++] = (byte) (0x80 | unit & 0x3f);
            }
        }
    }

    private void int32(int value) {
        ensure(4);
        buffer[size++] = (byte) value;
        buffer[size++] = (byte) (value >>> 8);
        buffer[size++] = (byte) (value >>> 16);
        buffer[size++] = (byte) (value >>> 24);
    }

    private void int64(long value) {
        ensure(8);
        for (int i = 0; i < 8; i++) {
            buffer[size++] = (byte) (value >>> (8 * i));
        }
    }

    private void put(byte value) {
        ensure(1);
        buffer[size++] = value;
    }

    private void put(byte[] bytes) {
        ensure(bytes.length);
        System.arraycopy(bytes, 0, buffer, size, bytes.length);
        size += bytes.length;
    }

    private void ensure(long more) {
        long needed = size + more;
        if (needed > buffer.length) {
            if (needed > Integer.MAX_VALUE - 16) {
                throw new IllegalStateException("a BSON document cannot exceed 2 GiB");
            }
            buffer = Arrays.copyOf(buffer, (int) Math.min(Integer.MAX_VALUE - 16, Math.max(2L * buffer.length, needed)));
        }
    }
}

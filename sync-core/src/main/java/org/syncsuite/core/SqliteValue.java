package org.syncsuite.core;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A value in one of SQLite's storage classes, the value model of sync rows and of every
 * expression in the sync config: NULL, INTEGER (64-bit), REAL (double), TEXT or BLOB.
 */
public sealed interface SqliteValue
        permits SqliteValue.Null, SqliteValue.Integer, SqliteValue.Real, SqliteValue.Text, SqliteValue.Blob {

    Null NULL = new Null();

    static SqliteValue of(long value) {
        return new Integer(value);
    }

    static SqliteValue of(double value) {
        return new Real(value);
    }

    /** TEXT, or NULL for a null string. */
    static SqliteValue of(String value) {
        return value == null ? NULL : new Text(value);
    }

    /** BLOB, or NULL for a null array. */
    static SqliteValue ofBlob(byte[] value) {
        return value == null ? NULL : new Blob(value);
    }

    /** Booleans are integers in SQLite: 1 and 0. */
    static SqliteValue of(boolean value) {
        return new Integer(value ? 1 : 0);
    }

    /** The storage class as SQLite's {@code typeof()} names it. */
    String typeName();

    default boolean isNull() {
        return this instanceof Null;
    }

    /** SQLite's NULL. */
    record Null() implements SqliteValue {
        @Override
        public String typeName() {
            return "null";
        }

        @Override
        public String toString() {
            return "NULL";
        }
    }

    /** A 64-bit signed integer. */
    record Integer(long value) implements SqliteValue {
        @Override
        public String typeName() {
            return "integer";
        }

        @Override
        public String toString() {
            return Long.toString(value);
        }
    }

    /** An IEEE 754 double. */
    record Real(double value) implements SqliteValue {
        @Override
        public String typeName() {
            return "real";
        }

        @Override
        public String toString() {
            return JsonWriter.formatNumber(value);
        }
    }

    /** Text (UTF-8 in SQLite; a Java string here). */
    record Text(String value) implements SqliteValue {
        public Text {
            Objects.requireNonNull(value);
        }

        @Override
        public String typeName() {
            return "text";
        }

        @Override
        public String toString() {
            return value;
        }
    }

    /** Bytes. Dropped from synced rows unless converted with {@code base64()} or {@code hex()}. */
    record Blob(byte[] value) implements SqliteValue {
        public Blob {
            Objects.requireNonNull(value);
        }

        @Override
        public String typeName() {
            return "blob";
        }

        /** Text form, as SQLite's CAST(x AS TEXT) reads the bytes: UTF-8. */
        public String asText() {
            return new String(value, StandardCharsets.UTF_8);
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Blob blob && Arrays.equals(value, blob.value);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(value);
        }

        @Override
        public String toString() {
            return "X'" + HexFormat.of().withUpperCase().formatHex(value) + "'";
        }
    }
}

package org.syncsuite.gateway.storage;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Arrays;

/**
 * Rows for {@code LOAD DATA LOCAL INFILE}, built in memory and sent from there: the server's
 * fastest way in for many rows, as it parses no SQL per value. The rows are in the statement's
 * default format (fields ended by a tab, rows by a newline, {@code \} escapes, {@code \N} for
 * NULL) and are loaded {@code CHARACTER SET binary}: the bytes written are the values, exactly.
 * A text column is loaded through a variable read as UTF-8 ({@link #utf8}), so that the server
 * converts it to the column's character set as it converts an INSERT's string literal.
 *
 * <p>A load from the client treats errors in the data as warnings and skips duplicate keys, so
 * {@link #load} requires every row stored and no warning, or fails as an INSERT would.
 */
public final class LoadData {

    private byte[] buffer;
    private int size;
    private int rows;
    private boolean rowOpen;

    public LoadData(int capacity) {
        buffer = new byte[Math.max(64, capacity)];
    }

    /**
     * The SQL of a load's {@code SET} for a text column read into {@code variable}: the field's
     * bytes as UTF-8 text (NULL stays NULL), which the server stores in the column's character set.
     */
    public static String utf8(String variable) {
        return "CONVERT(" + variable + " USING utf8mb4)";
    }

    /** Rows ended so far. */
    public int rows() {
        return rows;
    }

    /** The rows' bytes, as they are sent. */
    byte[] toByteArray() {
        return Arrays.copyOf(buffer, size);
    }

    /** Bytes written so far. */
    public int size() {
        return size;
    }

    /** A text field: its UTF-8 bytes (a lone surrogate as {@code ?}, as {@link String#getBytes} makes it), or NULL. */
    public LoadData text(String text) {
        if (text == null) {
            return nul();
        }
        separate();
        int length = text.length();
        ensure(2 * length);
        byte[] out = buffer;
        int at = size;
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            if (c >= 0x80) { // from the first character past ASCII on, by way of its UTF-8 bytes
                size = at;
                byte[] utf8 = text.substring(i).getBytes(StandardCharsets.UTF_8);
                escaped(utf8, 0, utf8.length);
                return this;
            }
            byte escape = escapeOf((byte) c);
            if (escape < 0) {
                out[at++] = (byte) c;
            } else {
                out[at++] = '\\';
                out[at++] = escape;
            }
        }
        size = at;
        return this;
    }

    /** A byte string field (the buffer's remaining bytes; its position is left as it was), or NULL. */
    public LoadData bytes(ByteBuffer bytes) {
        if (bytes == null) {
            return nul();
        }
        separate();
        if (bytes.hasArray()) {
            escaped(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining());
        } else {
            byte[] copy = new byte[bytes.remaining()];
            bytes.duplicate().get(copy);
            escaped(copy, 0, copy.length);
        }
        return this;
    }

    /** A byte string field, or NULL. */
    public LoadData bytes(byte[] bytes) {
        if (bytes == null) {
            return nul();
        }
        separate();
        escaped(bytes, 0, bytes.length);
        return this;
    }

    /** A number field. */
    public LoadData number(long value) {
        separate();
        ensure(20);
        if (value < 0) {
            if (value == Long.MIN_VALUE) {
                byte[] digits = Long.toString(value).getBytes(StandardCharsets.US_ASCII);
                System.arraycopy(digits, 0, buffer, size, digits.length);
                size += digits.length;
                return this;
            }
            buffer[size++] = '-';
            value = -value;
        }
        int end = size + digitCount(value);
        for (int at = end - 1; at >= size; at--) {
            buffer[at] = (byte) ('0' + value % 10);
            value /= 10;
        }
        size = end;
        return this;
    }

    /** A NULL field. */
    public LoadData nul() {
        separate();
        ensure(2);
        buffer[size++] = '\\';
        buffer[size++] = 'N';
        return this;
    }

    /** Ends the row. */
    public LoadData endRow() {
        ensure(1);
        buffer[size++] = '\n';
        rowOpen = false;
        rows++;
        return this;
    }

    /**
     * Runs {@code load} ({@code LOAD DATA LOCAL INFILE ... CHARACTER SET binary}, with the
     * default field and line format) with these rows as its file, in the caller's transaction.
     * With {@code replacing} (a {@code REPLACE} load) a row may replace one it conflicts with;
     * without, every row must be a new one.
     *
     * @throws SQLException when the server refuses the load (it or the connection does not allow
     *     local files: see {@link StorageDatabase#loadsLocal}), stores fewer rows than were sent, or
     *     warns of a value it changed
     */
    public void load(Connection connection, String load, boolean replacing) throws SQLException {
        if (rowOpen) {
            throw new IllegalStateException("The last row is not ended");
        }
        if (rows == 0) {
            return;
        }
        try (Statement statement = connection.createStatement()) {
            statement.setEscapeProcessing(false);
            statement.unwrap(com.mysql.cj.jdbc.JdbcStatement.class)
                    .setLocalInfileInputStream(new ByteArrayInputStream(buffer, 0, size));
            long affected = statement.executeLargeUpdate(load);
            long warnings;
            // The count, not the list: the server keeps at most max_error_count warnings, maybe none.
            try (ResultSet rs = statement.executeQuery("SELECT @@warning_count")) {
                warnings = rs.next() ? rs.getLong(1) : 0;
            }
            // A REPLACE counts a replaced row twice (deleted and inserted), or once when it was the same.
            if (affected < rows || !replacing && affected != rows || warnings > 0) {
                throw new SQLException("A load of " + rows + " rows stored " + affected
                        + (warnings == 0 ? "" : ", with " + warnings + " warnings: " + warnings(statement)) + " (" + load + ")",
                        "22000");
            }
        }
    }

    /** The first few warnings of the last statement, for a message. */
    private static String warnings(Statement statement) throws SQLException {
        StringBuilder text = new StringBuilder();
        try (ResultSet rs = statement.executeQuery("SHOW WARNINGS LIMIT 5")) {
            while (rs.next()) {
                text.append(text.isEmpty() ? "" : "; ").append(rs.getString(3));
            }
        }
        return text.isEmpty() ? "(not kept by the server)" : text.toString();
    }

    private void separate() {
        if (rowOpen) {
            ensure(1);
            buffer[size++] = '\t';
        }
        rowOpen = true;
    }

    /** Bytes of a field, each escaped where the format needs it. */
    private void escaped(byte[] bytes, int from, int length) {
        ensure(2 * length);
        byte[] out = buffer;
        int at = size;
        for (int i = from, end = from + length; i < end; i++) {
            byte b = bytes[i];
            byte escape = escapeOf(b);
            if (escape < 0) {
                out[at++] = b;
            } else {
                out[at++] = '\\';
                out[at++] = escape;
            }
        }
        size = at;
    }

    private static int digitCount(long value) {
        int digits = 1;
        for (long bound = 10; digits < 19 && value >= bound; bound *= 10) {
            digits++;
        }
        return digits;
    }

    /** The letter that follows a backslash for a byte the format escapes; -1 for any other byte. */
    private static byte escapeOf(byte b) {
        return switch (b) {
            case '\\' -> '\\';
            case '\t' -> 't';
            case '\n' -> 'n';
            case '\r' -> 'r';
            case 0 -> '0';
            default -> -1;
        };
    }

    private void ensure(int more) {
        if (size + more > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, size + more));
        }
    }
}

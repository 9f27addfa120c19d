package org.syncsuite.gateway.storage;

import java.nio.charset.StandardCharsets;

/**
 * SQL literals written by hand, for statements built ahead of time away from the connection that
 * runs them: byte strings as hexadecimal literals ({@code X'6869'}, exact bytes whatever the
 * character sets) or, for text whose UTF-8 bytes are the value, binary string literals
 * ({@code _binary'hi'}); text as a quoted string literal. Quoted literals are escaped with
 * backslashes (storage sessions pin that: {@link StorageDatabase#pinBackslashEscapes}).
 */
final class SqlText {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private SqlText() {
    }

    /** {@code X'..'} of the UTF-8 bytes of {@code text}, or {@code NULL}. */
    static void hex(StringBuilder sql, String text) {
        if (text == null) {
            sql.append("NULL");
            return;
        }
        sql.append("X'");
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            sql.append(HEX[(b >> 4) & 0xf]).append(HEX[b & 0xf]);
        }
        sql.append('\'');
    }

    /**
     * {@code text} as a string literal (quotes, backslashes and control characters escaped with a
     * backslash), or {@code NULL}; returns the bytes it wrote (UTF-8). Runs without a character to
     * escape are appended whole.
     */
    static long string(StringBuilder sql, String text) {
        if (text == null) {
            sql.append("NULL");
            return 4;
        }
        sql.append('\'');
        return 1 + escaped(sql, text);
    }

    /**
     * The UTF-8 bytes of {@code text} as a binary string literal ({@code _binary'..'}, escaped as
     * {@link #string}: the bytes the connection sends are the value, with no character set
     * conversion), or {@code NULL}; returns the bytes it wrote. About half as long as {@link #hex}.
     */
    static long binary(StringBuilder sql, String text) {
        if (text == null) {
            sql.append("NULL");
            return 4;
        }
        sql.append("_binary'");
        return 8 + escaped(sql, text);
    }

    /** Appends {@code text} escaped, and the closing quote; returns the bytes (UTF-8) of both. */
    private static long escaped(StringBuilder sql, String text) {
        long bytes = 1;
        int length = text.length();
        int run = 0;
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            if (c >= 0x80) {
                bytes += c < 0x800 || Character.isSurrogate(c) ? 2 : 3; // a surrogate pair is four bytes in all
                continue;
            }
            char escape = switch (c) {
                case '\0' -> '0';
                case '\n' -> 'n';
                case '\r' -> 'r';
                case '\u001a' -> 'Z';
                case '\\', '\'', '"' -> c;
                default -> 0;
            };
            if (escape == 0) {
                bytes++;
            } else {
                sql.append(text, run, i).append('\\').append(escape);
                run = i + 1;
                bytes += 2;
            }
        }
        sql.append(text, run, length).append('\'');
        return bytes;
    }

    /** The bytes {@link #hex} writes for {@code text}. */
    static long hexBytes(String text) {
        return text == null ? 4 : 3 + 2L * utf8Length(text);
    }

    /** The bytes (UTF-8) {@link #string} writes for {@code text}. */
    static long stringBytes(String text) {
        if (text == null) {
            return 4;
        }
        long bytes = 2;
        int length = text.length();
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                boolean escaped = c == '\0' || c == '\n' || c == '\r' || c == '\u001a' || c == '\\' || c == '\'' || c == '"';
                bytes += escaped ? 2 : 1;
            } else if (c < 0x800 || Character.isSurrogate(c)) {
                bytes += 2; // a surrogate pair is four bytes in all
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    private static int utf8Length(String text) {
        int bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            bytes += c < 0x80 ? 1 : c < 0x800 || Character.isSurrogate(c) ? 2 : 3;
        }
        return bytes;
    }
}

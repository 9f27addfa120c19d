package org.syncsuite.core.mysql;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.SyncException;

/**
 * A MySQL or MariaDB column type, as {@code information_schema.COLUMNS.COLUMN_TYPE} spells it
 * ({@code bigint(20) unsigned}, {@code datetime(6)}, {@code enum('a','b')}), plus the column's
 * character set. The value mapper reads everything it needs from here.
 *
 * @param dataType  the base type, lower case ({@code bigint}, {@code varchar}, {@code set})
 * @param unsigned  for integer types
 * @param length    display width, character length or bit count; 0 if none was given
 * @param scale     DECIMAL scale, or fractional-second digits of TIME, DATETIME and TIMESTAMP
 * @param charset   the column's character set for text types ({@code binary} for byte strings)
 * @param members   the members of ENUM and SET, in order
 */
public record ColumnType(String dataType, boolean unsigned, int length, int scale, Optional<String> charset,
                         List<String> members) {

    public ColumnType {
        members = List.copyOf(members);
    }

    /** Parses {@code COLUMN_TYPE}; {@code charset} may be null for non-text columns. */
    public static ColumnType parse(String columnType, String charset) {
        String text = columnType.trim();
        String lower = text.toLowerCase(Locale.ROOT);
        int paren = lower.indexOf('(');
        String base = (paren < 0 ? lower.split("\\s+")[0] : lower.substring(0, paren)).trim();
        if (base.isEmpty() || !base.matches("[a-z0-9 ]+")) {
            throw new SyncException(ErrorCode.ROW_NOT_EVALUATED, "Unreadable column type: " + columnType);
        }
        int length = 0;
        int scale = 0;
        List<String> members = List.of();
        if (paren >= 0) {
            int close = lower.lastIndexOf(')');
            if (close < paren) {
                throw new SyncException(ErrorCode.ROW_NOT_EVALUATED, "Unreadable column type: " + columnType);
            }
            String inside = text.substring(paren + 1, close);
            if (base.equals("enum") || base.equals("set")) {
                members = quotedList(inside, columnType);
            } else {
                String[] parts = inside.split(",");
                length = Integer.parseInt(parts[0].trim());
                if (parts.length > 1) {
                    scale = Integer.parseInt(parts[1].trim());
                }
            }
        }
        if (base.equals("datetime") || base.equals("timestamp") || base.equals("time")) {
            scale = length; // datetime(6): the parenthesis holds the fractional digits
            length = 0;
        }
        boolean unsigned = lower.contains(" unsigned");
        return new ColumnType(base, unsigned, length, scale, Optional.ofNullable(charset).map(c -> c.toLowerCase(Locale.ROOT)), members);
    }

    /** Parses {@code 'a','b''c'} (SQL quoting) into its strings. */
    private static List<String> quotedList(String inside, String columnType) {
        List<String> result = new ArrayList<>();
        int i = 0;
        while (i < inside.length()) {
            char c = inside.charAt(i);
            if (c == ',' || Character.isWhitespace(c)) {
                i++;
                continue;
            }
            if (c != '\'') {
                throw new SyncException(ErrorCode.ROW_NOT_EVALUATED, "Unreadable member list in " + columnType);
            }
            StringBuilder member = new StringBuilder();
            i++;
            while (true) {
                if (i >= inside.length()) {
                    throw new SyncException(ErrorCode.ROW_NOT_EVALUATED, "Unterminated member in " + columnType);
                }
                char d = inside.charAt(i);
                if (d == '\'' && i + 1 < inside.length() && inside.charAt(i + 1) == '\'') {
                    member.append('\'');
                    i += 2;
                } else if (d == '\'') {
                    i++;
                    break;
                } else if (d == '\\' && i + 1 < inside.length()) {
                    member.append(inside.charAt(i + 1));
                    i += 2;
                } else {
                    member.append(d);
                    i++;
                }
            }
            result.add(member.toString());
        }
        return result;
    }

    /** Whether values of this column are byte strings rather than text. */
    public boolean isBinaryString() {
        return switch (dataType) {
            case "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob" -> true;
            case "char", "varchar", "tinytext", "text", "mediumtext", "longtext" -> charset.map("binary"::equals).orElse(false);
            default -> false;
        };
    }
}

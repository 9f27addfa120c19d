package org.syncsuite.core.mysql;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;

import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.JsonWriter;
import org.syncsuite.core.SqliteValue;
import org.syncsuite.core.SyncException;

/**
 * Maps MySQL and MariaDB column values to SQLite values, as PowerSync's MySQL module does:
 * integers of every width to INTEGER (unsigned values read back from their signed binlog form,
 * and a BIGINT UNSIGNED beyond the signed range to exact TEXT), FLOAT/DOUBLE to REAL, DECIMAL to
 * REAL (or exact TEXT when configured), DATE to {@code YYYY-MM-DD}, DATETIME and TIMESTAMP to
 * {@code YYYY-MM-DDTHH:MM:SS.sssZ} in UTC, TIME as MySQL shows it, YEAR to INTEGER, text in its
 * column charset to TEXT, ENUM to its member, SET to a JSON array text, JSON to its text, and
 * byte strings, BIT and spatial types to BLOB. Zero and invalid dates become NULL.
 *
 * <p>Input values are the Java forms a JDBC driver or the binlog reader produce (boxed numbers,
 * {@link BigDecimal}, {@link String}, {@code byte[]}, {@code java.time} types, {@link BitSet}).
 * DATETIME is wall-clock time taken as UTC; TIMESTAMP is an instant. Thread-safe and immutable.
 */
public final class MySqlValueMapper {

    /** How DECIMAL values are synced. */
    public enum DecimalMode {
        /** A JSON number, as PowerSync syncs it (large values lose precision). */
        REAL,
        /** The exact decimal digits, as TEXT. */
        TEXT
    }

    private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);
    /** MySQL character set names and the Java charsets that decode them (MySQL's latin1 is cp1252). */
    private static final Map<String, String> CHARSETS = Map.ofEntries(
            Map.entry("utf8mb4", "UTF-8"), Map.entry("utf8mb3", "UTF-8"), Map.entry("utf8", "UTF-8"),
            Map.entry("ascii", "US-ASCII"), Map.entry("latin1", "windows-1252"), Map.entry("latin2", "ISO-8859-2"),
            Map.entry("ucs2", "UTF-16BE"), Map.entry("utf16", "UTF-16BE"), Map.entry("utf16le", "UTF-16LE"),
            Map.entry("utf32", "UTF-32BE"), Map.entry("cp1250", "windows-1250"), Map.entry("cp1251", "windows-1251"),
            Map.entry("cp1256", "windows-1256"), Map.entry("cp1257", "windows-1257"), Map.entry("greek", "ISO-8859-7"),
            Map.entry("hebrew", "ISO-8859-8"), Map.entry("latin5", "ISO-8859-9"), Map.entry("latin7", "ISO-8859-13"),
            Map.entry("koi8r", "KOI8-R"), Map.entry("koi8u", "KOI8-U"), Map.entry("sjis", "Shift_JIS"),
            Map.entry("cp932", "windows-31j"), Map.entry("ujis", "EUC-JP"), Map.entry("eucjpms", "EUC-JP"),
            Map.entry("euckr", "EUC-KR"), Map.entry("big5", "Big5"), Map.entry("gbk", "GBK"),
            Map.entry("gb2312", "GB2312"), Map.entry("gb18030", "GB18030"), Map.entry("tis620", "TIS-620"),
            Map.entry("cp850", "IBM850"), Map.entry("cp852", "IBM852"), Map.entry("cp866", "IBM866"));

    private final TimestampPrecision precision;
    private final DecimalMode decimalMode;

    public MySqlValueMapper(TimestampPrecision precision, DecimalMode decimalMode) {
        this.precision = precision;
        this.decimalMode = decimalMode;
    }

    /** PowerSync's defaults: milliseconds, DECIMAL as REAL. */
    public static MySqlValueMapper defaults() {
        return new MySqlValueMapper(TimestampPrecision.MILLISECONDS, DecimalMode.REAL);
    }

    /** The SQLite value of {@code value} in a column of {@code type}. */
    public SqliteValue map(ColumnType type, Object value) {
        if (value == null) {
            return SqliteValue.NULL;
        }
        try {
            return switch (type.dataType()) {
                case "tinyint", "smallint", "mediumint", "int", "integer", "bigint", "bool", "boolean", "serial" ->
                        integer(type, value);
                case "float", "double", "real", "double precision" -> real(value);
                case "decimal", "numeric", "dec", "fixed" -> decimal(value);
                case "year" -> SqliteValue.of(((Number) value).longValue());
                case "date" -> date(value);
                case "datetime", "timestamp" -> dateTime(value);
                case "time" -> time(type, value);
                case "char", "varchar", "tinytext", "text", "mediumtext", "longtext", "json" ->
                        type.isBinaryString() ? blob(value) : SqliteValue.of(text(type, value));
                case "enum" -> enumValue(type, value);
                case "set" -> setValue(type, value);
                case "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob" -> blob(value);
                case "bit" -> bit(type, value);
                case "geometry", "point", "linestring", "polygon", "multipoint", "multilinestring",
                     "multipolygon", "geometrycollection", "geomcollection" -> blob(value);
                default -> throw new SyncException(ErrorCode.ROW_NOT_EVALUATED,
                        "Column type " + type.dataType() + " is not supported");
            };
        } catch (ClassCastException | IllegalArgumentException | ArithmeticException e) {
            throw new SyncException(ErrorCode.ROW_NOT_EVALUATED, "A " + value.getClass().getSimpleName()
                    + " value does not fit a " + type.dataType() + " column: " + e.getMessage(), e);
        }
    }

    private static SqliteValue integer(ColumnType type, Object value) {
        if (value instanceof Boolean b) {
            return SqliteValue.of(b);
        }
        if (value instanceof BigInteger big) {
            return big.bitLength() < 64 ? SqliteValue.of(big.longValue()) : SqliteValue.of(big.toString());
        }
        if (value instanceof BigDecimal decimal) {
            return integer(type, decimal.toBigIntegerExact());
        }
        long raw = ((Number) value).longValue();
        if (type.unsigned() && raw < 0) {
            // The binlog carries unsigned values in the signed form of the column's width.
            int bits = switch (type.dataType()) {
                case "tinyint", "bool", "boolean" -> 8;
                case "smallint" -> 16;
                case "mediumint" -> 24;
                case "int", "integer" -> 32;
                default -> 64;
            };
            if (bits == 64) {
                return SqliteValue.of(BigInteger.valueOf(raw).add(TWO_64).toString());
            }
            return SqliteValue.of(raw + (1L << bits));
        }
        return SqliteValue.of(raw);
    }

    private static SqliteValue real(Object value) {
        if (value instanceof Float f) {
            // The shortest decimal form of the float, as MySQL shows it: 0.1, not 0.10000000149011612.
            return SqliteValue.of(Double.parseDouble(Float.toString(f)));
        }
        return SqliteValue.of(((Number) value).doubleValue());
    }

    private SqliteValue decimal(Object value) {
        BigDecimal decimal = value instanceof BigDecimal d ? d : new BigDecimal(value.toString());
        return decimalMode == DecimalMode.TEXT ? SqliteValue.of(decimal.toPlainString()) : SqliteValue.of(decimal.doubleValue());
    }

    private static SqliteValue date(Object value) {
        if (value instanceof LocalDate date) {
            return SqliteValue.of(date.toString());
        }
        if (value instanceof LocalDateTime dateTime) {
            return SqliteValue.of(dateTime.toLocalDate().toString());
        }
        String text = value.toString();
        if (text.startsWith("0000") || text.contains("-00")) {
            return SqliteValue.NULL; // zero or partial dates have no calendar meaning
        }
        return SqliteValue.of(LocalDate.parse(text).toString());
    }

    private SqliteValue dateTime(Object value) {
        Instant instant = switch (value) {
            case Instant i -> i;
            case LocalDateTime local -> local.toInstant(ZoneOffset.UTC);
            case OffsetDateTime offset -> offset.toInstant();
            case ZonedDateTime zoned -> zoned.toInstant();
            case LocalDate date -> date.atStartOfDay().toInstant(ZoneOffset.UTC);
            // binlog: epoch micros, UTC (in nanoseconds a long ends in 2262; DATETIME goes to 9999)
            case Long micros -> Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000L);
            case String text -> {
                if (text.startsWith("0000")) {
                    yield null;
                }
                yield LocalDateTime.parse(text.replace(' ', 'T')).toInstant(ZoneOffset.UTC);
            }
            default -> throw new IllegalArgumentException("not a date and time: " + value.getClass().getName());
        };
        return instant == null ? SqliteValue.NULL : SqliteValue.of(formatInstant(instant));
    }

    /** {@code YYYY-MM-DDTHH:MM:SS[.fff]Z} in UTC, with the configured number of fractional digits (truncated). */
    String formatInstant(Instant instant) {
        LocalDateTime utc = LocalDateTime.ofInstant(instant, ZoneOffset.UTC);
        StringBuilder out = new StringBuilder(30);
        int year = utc.getYear();
        if (year < 0 || year > 9999) {
            throw new IllegalArgumentException("year out of range: " + year);
        }
        pad(out, year, 4).append('-');
        pad(out, utc.getMonthValue(), 2).append('-');
        pad(out, utc.getDayOfMonth(), 2).append('T');
        pad(out, utc.getHour(), 2).append(':');
        pad(out, utc.getMinute(), 2).append(':');
        pad(out, utc.getSecond(), 2);
        if (precision.digits() > 0) {
            out.append('.');
            String nanos = String.format("%09d", utc.getNano());
            out.append(nanos, 0, precision.digits());
        }
        return out.append('Z').toString();
    }

    private static StringBuilder pad(StringBuilder out, int value, int width) {
        String digits = Integer.toString(value);
        for (int i = digits.length(); i < width; i++) {
            out.append('0');
        }
        return out.append(digits);
    }

    private static SqliteValue time(ColumnType type, Object value) {
        return switch (value) {
            case String text -> SqliteValue.of(text);
            case LocalTime local -> SqliteValue.of(formatTime(Duration.ofNanos(local.toNanoOfDay()), type.scale()));
            case Duration duration -> SqliteValue.of(formatTime(duration, type.scale()));
            case Long micros -> SqliteValue.of(formatTime(Duration.ofNanos(micros * 1000), type.scale()));
            default -> throw new IllegalArgumentException("not a time: " + value.getClass().getName());
        };
    }

    /** TIME as MySQL shows it: {@code [-]HH:MM:SS[.ffffff]}, hours beyond 24 allowed, fsp digits. */
    static String formatTime(Duration duration, int fractionalDigits) {
        StringBuilder out = new StringBuilder(20);
        Duration abs = duration.abs();
        if (duration.isNegative()) {
            out.append('-');
        }
        pad(out, (int) abs.toHours(), 2).append(':');
        pad(out, abs.toMinutesPart(), 2).append(':');
        pad(out, abs.toSecondsPart(), 2);
        if (fractionalDigits > 0) {
            out.append('.').append(String.format("%09d", abs.toNanosPart()), 0, Math.min(fractionalDigits, 9));
        }
        return out.toString();
    }

    private static String text(ColumnType type, Object value) {
        if (value instanceof byte[] bytes) {
            return new String(bytes, charset(type));
        }
        return value.toString();
    }

    private static Charset charset(ColumnType type) {
        String name = type.charset().orElse("utf8mb4");
        String javaName = CHARSETS.get(name);
        if (javaName == null || !Charset.isSupported(javaName)) {
            throw new SyncException(ErrorCode.ROW_NOT_EVALUATED, "Character set " + name + " is not supported"
                    + (javaName == null ? "" : " by this Java runtime (" + javaName + ")"));
        }
        return Charset.forName(javaName);
    }

    private static SqliteValue enumValue(ColumnType type, Object value) {
        if (value instanceof Number index) {
            int i = index.intValue(); // the binlog sends the member's 1-based index; 0 is the error value ''
            return SqliteValue.of(i >= 1 && i <= type.members().size() ? type.members().get(i - 1) : "");
        }
        return SqliteValue.of(text(type, value));
    }

    private static SqliteValue setValue(ColumnType type, Object value) {
        List<String> chosen = new ArrayList<>();
        if (value instanceof Number bits) {
            long mask = bits.longValue(); // the binlog sends a bit per member
            for (int i = 0; i < type.members().size() && i < 64; i++) {
                if ((mask & (1L << i)) != 0) {
                    chosen.add(type.members().get(i));
                }
            }
        } else {
            String text = text(type, value);
            if (!text.isEmpty()) {
                chosen.addAll(List.of(text.split(",", -1)));
            }
        }
        JsonWriter json = new JsonWriter().beginArray();
        chosen.forEach(json::value);
        return SqliteValue.of(json.endArray().toString());
    }

    private static SqliteValue blob(Object value) {
        return switch (value) {
            case byte[] bytes -> SqliteValue.ofBlob(bytes);
            case String text -> SqliteValue.ofBlob(text.getBytes(StandardCharsets.UTF_8));
            default -> throw new IllegalArgumentException("not bytes: " + value.getClass().getName());
        };
    }

    private static SqliteValue bit(ColumnType type, Object value) {
        if (value instanceof byte[] raw) {
            return SqliteValue.ofBlob(raw);
        }
        int bytes = Math.max(1, (Math.max(type.length(), 1) + 7) / 8);
        long bits = switch (value) {
            case BitSet set -> set.isEmpty() ? 0 : set.toLongArray()[0];
            case Boolean b -> b ? 1 : 0;
            case Number n -> n.longValue();
            default -> throw new IllegalArgumentException("not bits: " + value.getClass().getName());
        };
        byte[] out = new byte[bytes];
        for (int i = 0; i < bytes; i++) {
            out[bytes - 1 - i] = (byte) (bits >>> (8 * i)); // big-endian, as MySQL returns BIT
        }
        return SqliteValue.ofBlob(out);
    }
}

package org.syncsuite.replicator;

import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.github.shyiko.mysql.binlog.event.deserialization.json.JsonBinary;
import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.SqliteValue;
import org.syncsuite.core.SyncException;
import org.syncsuite.core.change.JsonBuffer;
import org.syncsuite.core.change.RowEnvelopeEncoder;
import org.syncsuite.core.mysql.ColumnType;
import org.syncsuite.core.mysql.MySqlValueMapper;

/**
 * Turns a binlog row image into SQLite values by column, using the table's schema: the binlog
 * reader hands over raw forms (bytes for text, epoch microseconds for dates and times, null for
 * invalid dates, MySQL's binary JSON) which are normalised here and mapped by sync-core.
 *
 * <p>{@link #image} writes the values straight into the changes topic's JSON instead: integers,
 * ASCII text in an ASCII-compatible charset, doubles and DATETIME/TIMESTAMP take a direct path that
 * writes exactly what the mapping would give, without the intermediate objects; every other value
 * (and any value the direct path is unsure of) goes through {@link #decode}'s mapping.
 */
final class RowDecoder {

    // How each column's values are written by an Image.
    private static final int GENERIC = 0, SIGNED = 1, UNSIGNED_8 = 2, UNSIGNED_16 = 3, UNSIGNED_24 = 4, UNSIGNED_32 = 5,
            TEXT = 6, DOUBLE = 7, DATETIME = 8;
    /** 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z in epoch microseconds: the years the mapper formats. */
    private static final long MIN_MICROS = -62_167_219_200_000_000L, MAX_MICROS = 253_402_300_799_999_999L;

    private final MySqlValueMapper mapper;
    private final boolean mysqlBinaryJson;
    /** Fractional digits of the mapper's DATETIME text, or -1 when its format is not the one the direct path writes. */
    private final int dateTimeDigits;

    RowDecoder(MySqlValueMapper mapper, SourcePreflight.Flavor flavor) {
        this.mapper = mapper;
        this.mysqlBinaryJson = flavor == SourcePreflight.Flavor.MYSQL;
        this.dateTimeDigits = dateTimeDigits(mapper);
    }

    Map<String, SqliteValue> decode(TableSchema schema, BitSet included, Serializable[] values) {
        Map<String, SqliteValue> row = new LinkedHashMap<>();
        List<TableSchema.Column> columns = schema.columns();
        int valueIndex = 0;
        for (int i = 0; i < columns.size(); i++) {
            if (included != null && !included.get(i)) {
                continue;
            }
            TableSchema.Column column = columns.get(i);
            Object raw = valueIndex < values.length ? values[valueIndex] : null;
            valueIndex++;
            row.put(column.name(), map(schema, column, raw));
        }
        return row;
    }

    private SqliteValue map(TableSchema schema, TableSchema.Column column, Object raw) {
        try {
            return mapper.map(column.type(), normalise(column, raw));
        } catch (RuntimeException e) {
            throw new SyncException(ErrorCode.ROW_NOT_EVALUATED, "Column "
                    + schema.table() + "." + column.name() + " (" + column.type().dataType() + "): " + e.getMessage()
                    + " [binlog value " + (raw == null ? "null" : raw.getClass().getSimpleName()) + "]", e);
        }
    }

    private Object normalise(TableSchema.Column column, Object raw) {
        if (raw == null) {
            return null;
        }
        String type = column.type().dataType();
        switch (type) {
            case "date" -> {
                if (raw instanceof Long micros) {
                    return LocalDate.ofInstant(Instant.EPOCH.plus(micros, java.time.temporal.ChronoUnit.MICROS), ZoneOffset.UTC);
                }
            }
            case "time" -> {
                if (raw instanceof Long micros) {
                    return timeText(micros, column.type().scale());
                }
            }
            case "json" -> {
                if (raw instanceof byte[] bytes) {
                    if (mysqlBinaryJson) {
                        try {
                            return JsonBinary.parseAsString(bytes);
                        } catch (IOException e) {
                            throw new IllegalArgumentException("Unreadable binary JSON in " + column.name(), e);
                        }
                    }
                    return new String(bytes, StandardCharsets.UTF_8);
                }
            }
            default -> {
            }
        }
        return raw;
    }

    /**
     * A TIME ({@link SignedTimeRows}: signed microseconds) as the snapshot reads it over JDBC, so
     * that a row reads the same from either: {@code [-]HH:MM:SS} (hours up to 838), and only when
     * the fraction is not zero, a point and the column's {@code scale} digits of it, as MySQL
     * Connector/J's {@code getString} gives it ({@code -12:30:00} in a TIME(3) column, but
     * {@code -12:30:00.500}).
     */
    static String timeText(long micros, int scale) {
        long magnitude = Math.abs(micros);
        long seconds = magnitude / 1_000_000;
        int fraction = (int) (magnitude % 1_000_000);
        StringBuilder text = new StringBuilder(20);
        if (micros < 0) {
            text.append('-');
        }
        twoDigits(text, seconds / 3600).append(':');
        twoDigits(text, seconds / 60 % 60).append(':');
        twoDigits(text, seconds % 60);
        if (fraction > 0) {
            text.append('.');
            int fsp = Math.max(0, Math.min(scale, 6));
            int digits = fsp == 0 ? 0 : fraction / POWERS_OF_TEN[6 - fsp];
            if (digits == 0) {
                text.append('0'); // as the driver writes a fraction it cannot show in the column's digits
            } else {
                String value = Integer.toString(digits);
                text.append("000000", 0, fsp - value.length()).append(value);
            }
        }
        return text.toString();
    }

    private static StringBuilder twoDigits(StringBuilder out, long value) {
        return value < 10 ? out.append('0').append(value) : out.append(value);
    }

    /** A reusable view of the rows of {@code schema}'s binlog events, for {@link RowEnvelopeEncoder}. */
    Image image(TableSchema schema) {
        return new Image(schema);
    }

    /**
     * One row image at a time of a table's binlog events: {@link #columns} chooses the columns the
     * event includes, {@link #row} the row's values; {@link #write} then writes a column's value as
     * the changes topic holds it. Not thread-safe.
     */
    final class Image implements RowEnvelopeEncoder.RowImage {

        private final TableSchema schema;
        private final List<TableSchema.Column> columns;
        private final int[] kinds;
        /** For each column, the index of its value in the row, or -1 when the event leaves it out. */
        private final int[] valueIndex;
        /** For DATETIME columns: the second last written, and its text up to the fraction (most rows share it). */
        private final long[] cachedSecond;
        private final byte[][] cachedSecondText;
        private BitSet included;
        private boolean allIncluded;
        private Serializable[] values = new Serializable[0];

        private Image(TableSchema schema) {
            this.schema = schema;
            this.columns = schema.columns();
            this.kinds = new int[columns.size()];
            for (int i = 0; i < kinds.length; i++) {
                kinds[i] = kind(columns.get(i).type());
            }
            this.valueIndex = new int[columns.size()];
            this.cachedSecond = new long[columns.size()];
            this.cachedSecondText = new byte[columns.size()][];
            columns(null);
        }

        /** The columns the event includes ({@code null}: all). */
        Image columns(BitSet included) {
            if (included == this.included && (included != null || allIncluded)) {
                return this;
            }
            this.included = included;
            this.allIncluded = included == null;
            int next = 0;
            for (int i = 0; i < valueIndex.length; i++) {
                valueIndex[i] = included == null || included.get(i) ? next++ : -1;
            }
            return this;
        }

        /** The values of the next row, one for each included column. */
        Image row(Serializable[] values) {
            this.values = values;
            return this;
        }

        @Override
        public boolean has(int column) {
            return valueIndex[column] >= 0;
        }

        @Override
        public boolean write(int column, JsonBuffer out) {
            int index = valueIndex[column];
            Serializable raw = index < values.length ? values[index] : null;
            if (raw == null) {
                out.nullValue();
                return false;
            }
            switch (kinds[column]) {
                case SIGNED, UNSIGNED_8, UNSIGNED_16, UNSIGNED_24, UNSIGNED_32 -> {
                    if (raw instanceof Integer || raw instanceof Long || raw instanceof Short || raw instanceof Byte) {
                        long value = ((Number) raw).longValue();
                        if (value < 0) {
                            // The binlog carries unsigned values in the signed form of the column's width.
                            switch (kinds[column]) {
                                case UNSIGNED_8 -> value += 1L << 8;
                                case UNSIGNED_16 -> value += 1L << 16;
                                case UNSIGNED_24 -> value += 1L << 24;
                                case UNSIGNED_32 -> value += 1L << 32;
                                default -> {
                                }
                            }
                        }
                        out.number(value);
                        return false;
                    }
                }
                case TEXT -> {
                    if (raw instanceof byte[] bytes && out.asciiString(bytes, 0, bytes.length)) {
                        return false;
                    }
                }
                case DOUBLE -> {
                    if (raw instanceof Double value) {
                        out.real(value);
                        return false;
                    }
                }
                case DATETIME -> {
                    if (raw instanceof Long micros && micros >= MIN_MICROS && micros <= MAX_MICROS) {
                        long second = Math.floorDiv(micros, 1_000_000L);
                        byte[] text = cachedSecondText[column];
                        if (text == null || cachedSecond[column] != second) {
                            text = secondText(second);
                            cachedSecondText[column] = text;
                            cachedSecond[column] = second;
                        }
                        writeFraction(out.raw(text), (int) Math.floorMod(micros, 1_000_000L), dateTimeDigits);
                        return false;
                    }
                }
                default -> {
                }
            }
            return out.value(map(schema, columns.get(column), raw));
        }
    }

    private int kind(ColumnType type) {
        return switch (type.dataType()) {
            case "tinyint" -> type.unsigned() ? UNSIGNED_8 : SIGNED;
            case "smallint" -> type.unsigned() ? UNSIGNED_16 : SIGNED;
            case "mediumint" -> type.unsigned() ? UNSIGNED_24 : SIGNED;
            case "int", "integer" -> type.unsigned() ? UNSIGNED_32 : SIGNED;
            case "bigint" -> type.unsigned() ? GENERIC : SIGNED; // beyond the signed range it is exact text
            case "double", "real", "double precision" -> DOUBLE;
            case "datetime", "timestamp" -> dateTimeDigits >= 0 ? DATETIME : GENERIC;
            case "char", "varchar", "tinytext", "text", "mediumtext", "longtext" ->
                    !type.isBinaryString() && asciiCompatible(type.charset()) ? TEXT : GENERIC;
            default -> GENERIC;
        };
    }

    /** Character sets whose decoding of ASCII bytes is those characters (what the direct text path copies). */
    private static boolean asciiCompatible(Optional<String> charset) {
        return switch (charset.orElse("utf8mb4")) {
            case "utf8mb4", "utf8mb3", "utf8", "ascii", "latin1" -> true;
            default -> false;
        };
    }

    /** {@code "YYYY-MM-DDTHH:MM:SS[.fff]Z"} of epoch microseconds (UTC), as the mapper formats DATETIME and TIMESTAMP. */
    static void writeDateTime(JsonBuffer out, long micros, int digits) {
        writeFraction(out.raw(secondText(Math.floorDiv(micros, 1_000_000L))), (int) Math.floorMod(micros, 1_000_000L), digits);
    }

    /** {@code "YYYY-MM-DDTHH:MM:SS} of an epoch second (UTC). */
    private static byte[] secondText(long epochSecond) {
        LocalDate date = LocalDate.ofEpochDay(Math.floorDiv(epochSecond, 86_400L));
        int secondOfDay = (int) Math.floorMod(epochSecond, 86_400L);
        return new JsonBuffer(24).raw('"').padded(date.getYear(), 4).raw('-').padded(date.getMonthValue(), 2).raw('-')
                .padded(date.getDayOfMonth(), 2).raw('T').padded(secondOfDay / 3600, 2).raw(':').padded(secondOfDay / 60 % 60, 2)
                .raw(':').padded(secondOfDay % 60, 2).toByteArray();
    }

    /** {@code [.fff]Z"}: the first {@code digits} digits of the fraction (truncated), and the end. */
    private static void writeFraction(JsonBuffer out, int microOfSecond, int digits) {
        if (digits > 0) {
            out.raw('.').padded(digits <= 6 ? microOfSecond / POWERS_OF_TEN[6 - digits] : microOfSecond, Math.min(digits, 6));
            if (digits > 6) {
                out.padded(0, digits - 6);
            }
        }
        out.raw('Z').raw('"');
    }

    private static final int[] POWERS_OF_TEN = {1, 10, 100, 1000, 10_000, 100_000, 1_000_000};

    /**
     * The number of fractional digits the mapper writes in DATETIME text, found by mapping a probe
     * value; -1 (no direct path) when its text is not what {@link #writeDateTime} writes.
     */
    private static int dateTimeDigits(MySqlValueMapper mapper) {
        ColumnType dateTime = new ColumnType("datetime", false, 0, 0, Optional.empty(), List.of());
        long[] probes = {1_123_456L, -1L, 1_732_443_330_123_456L, 0L};
        for (int digits : new int[] {3, 0, 6, 9}) {
            boolean matches = true;
            for (long probe : probes) {
                JsonBuffer expected = new JsonBuffer(40);
                expected.value(mapper.map(dateTime, probe));
                JsonBuffer direct = new JsonBuffer(40);
                writeDateTime(direct, probe, digits);
                matches &= Arrays.equals(expected.toByteArray(), direct.toByteArray());
            }
            if (matches) {
                return digits;
            }
        }
        return -1;
    }
}

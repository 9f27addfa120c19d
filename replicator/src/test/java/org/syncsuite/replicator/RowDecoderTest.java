package org.syncsuite.replicator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.Serializable;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.syncsuite.core.SqliteValue;
import org.syncsuite.core.change.ChangeEventCodec;
import org.syncsuite.core.change.ChangeRecord;
import org.syncsuite.core.change.JsonBuffer;
import org.syncsuite.core.change.RowEnvelopeEncoder;
import org.syncsuite.core.mysql.ColumnType;
import org.syncsuite.core.mysql.MySqlValueMapper;
import org.syncsuite.core.mysql.TimestampPrecision;

/**
 * The binlog values written straight into the changes topic's JSON ({@link RowDecoder.Image}, with
 * its direct paths for integers, ASCII text, doubles and DATETIME) against the mapping they replace
 * ({@link RowDecoder#decode}, {@link MySqlValueMapper}, {@link ChangeEventCodec}): the bytes must be
 * identical for every column type and value, including the edges of each direct path.
 */
class RowDecoderTest {

    private static ColumnType type(String dataType, boolean unsigned, int scale, String charset, String... members) {
        return new ColumnType(dataType, unsigned, 0, scale, Optional.ofNullable(charset), List.of(members));
    }

    private static final List<TableSchema.Column> COLUMNS = List.of(
            new TableSchema.Column("id", type("int", false, 0, null)),
            new TableSchema.Column("ti", type("tinyint", false, 0, null)),
            new TableSchema.Column("tiu", type("tinyint", true, 0, null)),
            new TableSchema.Column("si", type("smallint", false, 0, null)),
            new TableSchema.Column("siu", type("smallint", true, 0, null)),
            new TableSchema.Column("mi", type("mediumint", false, 0, null)),
            new TableSchema.Column("miu", type("mediumint", true, 0, null)),
            new TableSchema.Column("i", type("int", false, 0, null)),
            new TableSchema.Column("iu", type("int", true, 0, null)),
            new TableSchema.Column("bi", type("bigint", false, 0, null)),
            new TableSchema.Column("biu", type("bigint", true, 0, null)),
            new TableSchema.Column("fl", type("float", false, 0, null)),
            new TableSchema.Column("do", type("double", false, 0, null)),
            new TableSchema.Column("de", type("decimal", false, 3, null)),
            new TableSchema.Column("vc", type("varchar", false, 0, "utf8mb4")),
            new TableSchema.Column("ch", type("char", false, 0, "utf8mb3")),
            new TableSchema.Column("tx", type("text", false, 0, "ascii")),
            new TableSchema.Column("l1", type("varchar", false, 0, "latin1")),
            new TableSchema.Column("u16", type("varchar", false, 0, "utf16")),
            new TableSchema.Column("vb", type("varchar", false, 0, "binary")),
            new TableSchema.Column("bl", type("blob", false, 0, "binary")),
            new TableSchema.Column("dt0", type("datetime", false, 0, null)),
            new TableSchema.Column("dt3", type("datetime", false, 3, null)),
            new TableSchema.Column("ts6", type("timestamp", false, 6, null)),
            new TableSchema.Column("d", type("date", false, 0, null)),
            new TableSchema.Column("t", type("time", false, 3, null)),
            new TableSchema.Column("y", type("year", false, 0, null)),
            new TableSchema.Column("en", type("enum", false, 0, "utf8mb4", "small", "large")),
            new TableSchema.Column("st", type("set", false, 0, "utf8mb4", "a", "b", "c")),
            new TableSchema.Column("bt", type("bit", false, 0, null)),
            new TableSchema.Column("js", type("json", false, 0, "utf8mb4")));
    private static final TableSchema SCHEMA = new TableSchema("app", "every", COLUMNS, List.of("id", "vc"));

    /** A value in the form the binlog reader gives for the column (null sometimes). */
    private static Serializable raw(String column, Random random) {
        return raw(column, random, true);
    }

    /** {@code wide}: DATETIME values of any year, else only those the mapper takes (1678 to 2261). */
    private static Serializable raw(String column, Random random, boolean wide) {
        if (random.nextInt(12) == 0) {
            return null;
        }
        return switch (column) {
            case "id" -> random.nextInt(1000);
            case "ti", "tiu" -> (int) (byte) random.nextInt();
            case "si", "siu" -> (int) (short) random.nextInt();
            case "mi", "miu" -> random.nextInt(1 << 24) - (1 << 23);
            case "i", "iu" -> pick(random, random.nextInt(), Integer.MIN_VALUE, Integer.MAX_VALUE, -1, 0);
            case "bi", "biu" -> pick(random, random.nextLong(), Long.MIN_VALUE, Long.MAX_VALUE, -1L, 0L, 999_999_999L, 1_000_000_000L);
            case "fl" -> pick(random, random.nextFloat() * 1000, 0.1f, Float.NaN, Float.POSITIVE_INFINITY, -0.0f);
            case "do" -> pick(random, random.nextDouble() * Math.pow(10, random.nextInt(40) - 20), Double.NaN,
                    Double.NEGATIVE_INFINITY, -0.0, 1.0, 2.5e-300, Double.MAX_VALUE);
            case "de" -> new BigDecimal(random.nextLong() % 1_000_000_000).movePointLeft(3);
            case "vc", "ch", "tx", "l1", "u16" -> text(random).getBytes(switch (column) {
                case "l1" -> java.nio.charset.Charset.forName("windows-1252");
                case "u16" -> StandardCharsets.UTF_16BE;
                case "tx" -> StandardCharsets.US_ASCII;
                default -> StandardCharsets.UTF_8;
            });
            case "vb", "bl" -> bytes(random);
            // Epoch microseconds, years 0 to 9999 and beyond them (which the mapper refuses: see below).
            case "dt0", "dt3", "ts6" -> !wide ? random.nextLong() % 9_000_000_000_000_000L
                    : pick(random, random.nextLong() % (random.nextBoolean() ? 9_000_000_000_000_000L
                            : 253_402_300_800_000_000L), 0L, -1L, 1L, 999_999L, 1_000_000L, -62_167_219_200_000_000L,
                    253_402_300_799_999_999L, 253_402_300_800_000_000L, -62_167_219_200_000_001L, 1_795_000_530_123_456L);
            case "d" -> random.nextLong() % 100_000_000_000_000L;
            case "t" -> random.nextLong() % 3_020_399_000_000L;
            case "y" -> 1901 + random.nextInt(255);
            case "en" -> random.nextInt(3);
            case "st" -> (long) random.nextInt(8);
            case "bt" -> { BitSet bits = new BitSet(); bits.set(random.nextInt(10)); yield bits; }
            case "js" -> "{\"a\": [1, \"é\"]}".getBytes(StandardCharsets.UTF_8);
            default -> throw new IllegalArgumentException(column);
        };
    }

    @SafeVarargs
    private static <T extends Serializable> T pick(Random random, T usual, T... edges) {
        return random.nextInt(3) == 0 ? edges[random.nextInt(edges.length)] : usual;
    }

    private static String text(Random random) {
        String[] pieces = {"plain", "Task number 42 with a description", "", "quote\"", "back\\slash", "tab\t", "nl\n",
                "\u0001", "\u007f", "é", "ü€", "😀", "café", "a/b", " "};
        StringBuilder text = new StringBuilder();
        for (int i = random.nextInt(4); i > 0; i--) {
            text.append(pieces[random.nextInt(pieces.length)]);
        }
        return text.toString();
    }

    private static byte[] bytes(Random random) {
        byte[] bytes = new byte[random.nextInt(6)];
        random.nextBytes(bytes);
        return bytes;
    }

    enum Mapper {
        DEFAULTS(MySqlValueMapper.defaults()),
        SECONDS_TEXT(new MySqlValueMapper(TimestampPrecision.SECONDS, MySqlValueMapper.DecimalMode.TEXT)),
        MICROS(new MySqlValueMapper(TimestampPrecision.MICROSECONDS, MySqlValueMapper.DecimalMode.REAL)),
        NANOS(new MySqlValueMapper(TimestampPrecision.NANOSECONDS, MySqlValueMapper.DecimalMode.REAL));

        final MySqlValueMapper mapper;

        Mapper(MySqlValueMapper mapper) {
            this.mapper = mapper;
        }
    }

    @ParameterizedTest
    @EnumSource(Mapper.class)
    void everyValueIsWrittenAsTheMappingWritesIt(Mapper mapper) {
        RowDecoder decoder = new RowDecoder(mapper.mapper, SourcePreflight.Flavor.MARIADB);
        RowDecoder.Image image = decoder.image(SCHEMA);
        Random random = new Random(mapper.ordinal());
        for (int n = 0; n < 3000; n++) {
            Serializable[] values = new Serializable[COLUMNS.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = raw(COLUMNS.get(i).name(), random);
            }
            image.columns(null).row(values);
            for (int i = 0; i < values.length; i++) {
                JsonBuffer direct = new JsonBuffer(8);
                JsonBuffer mapped = new JsonBuffer(8);
                boolean directBlob;
                boolean mappedBlob;
                String directFailure = null;
                String mappedFailure = null;
                try {
                    directBlob = image.write(i, direct);
                } catch (RuntimeException e) {
                    directBlob = false;
                    directFailure = e.getMessage();
                }
                try {
                    SqliteValue value = decoder.decode(SCHEMA, only(i, values.length), new Serializable[] {values[i]})
                            .get(COLUMNS.get(i).name());
                    mappedBlob = mapped.value(value);
                } catch (RuntimeException e) {
                    mappedBlob = false;
                    mappedFailure = e.getMessage();
                }
                String what = COLUMNS.get(i).name() + " = " + describe(values[i]);
                if (mappedFailure != null && mappedFailure.contains("long overflow") && values[i] instanceof Long micros) {
                    // The mapper cannot take epoch microseconds past 2262 (nanoseconds overflow): the direct path
                    // writes what the snapshot writes for the same DATETIME, read over JDBC as a LocalDateTime.
                    try {
                        SqliteValue snapshot = mapper.mapper.map(COLUMNS.get(i).type(), java.time.LocalDateTime.ofEpochSecond(
                                Math.floorDiv(micros, 1_000_000L), (int) Math.floorMod(micros, 1_000_000L) * 1000,
                                java.time.ZoneOffset.UTC));
                        mapped.value(snapshot);
                        mappedFailure = null;
                    } catch (RuntimeException outOfRange) {
                        // beyond year 9999 or before year 0: refused either way
                    }
                }
                assertThat(directFailure).as(what).isEqualTo(mappedFailure);
                assertThat(new String(direct.toByteArray(), StandardCharsets.UTF_8)).as(what)
                        .isEqualTo(new String(mapped.toByteArray(), StandardCharsets.UTF_8));
                assertThat(direct.toByteArray()).as(what).isEqualTo(mapped.toByteArray());
                assertThat(directBlob).as(what).isEqualTo(mappedBlob);
            }
        }
    }

    private static BitSet only(int column, int columns) {
        BitSet included = new BitSet(columns);
        included.set(column);
        return included;
    }

    private static String describe(Serializable value) {
        return value instanceof byte[] bytes ? java.util.HexFormat.of().formatHex(bytes) : String.valueOf(value);
    }

    @org.junit.jupiter.api.Test
    void timesReadAsTheSnapshotsDriverShowsThem() {
        assertThat(RowDecoder.timeText(-45_000_000_000L, 0)).isEqualTo("-12:30:00");
        assertThat(RowDecoder.timeText(-45_000_000_000L, 3)).isEqualTo("-12:30:00");
        assertThat(RowDecoder.timeText(-45_000_500_000L, 3)).isEqualTo("-12:30:00.500");
        assertThat(RowDecoder.timeText(3_020_399_000_000L, 0)).isEqualTo("838:59:59");
        assertThat(RowDecoder.timeText(-3_020_399_000_000L, 6)).isEqualTo("-838:59:59");
        assertThat(RowDecoder.timeText(-500_000L, 1)).isEqualTo("-00:00:00.5");
        assertThat(RowDecoder.timeText(45_296_789_000L, 6)).isEqualTo("12:34:56.789000");
        assertThat(RowDecoder.timeText(1L, 6)).isEqualTo("00:00:00.000001");
        assertThat(RowDecoder.timeText(1L, 3)).isEqualTo("00:00:00.0"); // a fraction finer than the column: the driver's "0"
        assertThat(RowDecoder.timeText(0L, 6)).isEqualTo("00:00:00");
    }

    /**
     * Whole change records: inserts, updates (the key kept or changed) and deletes of row images
     * that may leave columns out, encoded by RowEnvelopeEncoder from the binlog values and by
     * ChangeEventCodec from the decoded rows, as the replicator encoded them before.
     */
    @ParameterizedTest
    @EnumSource(Mapper.class)
    void wholeRecordsAreTheBytesOfTheDecodedChange(Mapper mapper) {
        RowDecoder decoder = new RowDecoder(mapper.mapper, SourcePreflight.Flavor.MARIADB);
        RowDecoder.Image before = decoder.image(SCHEMA);
        RowDecoder.Image after = decoder.image(SCHEMA);
        RowEnvelopeEncoder encoder = new RowEnvelopeEncoder("mariadb", "default", SCHEMA.database(), SCHEMA.table(),
                SCHEMA.columnNames(), SCHEMA.keyColumns(), 1_000_000, false);
        Random random = new Random(100 + mapper.ordinal());
        int checked = 0;
        for (int n = 0; n < 2000; n++) {
            BitSet includedBefore = included(random);
            BitSet includedAfter = random.nextBoolean() ? includedBefore : included(random);
            Serializable[] oldValues = values(random, includedBefore);
            Serializable[] newValues = values(random, includedAfter);
            if (random.nextBoolean()) {
                // Same key: copy the key columns where both images hold them.
                copyKey(includedBefore, oldValues, includedAfter, newValues);
            }
            Map<String, SqliteValue> oldRow;
            Map<String, SqliteValue> newRow;
            try {
                oldRow = decoder.decode(SCHEMA, includedBefore, oldValues);
                newRow = decoder.decode(SCHEMA, includedAfter, newValues);
            } catch (RuntimeException unmappable) {
                continue; // e.g. a DATETIME beyond year 9999: both paths refuse it (checked above)
            }
            Optional<String> gtid = random.nextBoolean() ? Optional.of("0-1-" + n) : Optional.empty();
            encoder.source(gtid, "binlog.00000" + random.nextInt(3), random.nextInt(1 << 30), 1_795_000_000_000L + n);
            ChangeRecord.Op op = ChangeRecord.Op.values()[random.nextInt(3)];
            RowDecoder.Image b = op == ChangeRecord.Op.CREATE ? null : before.columns(includedBefore).row(oldValues);
            RowDecoder.Image a = op == ChangeRecord.Op.DELETE ? null : after.columns(includedAfter).row(newValues);
            long now = 1_795_000_000_500L + n;
            int row = random.nextInt(5);
            byte[] value = encoder.encode(op, b, a, row, now);
            byte[] key = encoder.key();

            ChangeRecord.Source source = new ChangeRecord.Source("mariadb", "default", SCHEMA.database(), SCHEMA.table(), gtid,
                    "binlog.00000" + 0, 0, row, 1_000_000, 0, false); // file, position and time replaced below
            Map<String, SqliteValue> keyed = keyOf(op == ChangeRecord.Op.DELETE ? oldRow : newRow);
            ChangeRecord.RowChange expected = new ChangeRecord.RowChange(op, SCHEMA.database(), SCHEMA.table(), keyed,
                    op == ChangeRecord.Op.CREATE ? Optional.empty() : Optional.of(oldRow),
                    op == ChangeRecord.Op.DELETE ? Optional.empty() : Optional.of(newRow), source, now);
            ChangeRecord.RowChange decoded = (ChangeRecord.RowChange) ChangeEventCodec.decode(key, value);
            ChangeRecord.RowChange aligned = new ChangeRecord.RowChange(expected.op(), expected.database(), expected.table(),
                    expected.key(), expected.before(), expected.after(), new ChangeRecord.Source(source.connector(),
                    source.connection(), source.database(), source.table(), source.gtid(), decoded.source().file(),
                    decoded.source().offset(), row, source.serverId(), 1_795_000_000_000L + n, false), now);
            assertThat(value).isEqualTo(ChangeEventCodec.value(aligned));
            assertThat(key).isEqualTo(ChangeEventCodec.key(aligned));
            if (op == ChangeRecord.Op.UPDATE) {
                assertThat(encoder.keyChanged()).isEqualTo(!keyOf(oldRow).equals(keyOf(newRow)));
            }
            checked++;
        }
        assertThat(checked).isGreaterThan(1000);
    }

    private static BitSet included(Random random) {
        BitSet included = new BitSet(COLUMNS.size());
        for (int i = 0; i < COLUMNS.size(); i++) {
            if (random.nextInt(5) > 0) {
                included.set(i);
            }
        }
        return included;
    }

    private static Serializable[] values(Random random, BitSet included) {
        List<Serializable> values = new ArrayList<>();
        for (int i = included.nextSetBit(0); i >= 0; i = included.nextSetBit(i + 1)) {
            values.add(raw(COLUMNS.get(i).name(), random, false));
        }
        return values.toArray(new Serializable[0]);
    }

    private static void copyKey(BitSet fromIncluded, Serializable[] from, BitSet toIncluded, Serializable[] to) {
        for (String keyColumn : SCHEMA.keyColumns()) {
            int column = SCHEMA.columnNames().indexOf(keyColumn);
            if (fromIncluded.get(column) && toIncluded.get(column)) {
                to[toIncluded.get(0, column).cardinality()] = from[fromIncluded.get(0, column).cardinality()];
            }
        }
    }

    private static Map<String, SqliteValue> keyOf(Map<String, SqliteValue> row) {
        Map<String, SqliteValue> key = new LinkedHashMap<>();
        for (String column : SCHEMA.keyColumns()) {
            key.put(column, row.getOrDefault(column, SqliteValue.NULL));
        }
        return key;
    }
}

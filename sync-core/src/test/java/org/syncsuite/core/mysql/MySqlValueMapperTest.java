package org.syncsuite.core.mysql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import java.util.BitSet;

import org.junit.jupiter.api.Test;
import org.syncsuite.core.SqliteValue;
import org.syncsuite.core.SyncException;

class MySqlValueMapperTest {

    private final MySqlValueMapper mapper = MySqlValueMapper.defaults();

    private SqliteValue map(String columnType, Object value) {
        return mapper.map(ColumnType.parse(columnType, null), value);
    }

    private SqliteValue map(String columnType, String charset, Object value) {
        return mapper.map(ColumnType.parse(columnType, charset), value);
    }

    @Test
    void integersOfEveryWidthStayExact() {
        assertThat(map("tinyint(4)", (byte) -5)).isEqualTo(SqliteValue.of(-5L));
        assertThat(map("smallint(6)", (short) 300)).isEqualTo(SqliteValue.of(300L));
        assertThat(map("mediumint(9)", 8_000_000)).isEqualTo(SqliteValue.of(8_000_000L));
        assertThat(map("int(11)", Integer.MIN_VALUE)).isEqualTo(SqliteValue.of((long) Integer.MIN_VALUE));
        assertThat(map("bigint(20)", Long.MAX_VALUE)).isEqualTo(SqliteValue.of(Long.MAX_VALUE));
        assertThat(map("tinyint(1)", true)).isEqualTo(SqliteValue.of(1L));
        assertThat(map("bigint(20)", new BigInteger("-42"))).isEqualTo(SqliteValue.of(-42L));
    }

    @Test
    void unsignedValuesAreReadBackFromTheirSignedBinlogForm() {
        assertThat(map("tinyint(3) unsigned", (byte) -1)).isEqualTo(SqliteValue.of(255L));
        assertThat(map("smallint(5) unsigned", (short) -1)).isEqualTo(SqliteValue.of(65_535L));
        assertThat(map("mediumint(8) unsigned", -1)).isEqualTo(SqliteValue.of(16_777_215L));
        assertThat(map("int(10) unsigned", -1)).isEqualTo(SqliteValue.of(4_294_967_295L));
        // Beyond SQLite's signed 64 bits: exact digits as text rather than a wrong number.
        assertThat(map("bigint(20) unsigned", -1L)).isEqualTo(SqliteValue.of("18446744073709551615"));
        assertThat(map("bigint(20) unsigned", new BigInteger("18446744073709551615")))
                .isEqualTo(SqliteValue.of("18446744073709551615"));
        assertThat(map("bigint(20) unsigned", 7L)).isEqualTo(SqliteValue.of(7L));
    }

    @Test
    void floatsDoublesAndDecimals() {
        assertThat(map("float", 0.1f)).isEqualTo(SqliteValue.of(0.1));
        assertThat(map("double", 2.5d)).isEqualTo(SqliteValue.of(2.5));
        assertThat(map("decimal(10,2)", new BigDecimal("12345.67"))).isEqualTo(SqliteValue.of(12345.67));
        MySqlValueMapper exact = new MySqlValueMapper(TimestampPrecision.MILLISECONDS, MySqlValueMapper.DecimalMode.TEXT);
        assertThat(exact.map(ColumnType.parse("decimal(30,10)", null), new BigDecimal("12345678901234567890.0123456789")))
                .isEqualTo(SqliteValue.of("12345678901234567890.0123456789"));
    }

    @Test
    void datesAndTimesAsTheReferenceWritesThem() {
        assertThat(map("date", LocalDate.of(2024, 2, 29))).isEqualTo(SqliteValue.of("2024-02-29"));
        assertThat(map("date", "0000-00-00")).isEqualTo(SqliteValue.NULL);
        assertThat(map("datetime(6)", LocalDateTime.of(2024, 1, 2, 3, 4, 5, 123_456_000)))
                .isEqualTo(SqliteValue.of("2024-01-02T03:04:05.123Z"));
        assertThat(map("datetime", "0000-00-00 00:00:00")).isEqualTo(SqliteValue.NULL);
        assertThat(map("timestamp(3)", Instant.parse("2024-06-30T22:15:00.5Z")))
                .isEqualTo(SqliteValue.of("2024-06-30T22:15:00.500Z"));
        assertThat(map("timestamp", OffsetDateTime.parse("2024-07-01T00:15:00+02:00")))
                .isEqualTo(SqliteValue.of("2024-06-30T22:15:00.000Z"));
        // The binlog reader's form: epoch microseconds.
        assertThat(map("datetime(6)", 1_704_164_645_123_456L)).isEqualTo(SqliteValue.of("2024-01-02T03:04:05.123Z"));
        // Past 2262 epoch nanoseconds overflow a long; DATETIME goes on to 9999.
        long micros9999 = LocalDateTime.of(9999, 12, 31, 23, 59, 59, 999_999_000).toEpochSecond(java.time.ZoneOffset.UTC)
                * 1_000_000L + 999_999L;
        assertThat(map("datetime(6)", micros9999)).isEqualTo(SqliteValue.of("9999-12-31T23:59:59.999Z"));
        assertThat(map("datetime(6)", -1L)).isEqualTo(SqliteValue.of("1969-12-31T23:59:59.999Z"));

        MySqlValueMapper micros = new MySqlValueMapper(TimestampPrecision.MICROSECONDS, MySqlValueMapper.DecimalMode.REAL);
        assertThat(micros.map(ColumnType.parse("datetime(6)", null), LocalDateTime.of(2024, 1, 2, 3, 4, 5, 123_456_000)))
                .isEqualTo(SqliteValue.of("2024-01-02T03:04:05.123456Z"));
        MySqlValueMapper seconds = new MySqlValueMapper(TimestampPrecision.SECONDS, MySqlValueMapper.DecimalMode.REAL);
        assertThat(seconds.map(ColumnType.parse("datetime", null), LocalDateTime.of(2024, 1, 2, 3, 4, 5)))
                .isEqualTo(SqliteValue.of("2024-01-02T03:04:05Z"));

        assertThat(map("time", LocalTime.of(15, 47))).isEqualTo(SqliteValue.of("15:47:00"));
        assertThat(map("time(3)", Duration.ofHours(-838).minusMinutes(59).minusSeconds(59).minusMillis(500)))
                .isEqualTo(SqliteValue.of("-838:59:59.500"));
        assertThat(map("time", "15:47:00")).isEqualTo(SqliteValue.of("15:47:00"));
        assertThat(map("year(4)", 2023)).isEqualTo(SqliteValue.of(2023L));
    }

    @Test
    void textInItsColumnCharset() {
        assertThat(map("varchar(20)", "utf8mb4", "héllo 😀".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(SqliteValue.of("héllo 😀"));
        assertThat(map("varchar(20)", "latin1", new byte[] {(byte) 0xE9, (byte) 0x80}))
                .isEqualTo(SqliteValue.of("é€")); // MySQL's latin1 is cp1252
        assertThat(map("text", "utf16", "ok".getBytes(StandardCharsets.UTF_16BE))).isEqualTo(SqliteValue.of("ok"));
        assertThat(map("char(3)", "euckr", "한".getBytes(Charset.forName("EUC-KR")))).isEqualTo(SqliteValue.of("한"));
        assertThat(map("longtext", "utf8mb4", "plain")).isEqualTo(SqliteValue.of("plain"));
        assertThat(map("json", "utf8mb4", "{\"a\":[1,2]}")).isEqualTo(SqliteValue.of("{\"a\":[1,2]}"));
        assertThat(map("varchar(16)", "binary", new byte[] {1, 2})).isEqualTo(SqliteValue.ofBlob(new byte[] {1, 2}));
    }

    @Test
    void enumsAndSets() {
        assertThat(map("enum('small','it''s big')", "utf8mb4", 2)).isEqualTo(SqliteValue.of("it's big"));
        assertThat(map("enum('small','big')", "utf8mb4", 0)).isEqualTo(SqliteValue.of(""));
        assertThat(map("enum('small','big')", "utf8mb4", "big")).isEqualTo(SqliteValue.of("big"));
        assertThat(map("set('a','b','c')", "utf8mb4", "a,c")).isEqualTo(SqliteValue.of("[\"a\",\"c\"]"));
        assertThat(map("set('a','b','c')", "utf8mb4", 0b110L)).isEqualTo(SqliteValue.of("[\"b\",\"c\"]"));
        assertThat(map("set('a','b')", "utf8mb4", "")).isEqualTo(SqliteValue.of("[]"));
    }

    @Test
    void bytesBitsAndSpatialTypesAreBlobs() {
        assertThat(map("varbinary(16)", new byte[] {9})).isEqualTo(SqliteValue.ofBlob(new byte[] {9}));
        assertThat(map("longblob", new byte[0])).isEqualTo(SqliteValue.ofBlob(new byte[0]));
        assertThat(map("bit(10)", 0x201L)).isEqualTo(SqliteValue.ofBlob(new byte[] {0x02, 0x01}));
        assertThat(map("bit(1)", true)).isEqualTo(SqliteValue.ofBlob(new byte[] {1}));
        assertThat(map("bit(8)", BitSet.valueOf(new long[] {5}))).isEqualTo(SqliteValue.ofBlob(new byte[] {5}));
        assertThat(map("point", new byte[] {0, 1})).isEqualTo(SqliteValue.ofBlob(new byte[] {0, 1}));
        assertThat(map("int(11)", null)).isEqualTo(SqliteValue.NULL);
    }

    @Test
    void mismatchesAndUnknownTypesAreTypedErrors() {
        assertThatThrownBy(() -> map("int(11)", "seven")).isInstanceOf(SyncException.class)
                .hasMessageContaining("does not fit a int column");
        assertThatThrownBy(() -> map("vector(3)", new byte[0])).isInstanceOf(SyncException.class)
                .hasMessageContaining("vector is not supported");
        assertThatThrownBy(() -> map("varchar(3)", "klingon", new byte[0])).isInstanceOf(SyncException.class)
                .hasMessageContaining("klingon");
    }

    @Test
    void columnTypesParse() {
        ColumnType type = ColumnType.parse("decimal(10,2) unsigned zerofill", null);
        assertThat(type.dataType()).isEqualTo("decimal");
        assertThat(type.length()).isEqualTo(10);
        assertThat(type.scale()).isEqualTo(2);
        assertThat(type.unsigned()).isTrue();
        assertThat(ColumnType.parse("datetime(6)", null).scale()).isEqualTo(6);
        assertThat(ColumnType.parse("enum('a,b','c')", "utf8mb4").members()).containsExactly("a,b", "c");
        assertThat(ColumnType.parse("LONGTEXT", "UTF8MB4").charset()).contains("utf8mb4");
    }
}

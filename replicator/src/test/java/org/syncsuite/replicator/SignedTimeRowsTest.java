package org.syncsuite.replicator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import com.github.shyiko.mysql.binlog.io.ByteArrayInputStream;
import org.junit.jupiter.api.Test;
import org.syncsuite.core.SqliteValue;
import org.syncsuite.core.mysql.ColumnType;
import org.syncsuite.core.mysql.MySqlValueMapper;

/** TIME values as the binlog stores them, read with their sign. */
class SignedTimeRowsTest {

    @Test
    void knownTime2Bytes() throws IOException {
        assertThat(SignedTimeRows.time2(0, in(0x7F, 0x38, 0x80))).isEqualTo(-micros(12, 30, 0, 0)); // '-12:30:00'
        assertThat(SignedTimeRows.time2(0, in(0x80, 0xC7, 0x80))).isEqualTo(micros(12, 30, 0, 0));
        assertThat(SignedTimeRows.time2(0, in(0x4B, 0x91, 0x05))).isEqualTo(-micros(838, 59, 59, 0)); // '-838:59:59'
        assertThat(SignedTimeRows.time2(0, in(0xB4, 0x6E, 0xFB))).isEqualTo(micros(838, 59, 59, 0));
        assertThat(SignedTimeRows.time2(0, in(0x80, 0x00, 0x00))).isZero();
        // '-00:00:00.5' in TIME(1): the second part counts down from -1, the fraction (-50 hundredths) up.
        assertThat(SignedTimeRows.time2(1, in(0x7F, 0xFF, 0xFF, 0xCE))).isEqualTo(-500_000L);
    }

    /** Every fractional precision, both signs, against MySQL's packing (my_time_packed_to_binary). */
    @Test
    void time2RoundTripsEverySignAndPrecision() throws IOException {
        Random random = new Random(7);
        for (int n = 0; n < 20_000; n++) {
            int fsp = random.nextInt(7);
            long micros = (random.nextLong() % (839L * 3600 * 1_000_000)) / pow10(6 - fsp) * pow10(6 - fsp);
            if (n < 7) {
                micros = n % 2 == 0 ? -pow10(6 - Math.max(fsp, 1)) : 0; // the smallest negative value, and zero
            }
            assertThat(SignedTimeRows.time2(fsp, in(pack(micros, fsp)))).as("%d µs in TIME(%d)", micros, fsp).isEqualTo(micros);
        }
    }

    @Test
    void oldTimeFormatIsSigned() throws IOException {
        assertThat(SignedTimeRows.time(in(little(-123000)))).isEqualTo(-micros(12, 30, 0, 0));
        assertThat(SignedTimeRows.time(in(little(8385959)))).isEqualTo(micros(838, 59, 59, 0));
        assertThat(SignedTimeRows.time(in(little(-8385959)))).isEqualTo(-micros(838, 59, 59, 0));
        assertThat(SignedTimeRows.time(in(little(1)))).isEqualTo(1_000_000L);
    }

    @Test
    void theMapperShowsTheSignedValueAsMySqlDoes() throws IOException {
        MySqlValueMapper mapper = MySqlValueMapper.defaults();
        ColumnType time0 = new ColumnType("time", false, 0, 0, Optional.empty(), List.of());
        ColumnType time3 = new ColumnType("time", false, 0, 3, Optional.empty(), List.of());
        assertThat(mapper.map(time0, SignedTimeRows.time2(0, in(0x7F, 0x38, 0x80)))).isEqualTo(SqliteValue.of("-12:30:00"));
        assertThat(mapper.map(time0, SignedTimeRows.time2(0, in(0x4B, 0x91, 0x05)))).isEqualTo(SqliteValue.of("-838:59:59"));
        assertThat(mapper.map(time3, SignedTimeRows.time2(3, in(pack(-micros(0, 0, 1, 250_000), 3)))))
                .isEqualTo(SqliteValue.of("-00:00:01.250"));
    }

    // MySQL's TIME2 layout: (hour << 12 | minute << 6 | second) << 24 | microseconds, negated for
    // negative values, then stored with an offset in 3 bytes plus the fraction's bytes.
    private static byte[] pack(long micros, int fsp) {
        boolean negative = micros < 0;
        long abs = Math.abs(micros);
        long seconds = abs / 1_000_000;
        long hms = (seconds / 3600) << 12 | (seconds / 60 % 60) << 6 | (seconds % 60);
        long packed = (hms << 24) + abs % 1_000_000;
        if (negative) {
            packed = -packed;
        }
        long intPart = packed >> 24; // arithmetic: rounds down
        long fraction = packed % (1L << 24); // C's remainder: the sign of the dividend
        return switch (fsp) {
            case 0 -> bigEndian(intPart + 0x800000L, 3);
            case 1, 2 -> concat(bigEndian(intPart + 0x800000L, 3), new byte[] {(byte) (fraction / 10_000)});
            case 3, 4 -> concat(bigEndian(intPart + 0x800000L, 3), bigEndian((fraction / 100) & 0xFFFF, 2));
            default -> bigEndian(packed + 0x800000000000L, 6);
        };
    }

    private static byte[] bigEndian(long value, int length) {
        byte[] bytes = new byte[length];
        for (int i = length - 1; i >= 0; i--) {
            bytes[i] = (byte) value;
            value >>= 8;
        }
        return bytes;
    }

    private static byte[] little(int value) {
        return new byte[] {(byte) value, (byte) (value >> 8), (byte) (value >> 16)};
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    private static long pow10(int n) {
        long value = 1;
        for (int i = 0; i < n; i++) {
            value *= 10;
        }
        return value;
    }

    private static long micros(long hours, long minutes, long seconds, long micros) {
        return Duration.ofHours(hours).plusMinutes(minutes).plusSeconds(seconds).toNanos() / 1000 + micros;
    }

    private static ByteArrayInputStream in(int... bytes) {
        byte[] data = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            data[i] = (byte) bytes[i];
        }
        return new ByteArrayInputStream(data);
    }

    private static ByteArrayInputStream in(byte[] bytes) {
        return new ByteArrayInputStream(bytes);
    }
}

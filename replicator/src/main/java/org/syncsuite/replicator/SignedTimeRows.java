package org.syncsuite.replicator;

import java.io.IOException;
import java.io.Serializable;
import java.util.Map;

import com.github.shyiko.mysql.binlog.event.EventType;
import com.github.shyiko.mysql.binlog.event.TableMapEventData;
import com.github.shyiko.mysql.binlog.event.deserialization.DeleteRowsEventDataDeserializer;
import com.github.shyiko.mysql.binlog.event.deserialization.EventDeserializer;
import com.github.shyiko.mysql.binlog.event.deserialization.UpdateRowsEventDataDeserializer;
import com.github.shyiko.mysql.binlog.event.deserialization.WriteRowsEventDataDeserializer;
import com.github.shyiko.mysql.binlog.io.ByteArrayInputStream;

/**
 * Row event deserializers that read TIME values with their sign. With epoch-microsecond dates and
 * times ({@code DATE_AND_TIME_AS_LONG_MICRO}) the binlog reader takes a TIME as a time of day and
 * drops the sign, so {@code '-12:30:00'} arrives as some unrelated positive value. Here a TIME is
 * its signed duration in microseconds ({@code -45_000_000_000} for {@code '-12:30:00'}), which
 * {@link org.syncsuite.core.mysql.MySqlValueMapper} formats as MySQL shows it, the text the
 * snapshot reads over JDBC. Non-negative TIMEs give the same values as the reader's own
 * deserializers; every other type is left to them.
 */
final class SignedTimeRows {

    /** 0x800000: the offset MySQL adds to the packed hour-minute-second part of a TIME2 value. */
    private static final long TIME2_INT_OFFSET = 0x800000L;
    /** 0x800000000000: the offset of a packed TIME2 value with microseconds (6 fractional digits). */
    private static final long TIME2_OFFSET = 0x800000000000L;

    private SignedTimeRows() {
    }

    /**
     * Replaces {@code deserializer}'s row event deserializers. {@code tableMaps} must hold each
     * table map event by table id before the row events that follow it are read (the binlog
     * client's listener sees an event before the next one is read).
     */
    static void install(EventDeserializer deserializer, Map<Long, TableMapEventData> tableMaps) {
        deserializer.setEventDataDeserializer(EventType.WRITE_ROWS, new Write(tableMaps));
        deserializer.setEventDataDeserializer(EventType.EXT_WRITE_ROWS, new Write(tableMaps).setMayContainExtraInformation(true));
        deserializer.setEventDataDeserializer(EventType.UPDATE_ROWS, new Update(tableMaps));
        deserializer.setEventDataDeserializer(EventType.EXT_UPDATE_ROWS, new Update(tableMaps).setMayContainExtraInformation(true));
        deserializer.setEventDataDeserializer(EventType.DELETE_ROWS, new Delete(tableMaps));
        deserializer.setEventDataDeserializer(EventType.EXT_DELETE_ROWS, new Delete(tableMaps).setMayContainExtraInformation(true));
    }

    /**
     * A TIME2 value (MySQL 5.6.4+, MariaDB's default): 3 bytes big-endian, the offset packed
     * {@code sign, hour (10 bits), minute (6), second (6)}, then {@code (fsp + 1) / 2} bytes of
     * fraction, as signed microseconds.
     */
    static long time2(int fsp, ByteArrayInputStream in) throws IOException {
        long packed; // (hour-minute-second part << 24) + microseconds, signed
        switch (fsp) {
            case 1, 2 -> {
                long intPart = bigEndian(in, 3) - TIME2_INT_OFFSET;
                long fraction = bigEndian(in, 1);
                if (intPart < 0 && fraction != 0) {
                    intPart++; // the fraction of a negative value counts down from the next second
                    fraction -= 0x100;
                }
                packed = (intPart << 24) + fraction * 10_000;
            }
            case 3, 4 -> {
                long intPart = bigEndian(in, 3) - TIME2_INT_OFFSET;
                long fraction = bigEndian(in, 2);
                if (intPart < 0 && fraction != 0) {
                    intPart++;
                    fraction -= 0x10000;
                }
                packed = (intPart << 24) + fraction * 100;
            }
            case 5, 6 -> packed = bigEndian(in, 6) - TIME2_OFFSET;
            default -> packed = (bigEndian(in, 3) - TIME2_INT_OFFSET) << 24;
        }
        boolean negative = packed < 0;
        long magnitude = Math.abs(packed);
        long hms = magnitude >> 24;
        long micros = magnitude % (1L << 24);
        long hours = (hms >> 12) % (1 << 10);
        long minutes = (hms >> 6) % (1 << 6);
        long seconds = hms % (1 << 6);
        long total = ((hours * 60 + minutes) * 60 + seconds) * 1_000_000L + micros;
        return negative ? -total : total;
    }

    /** An old-format TIME: 3 bytes little-endian, the signed decimal {@code [-]HHMMSS}, as signed microseconds. */
    static long time(ByteArrayInputStream in) throws IOException {
        int value = in.readInteger(3);
        if ((value & 0x800000) != 0) {
            value |= 0xFF000000; // sign-extend the 24-bit value
        }
        long magnitude = Math.abs((long) value);
        long seconds = magnitude / 10_000 * 3600 + magnitude / 100 % 100 * 60 + magnitude % 100;
        return (value < 0 ? -seconds : seconds) * 1_000_000L;
    }

    private static long bigEndian(ByteArrayInputStream in, int length) throws IOException {
        long value = 0;
        for (byte b : in.read(length)) {
            value = (value << 8) | (b & 0xFF);
        }
        return value;
    }

    private static final class Write extends WriteRowsEventDataDeserializer {
        Write(Map<Long, TableMapEventData> tableMaps) {
            super(tableMaps);
        }

        @Override
        protected Serializable deserializeTime(ByteArrayInputStream in) throws IOException {
            return time(in);
        }

        @Override
        protected Serializable deserializeTimeV2(int meta, ByteArrayInputStream in) throws IOException {
            return time2(meta, in);
        }
    }

    private static final class Update extends UpdateRowsEventDataDeserializer {
        Update(Map<Long, TableMapEventData> tableMaps) {
            super(tableMaps);
        }

        @Override
        protected Serializable deserializeTime(ByteArrayInputStream in) throws IOException {
            return time(in);
        }

        @Override
        protected Serializable deserializeTimeV2(int meta, ByteArrayInputStream in) throws IOException {
            return time2(meta, in);
        }
    }

    private static final class Delete extends DeleteRowsEventDataDeserializer {
        Delete(Map<Long, TableMapEventData> tableMaps) {
            super(tableMaps);
        }

        @Override
        protected Serializable deserializeTime(ByteArrayInputStream in) throws IOException {
            return time(in);
        }

        @Override
        protected Serializable deserializeTimeV2(int meta, ByteArrayInputStream in) throws IOException {
            return time2(meta, in);
        }
    }
}

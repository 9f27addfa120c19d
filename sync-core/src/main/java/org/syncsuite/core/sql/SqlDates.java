package org.syncsuite.core.sql;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;

import org.syncsuite.core.SqliteValue;

/** {@code unixepoch()} and {@code datetime()} for the time values sync rows carry. */
final class SqlDates {

    private static final double UNIX_EPOCH_JULIAN_DAY = 2440587.5;

    private SqlDates() {
    }

    static SqliteValue unixepoch(List<SqliteValue> args) {
        Double seconds = seconds(args);
        if (seconds == null) {
            return SqliteValue.NULL;
        }
        if (hasModifier(args, "subsec") || hasModifier(args, "subsecond")) {
            return SqliteValue.of(Math.round(seconds * 1000) / 1000.0);
        }
        return SqliteValue.of((long) Math.floor(seconds));
    }

    static SqliteValue datetime(List<SqliteValue> args) {
        Double seconds = seconds(args);
        if (seconds == null) {
            return SqliteValue.NULL;
        }
        long millis = Math.round(seconds * 1000);
        LocalDateTime time = LocalDateTime.ofEpochSecond(Math.floorDiv(millis, 1000), (int) Math.floorMod(millis, 1000) * 1_000_000, ZoneOffset.UTC);
        String text = String.format(Locale.ROOT, "%04d-%02d-%02d %02d:%02d:%02d", time.getYear(), time.getMonthValue(),
                time.getDayOfMonth(), time.getHour(), time.getMinute(), time.getSecond());
        if (hasModifier(args, "subsec") || hasModifier(args, "subsecond")) {
            text += String.format(Locale.ROOT, ".%03d", time.getNano() / 1_000_000);
        }
        return SqliteValue.of(text);
    }

    /** Seconds since the Unix epoch, or null when the value is not a time. */
    private static Double seconds(List<SqliteValue> args) {
        SqliteValue value = args.getFirst();
        for (SqliteValue modifier : args.subList(1, args.size())) {
            String m = SqlValues.text(modifier);
            if (m == null) {
                return null;
            }
            String lower = m.toLowerCase(Locale.ROOT);
            if (!lower.equals("unixepoch") && !lower.equals("subsec") && !lower.equals("subsecond") && !lower.equals("utc")) {
                throw new SqlEvaluationException("Unsupported time modifier '" + m + "': use 'unixepoch' or 'subsec'");
            }
        }
        return switch (value) {
            case SqliteValue.Null n -> null;
            case SqliteValue.Integer i -> hasModifier(args, "unixepoch") ? (double) i.value() : julianToUnix(i.value());
            case SqliteValue.Real r -> hasModifier(args, "unixepoch") ? r.value() : julianToUnix(r.value());
            case SqliteValue.Blob b -> null;
            case SqliteValue.Text t -> parse(t.value().trim());
        };
    }

    private static double julianToUnix(double julianDay) {
        return (julianDay - UNIX_EPOCH_JULIAN_DAY) * 86400.0;
    }

    private static Double parse(String text) {
        if (text.equalsIgnoreCase("now")) {
            throw new SqlEvaluationException("'now' is not allowed: sync expressions must be deterministic");
        }
        String normalized = text.replace(' ', 'T');
        try {
            if (normalized.length() == 10) {
                return (double) LocalDate.parse(normalized).atStartOfDay().toEpochSecond(ZoneOffset.UTC);
            }
            if (normalized.endsWith("Z") || normalized.matches(".*[+-]\\d\\d:\\d\\d$")) {
                OffsetDateTime time = OffsetDateTime.parse(normalized);
                return time.toEpochSecond() + time.getNano() / 1e9;
            }
            LocalDateTime time = LocalDateTime.parse(normalized);
            return time.toEpochSecond(ZoneOffset.UTC) + time.getNano() / 1e9;
        } catch (DateTimeParseException e) {
            try {
                return julianToUnix(Double.parseDouble(text));
            } catch (NumberFormatException notNumber) {
                return null;
            }
        }
    }

    private static boolean hasModifier(List<SqliteValue> args, String modifier) {
        for (SqliteValue arg : args.subList(1, args.size())) {
            String text = SqlValues.text(arg);
            if (text != null && text.equalsIgnoreCase(modifier)) {
                return true;
            }
        }
        return false;
    }
}

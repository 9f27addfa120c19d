package org.syncsuite.core.logging;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

import org.syncsuite.core.JsonWriter;

/**
 * One JSON object per log record, on one line, for log collectors: {@code time} (ISO-8601 UTC,
 * milliseconds), {@code level}, {@code logger}, {@code thread}, {@code message} (with its
 * parameters filled in) and, when the record has one, {@code exception} ({@code class},
 * {@code message}, {@code stack_trace}). Everything beyond printable ASCII is escaped, so a line
 * reads the same whatever encoding the console has.
 */
public final class JsonLineFormatter extends Formatter {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    @Override
    public String format(LogRecord record) {
        StringBuilder line = new StringBuilder(256);
        line.append("{\"time\":");
        string(line, TIME.format(record.getInstant()));
        line.append(",\"level\":");
        string(line, record.getLevel().getName());
        line.append(",\"logger\":");
        string(line, record.getLoggerName() == null ? "" : record.getLoggerName());
        line.append(",\"thread\":");
        string(line, thread(record));
        line.append(",\"message\":");
        string(line, message(record));
        Throwable thrown = record.getThrown();
        if (thrown != null) {
            line.append(",\"exception\":{\"class\":");
            string(line, thrown.getClass().getName());
            line.append(",\"message\":");
            if (thrown.getMessage() == null) {
                line.append("null");
            } else {
                string(line, thrown.getMessage());
            }
            line.append(",\"stack_trace\":");
            StringWriter trace = new StringWriter();
            thrown.printStackTrace(new PrintWriter(trace));
            string(line, trace.toString());
            line.append('}');
        }
        return line.append("}\n").toString();
    }

    private String message(LogRecord record) {
        try {
            String message = formatMessage(record);
            return message == null ? "" : message;
        } catch (RuntimeException e) {
            // a parameter whose toString() fails must not lose the record
            return String.valueOf(record.getMessage());
        }
    }

    /**
     * Handlers format on the thread that logs, so its name is the record's; a record handed
     * over from elsewhere, or a virtual thread without a name, is named by its id.
     */
    private static String thread(LogRecord record) {
        Thread current = Thread.currentThread();
        if (current.threadId() == record.getLongThreadID() && !current.getName().isEmpty()) {
            return current.getName();
        }
        return "#" + record.getLongThreadID();
    }

    /**
     * Appends {@code value} as a JSON string of printable ASCII only: JSON's escapes, then every
     * other character as {@code \\uXXXX}, so a line reads the same whatever the console's encoding.
     */
    static void string(StringBuilder out, String value) {
        StringBuilder escaped = new StringBuilder(value.length() + 2);
        JsonWriter.appendString(escaped, value);
        for (int i = 0; i < escaped.length(); i++) {
            char c = escaped.charAt(i);
            if (c < 0x7f) {
                out.append(c);
            } else {
                out.append("\\u").append(Character.forDigit(c >> 12 & 0xf, 16)).append(Character.forDigit(c >> 8 & 0xf, 16))
                        .append(Character.forDigit(c >> 4 & 0xf, 16)).append(Character.forDigit(c & 0xf, 16));
            }
        }
    }
}

package org.syncsuite.core.logging;

import java.util.Locale;
import java.util.logging.Level;
import java.util.logging.LogRecord;

/**
 * The services' console log format: text (the default) or one JSON object per line, chosen by
 * {@code POWERSYNC_LOG_FORMAT=json} or the system property {@code powersync.log.format=json}
 * (the property wins, so that one JVM can be told apart from its environment).
 */
public final class LogFormat {

    /** The environment variable that selects the format. */
    public static final String ENVIRONMENT = "POWERSYNC_LOG_FORMAT";
    /** The system property that selects the format, ahead of the environment variable. */
    public static final String PROPERTY = "powersync.log.format";

    private LogFormat() {
    }

    /** Whether this process logs JSON lines. */
    public static boolean json() {
        return json(System.getProperty(PROPERTY), System.getenv(ENVIRONMENT));
    }

    static boolean json(String property, String environment) {
        String chosen = property != null && !property.isBlank() ? property : environment;
        return chosen != null && chosen.trim().toLowerCase(Locale.ROOT).equals("json");
    }

    /**
     * Prints why the process cannot start to standard error: as a SEVERE JSON line from
     * {@code source} when logs are JSON (a log collector then reads it like every other line),
     * else as the plain sentence.
     */
    public static void printFatal(Class<?> source, String message) {
        if (json()) {
            LogRecord record = new LogRecord(Level.SEVERE, message);
            record.setLoggerName(source.getName());
            System.err.print(new JsonLineFormatter().format(record));
        } else {
            System.err.println(message);
        }
        System.err.flush();
    }
}

package org.syncsuite.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.logging.ConsoleHandler;
import java.util.logging.FileHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * Logging for a command line: the terminal shows warnings and errors only (commands print their
 * own results), and a log file, when a command opens one, gets everything at INFO.
 */
final class CliLogging {

    private static final String FORMAT = "%1$tF %1$tT.%1$tL %4$-7s %3$s: %5$s%6$s%n";

    private CliLogging() {
    }

    static void configure() {
        if (System.getProperty("java.util.logging.config.file") != null) {
            return; // the user's own configuration wins
        }
        System.setProperty("java.util.logging.SimpleFormatter.format", FORMAT);
        LogManager.getLogManager().reset();
        Logger root = Logger.getLogger("");
        root.setLevel(Level.INFO);
        ConsoleHandler console = new ConsoleHandler();
        console.setLevel(Level.WARNING);
        console.setFormatter(new SimpleFormatter());
        // Libraries (Kafka above all) warn about routine things; the terminal shows only our own
        // warnings and everyone's errors. The log file keeps the rest.
        console.setFilter(record -> record.getLevel().intValue() >= Level.SEVERE.intValue()
                || (record.getLoggerName() != null && record.getLoggerName().startsWith("org.syncsuite.")));
        root.addHandler(console);
    }

    /** Also writes every INFO line and above to {@code file}. */
    static Handler logTo(Path file) throws IOException {
        // FileHandler reads its argument as a pattern: a literal '%' must be doubled.
        FileHandler handler = new FileHandler(file.toString().replace("%", "%%"), true);
        handler.setLevel(Level.INFO);
        handler.setFormatter(new SimpleFormatter());
        Logger.getLogger("").addHandler(handler);
        return handler;
    }
}

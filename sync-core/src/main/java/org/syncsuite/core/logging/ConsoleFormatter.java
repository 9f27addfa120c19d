package org.syncsuite.core.logging;

import java.util.logging.Formatter;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;

/**
 * The console handler's formatter, named in each service's {@code logging.properties}: JSON
 * lines when {@link LogFormat#json()} says so, else {@link SimpleFormatter} with the format the
 * file gives. Being chosen by the logging configuration itself, it applies however often and
 * whenever Helidon (re)reads that file, with no handler to patch afterwards.
 */
public final class ConsoleFormatter extends Formatter {

    private final Formatter delegate = LogFormat.json() ? new JsonLineFormatter() : new SimpleFormatter();

    @Override
    public String format(LogRecord record) {
        return delegate.format(record);
    }

    /** Whether this formatter writes JSON lines. */
    public boolean isJson() {
        return delegate instanceof JsonLineFormatter;
    }
}

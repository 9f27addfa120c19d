package org.syncsuite.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * Counts the SEVERE records logged in this JVM (by the embedded broker above all) while it is
 * installed on the root logger, and keeps the first few. Thread-safe.
 */
final class SevereLogCounter extends Handler {

    private final AtomicLong count = new AtomicLong();
    private final List<String> first = Collections.synchronizedList(new ArrayList<>());

    static SevereLogCounter install() {
        SevereLogCounter counter = new SevereLogCounter();
        Logger.getLogger("").addHandler(counter);
        return counter;
    }

    void uninstall() {
        Logger.getLogger("").removeHandler(this);
    }

    @Override
    public void publish(LogRecord record) {
        if (record.getLevel().intValue() >= Level.SEVERE.intValue()) {
            count.incrementAndGet();
            if (first.size() < 3) {
                first.add(record.getLoggerName() + " " + new SimpleFormatter().formatMessage(record));
            }
        }
    }

    long count() {
        return count.get();
    }

    List<String> first() {
        return List.copyOf(first);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }
}

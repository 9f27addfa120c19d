package org.syncsuite.cli;

import java.io.PrintWriter;
import java.time.Duration;

/**
 * A progress bar on the error stream for long operations (a deploy being built, a reprocess, a
 * compaction): redrawn in place on a terminal, one line per tenth otherwise, so logs of
 * scripted runs stay readable. An unknown total shows a spinner with the elapsed time.
 */
final class Progress {

    private static final char[] SPIN = {'|', '/', '-', '\\'};
    private static final int WIDTH = 30;

    private final PrintWriter err;
    private final String label;
    private final boolean terminal;
    private final long started = System.nanoTime();
    private int frame;
    private int lastTenth = -1;
    private int lastLength;

    Progress(PrintWriter err, String label) {
        this.err = err;
        this.label = label;
        this.terminal = System.console() != null;
    }

    /** Shows {@code done} of {@code total} (a negative total: unknown) with a note. */
    void update(long done, long total, String note) {
        String elapsed = elapsed();
        String line;
        if (total > 0) {
            double fraction = Math.max(0, Math.min(1, done / (double) total));
            int filled = (int) Math.round(fraction * WIDTH);
            line = String.format("%s [%s%s] %3d%% %s %s", label, "#".repeat(filled), ".".repeat(WIDTH - filled),
                    Math.round(fraction * 100), elapsed, note);
            int tenth = (int) (fraction * 10);
            if (!terminal && tenth == lastTenth) {
                return;
            }
            lastTenth = tenth;
        } else {
            line = String.format("%s %c %s %s", label, SPIN[frame++ % SPIN.length], elapsed, note);
            if (!terminal && frame % 10 != 1) {
                return;
            }
        }
        if (terminal) {
            err.print("\r" + line + " ".repeat(Math.max(0, lastLength - line.length())));
            lastLength = line.length();
        } else {
            err.println(line);
        }
        err.flush();
    }

    /** Ends the bar with a final line. */
    void done(String message) {
        if (terminal && lastLength > 0) {
            err.print("\r" + " ".repeat(lastLength) + "\r");
        }
        err.println(label + ": " + message + " (" + elapsed() + ")");
        err.flush();
    }

    private String elapsed() {
        Duration d = Duration.ofNanos(System.nanoTime() - started);
        return String.format("%d:%02d", d.toMinutes(), d.toSecondsPart());
    }
}

package org.syncsuite.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Shows the replicator's initial snapshot as a progress bar (rows read against the rows the
 * tables held when it began), from the replicator's Prometheus metrics, until it is complete.
 */
final class SnapshotWatch {

    /** The snapshot's figures read from one metrics page. */
    record Figures(long rowsRead, long rowsExpected, boolean complete) {
    }

    private SnapshotWatch() {
    }

    /** Waits (at most {@code limit}) for the snapshot of the replicator at {@code metricsUrl}; false if it did not end. */
    static boolean await(String metricsUrl, Duration limit, PrintWriter err) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        Progress progress = new Progress(err, "Snapshot");
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                String page = http.send(HttpRequest.newBuilder(URI.create(metricsUrl)).header("Accept", "text/plain").build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                Figures figures = parse(page);
                if (figures.complete()) {
                    progress.done(figures.rowsRead() + " rows read, complete");
                    return true;
                }
                progress.update(figures.rowsRead(), figures.rowsExpected(), figures.rowsRead() + " of about "
                        + figures.rowsExpected() + " rows");
            } catch (IOException e) {
                progress.update(0, -1, "waiting for the replicator");
            }
            Thread.sleep(500);
        }
        progress.done("still running; it goes on in the background");
        return false;
    }

    /** Sums the per-table snapshot gauges of a Prometheus text page. */
    static Figures parse(String page) {
        long read = 0;
        long expected = 0;
        boolean complete = false;
        for (String line : page.split("\n")) {
            if (line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            if (space < 0) {
                continue;
            }
            String name = line.substring(0, space);
            double value;
            try {
                value = Double.parseDouble(line.substring(space + 1).strip());
            } catch (NumberFormatException e) {
                continue;
            }
            if (name.startsWith("replicator_snapshot_rows_expected")) {
                expected += (long) value;
            } else if (name.startsWith("replicator_snapshot_rows{") || name.equals("replicator_snapshot_rows")) {
                read += (long) value;
            } else if (name.startsWith("replicator_snapshot_complete")) {
                complete = value >= 1;
            }
        }
        return new Figures(read, expected, complete);
    }
}

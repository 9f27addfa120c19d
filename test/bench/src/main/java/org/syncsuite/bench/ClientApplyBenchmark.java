package org.syncsuite.bench;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.sun.net.httpserver.HttpServer;

import org.syncsuite.client.Column;
import org.syncsuite.client.PowerSyncBackendConnector;
import org.syncsuite.client.PowerSyncCredentials;
import org.syncsuite.client.PowerSyncDatabase;
import org.syncsuite.client.Schema;
import org.syncsuite.client.Table;
import org.syncsuite.core.Checksums;
import org.syncsuite.core.JsonWriter;
import org.syncsuite.services.Trees;

/**
 * Rows per second our Java client applies in a first sync of 1,000,000 rows: from opening the
 * stream to the checkpoint published into the app's table (ops stored per bucket, checksums
 * validated, rows published). The stream is served from memory by a local HTTP server (NDJSON,
 * 1,000 ops per line, as the gateway sends), so that the client's own work is measured. The
 * baseline inserts the same rows into a plain SQLite table with batched JDBC, 1,000 per
 * transaction, in the client's journal mode (WAL) and sync level (NORMAL), SQLite's defaults
 * otherwise. Both run once on 100,000 rows untimed, then alternate
 * over {@code --rounds} (3); the round with the median ratio is reported.
 */
final class ClientApplyBenchmark implements Benchmark {

    static final double GOAL_ROWS_PER_SECOND = 50_000;
    static final double GOAL_SHARE_OF_BASELINE = 0.5;
    private static final int WARM_UP_ROWS = 100_000;
    private static final String BUCKET = "1#everything|0[]";

    @Override
    public String name() {
        return "client-apply";
    }

    @Override
    public String description() {
        return "Java client: rows/s applied in a first sync of 1,000,000 rows, vs. batched inserts into a plain SQLite table";
    }

    @Override
    public BenchReport run(BenchOptions options) throws Exception {
        int rows = options.integer("rows", 1_000_000);
        Path dir = Files.createTempDirectory("client-apply");
        System.out.printf(Locale.ROOT, "   preparing a stream of %,d rows ...%n", rows);
        byte[] body = stream(rows);
        int warmUpRows = Math.min(rows, WARM_UP_ROWS);
        // what the server streams: first a warm-up's stream, then the measured one
        java.util.concurrent.atomic.AtomicReference<byte[]> serving = new java.util.concurrent.atomic.AtomicReference<>(stream(warmUpRows));
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/sync/stream", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().set("Content-Type", "application/x-ndjson");
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(serving.get());
                out.flush();
                Thread.sleep(600_000); // the stream stays open, as the gateway's does
            } catch (Exception e) {
                // the client closed it
            }
        });
        server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        server.start();
        try {
            String endpoint = "http://127.0.0.1:" + server.getAddress().getPort();
            // Rounds alternate the two paths, so that a machine slower for a while weighs on both alike.
            int rounds = options.integer("rounds", 3);
            double[] oursSeconds = new double[rounds];
            double[] baselineSeconds = new double[rounds];
            double[] closeSeconds = new double[rounds];
            List<String> notes = new ArrayList<>();
            // Both paths run once untimed first, so that the rounds measure compiled code, not the JIT.
            firstSync(dir.resolve("warm-up.db"), endpoint, warmUpRows);
            baseline(dir.resolve("warm-up-plain.db"), warmUpRows);
            serving.set(body);
            for (int round = 0; round < rounds; round++) {
                double[] sync = firstSync(dir.resolve("client-" + round + ".db"), endpoint, rows);
                oursSeconds[round] = sync[0];
                closeSeconds[round] = sync[1];
                baselineSeconds[round] = baseline(dir.resolve("plain-" + round + ".db"), rows);
                notes.add(String.format(Locale.ROOT, "round %d: ours %.1f s (then %.1f s to close), baseline %.1f s (%.2fx)", round + 1,
                        oursSeconds[round], closeSeconds[round], baselineSeconds[round], baselineSeconds[round] / oursSeconds[round]));
                for (String file : List.of("client-" + round + ".db", "plain-" + round + ".db")) {
                    for (String suffix : List.of("", "-wal", "-shm")) {
                        Files.deleteIfExists(dir.resolve(file + suffix));
                    }
                }
            }
            // The round with the median ratio: each round's two paths ran a few seconds apart, on the same machine state.
            Integer[] byRatio = new Integer[rounds];
            for (int round = 0; round < rounds; round++) {
                byRatio[round] = round;
            }
            java.util.Arrays.sort(byRatio, java.util.Comparator.comparingDouble(round -> baselineSeconds[round] / oursSeconds[round]));
            int median = byRatio[rounds / 2];
            double ours = oursSeconds[median];
            double baseline = baselineSeconds[median];
            double oursRate = rows / ours;
            double baselineRate = rows / baseline;
            notes.add(String.format(Locale.ROOT, "reported: round %d, the median ratio of %d rounds; stream %.1f MB of NDJSON", median + 1,
                    rounds, body.length / 1e6));
            notes.add(String.format(Locale.ROOT, "goals: at least %,.0f rows/s: %s; at least %.0f%% of the baseline: %s",
                    GOAL_ROWS_PER_SECOND, oursRate >= GOAL_ROWS_PER_SECOND ? "met" : "NOT met", GOAL_SHARE_OF_BASELINE * 100,
                    oursRate >= GOAL_SHARE_OF_BASELINE * baselineRate ? "met" : "NOT met"));
            return new BenchReport(name(), String.format(Locale.ROOT, "%,d rows of about 150 bytes in one bucket", rows),
                    new BenchReport.Measurement("Java client: stored, validated and published", oursRate, "rows/s",
                            String.format(Locale.ROOT, "%.1f s", ours)),
                    new BenchReport.Measurement("batched inserts into a plain SQLite table", baselineRate, "rows/s",
                            String.format(Locale.ROOT, "%.1f s", baseline)),
                    true, notes);
        } finally {
            server.stop(0);
            Trees.delete(dir); // the databases of a run take about a gigabyte
        }
    }

    /**
     * Seconds from connecting a new client to its first complete checkpoint, all rows checked; and
     * then the seconds its closing takes (the log's last copy into the database file, which a
     * background thread had begun).
     */
    private static double[] firstSync(Path file, String endpoint, int rows) throws Exception {
        Schema schema = Schema.of(Table.of("items", Column.text("title"), Column.integer("done"), Column.text("notes")));
        PowerSyncDatabase db = PowerSyncDatabase.open(file, schema);
        try {
            long started = System.nanoTime();
            db.connect(new PowerSyncBackendConnector() {
                @Override
                public PowerSyncCredentials fetchCredentials() {
                    return new PowerSyncCredentials(endpoint, "token");
                }

                @Override
                public void uploadData(PowerSyncDatabase database) {
                }
            });
            if (!db.waitForFirstSync(Duration.ofMinutes(30))) {
                throw new IllegalStateException("The client did not sync: " + db.currentStatus());
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            long count = ((Number) db.get("SELECT COUNT(*) AS n FROM items").get("n")).longValue();
            if (count != rows) {
                throw new IllegalStateException("The client holds " + count + " rows, not " + rows);
            }
            db.disconnect();
            long closing = System.nanoTime();
            db.close();
            return new double[]{seconds, (System.nanoTime() - closing) / 1e9};
        } finally {
            db.close();
        }
    }

    /** The whole first sync as NDJSON: checkpoint, data lines of 1,000 ops, checkpoint_complete. */
    private static byte[] stream(int rows) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(rows * 260);
        long sum = 0;
        StringBuilder lines = new StringBuilder();
        List<byte[]> data = new ArrayList<>();
        for (int from = 0; from < rows; from += 1000) {
            lines.setLength(0);
            lines.append("{\"data\":{\"bucket\":\"").append(BUCKET).append("\",\"after\":\"").append(from).append("\",\"next_after\":\"")
                    .append(Math.min(rows, from + 1000)).append("\",\"has_more\":false,\"data\":[");
            for (int i = from; i < Math.min(rows, from + 1000); i++) {
                String row = SyncBenchSupport.item(i).replace("\"id\":\"item-", "\"id\":\"item-");
                long checksum = Checksums.put("items", "item-" + i, row);
                sum += checksum;
                lines.append(i == from ? "" : ",").append("{\"op_id\":\"").append(i + 1).append("\",\"op\":\"PUT\",\"object_type\":\"items\",")
                        .append("\"object_id\":\"item-").append(i).append("\",\"subkey\":\"s").append(i).append("\",\"checksum\":")
                        .append(checksum).append(",\"data\":");
                JsonWriter.appendString(lines, row);
                lines.append('}');
            }
            lines.append("]}}\n");
            data.add(lines.toString().getBytes(StandardCharsets.UTF_8));
        }
        String checkpoint = "{\"checkpoint\":{\"last_op_id\":\"" + rows + "\",\"buckets\":[{\"bucket\":\"" + BUCKET + "\",\"checksum\":"
                + Checksums.toSigned(sum) + ",\"count\":" + rows + ",\"priority\":3,\"subscriptions\":[{\"default\":0}]}],"
                + "\"streams\":[{\"name\":\"everything\",\"is_default\":true,\"errors\":[]}]}}\n";
        out.writeBytes(checkpoint.getBytes(StandardCharsets.UTF_8));
        data.forEach(out::writeBytes);
        out.writeBytes(("{\"checkpoint_complete\":{\"last_op_id\":\"" + rows + "\"}}\n").getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    private static double baseline(Path file, int rows) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file)) {
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA journal_mode = WAL");
                s.execute("PRAGMA synchronous = NORMAL");
                s.execute("CREATE TABLE items (id TEXT PRIMARY KEY NOT NULL, data TEXT)");
            }
            c.setAutoCommit(false);
            long started = System.nanoTime();
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO items (id, data) VALUES (?, ?)")) {
                for (int i = 0; i < rows; i++) {
                    insert.setString(1, "item-" + i);
                    insert.setString(2, SyncBenchSupport.item(i));
                    insert.addBatch();
                    if ((i + 1) % 1000 == 0 || i == rows - 1) {
                        insert.executeBatch();
                        c.commit();
                    }
                }
            }
            return (System.nanoTime() - started) / 1e9;
        }
    }
}

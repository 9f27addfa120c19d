package org.syncsuite.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.syncsuite.gateway.storage.StorageDatabase;
import org.syncsuite.services.EmbeddedKafka;
import org.syncsuite.services.EmbeddedMariaDb;

/**
 * A first sync of one client: rows per second that the gateway's api role serves, from bucket
 * storage holding 1,000,000 rows in a global bucket to a client reading the HTTP response, in
 * NDJSON and in BSON, until {@code checkpoint_complete}. The baseline reads the same ops from the
 * same storage with the same queries (1,000 ops at a time, along the primary key) and writes their
 * bytes to a null sink, in this JVM: what serving costs beyond reading storage.
 */
final class InitialSyncBenchmark implements Benchmark {

    static final double GOAL_ROWS_PER_SECOND = 200_000;

    @Override
    public String name() {
        return "sync-initial";
    }

    @Override
    public String description() {
        return "first sync of 1,000,000 rows to one client, rows/s from the server (NDJSON, BSON), vs. reading them to a null sink";
    }

    @Override
    public BenchReport run(BenchOptions options) throws Exception {
        int rows = options.integer("rows", 1_000_000);
        try (EmbeddedMariaDb db = EmbeddedMariaDb.builder().bufferPoolSize("1024M").build();
             EmbeddedKafka kafka = EmbeddedKafka.builder().build()) {
            db.start();
            kafka.start();
            StorageDatabase storage = SyncBenchSupport.storage(db, "sync_initial");
            System.out.printf(Locale.ROOT, "   writing %,d rows into one bucket ...%n", rows);
            long started = System.nanoTime();
            long checkpoint = SyncBenchSupport.appendItems(storage, 0, rows);
            System.out.printf(Locale.ROOT, "   ... in %.1f s (checkpoint %d)%n", (System.nanoTime() - started) / 1e9, checkpoint);
            try (SyncBenchSupport.Gateway gateway = new SyncBenchSupport.Gateway(db, kafka, "sync_initial", "1g",
                    Path.of("target", "bench-sync-initial"))) {
                // Each framing once before measuring: a running gateway has compiled both paths.
                Download warmNdjson = download(gateway, "application/x-ndjson");
                Download warmBson = download(gateway, "application/vnd.powersync.bson-stream");
                System.out.printf(Locale.ROOT, "   warm-up: NDJSON %,.0f rows/s, BSON %,.0f rows/s%n", rows / warmNdjson.seconds(),
                        rows / warmBson.seconds());
                Download ndjson = download(gateway, "application/x-ndjson");
                Download bson = download(gateway, "application/vnd.powersync.bson-stream");
                Download baseline = readToNullSink(storage, checkpoint);
                double ndjsonRate = rows / ndjson.seconds();
                double bsonRate = rows / bson.seconds();
                double baselineRate = rows / baseline.seconds();
                List<String> notes = new ArrayList<>();
                notes.add(String.format(Locale.ROOT, "NDJSON %.1f s, %.1f MB; BSON %.1f s, %.1f MB; baseline %.1f s, %.1f MB",
                        ndjson.seconds(), ndjson.bytes() / 1e6, bson.seconds(), bson.bytes() / 1e6, baseline.seconds(),
                        baseline.bytes() / 1e6));
                notes.add(String.format(Locale.ROOT, "goal: at least %,.0f rows/s from the server: NDJSON %s, BSON %s",
                        GOAL_ROWS_PER_SECOND, ndjsonRate >= GOAL_ROWS_PER_SECOND ? "met" : "NOT met",
                        bsonRate >= GOAL_ROWS_PER_SECOND ? "met" : "NOT met"));
                notes.add("the gateway (api role, -Xmx1g) and this JVM (client, MariaDB's client side, the broker) share the machine");
                return new BenchReport(name(), String.format(Locale.ROOT, "%,d rows of about 150 bytes in one bucket, one client", rows),
                        new BenchReport.Measurement("gateway api role, NDJSON over HTTP", ndjsonRate, "rows/s",
                                String.format(Locale.ROOT, "%.1f s", ndjson.seconds())),
                        new BenchReport.Measurement("JDBC reads of the same ops into a null sink", baselineRate, "rows/s",
                                String.format(Locale.ROOT, "%.1f s", baseline.seconds())),
                        true, notes, List.of(new BenchReport.Reference("bson", new BenchReport.Measurement(
                                "gateway api role, BSON over HTTP", bsonRate, "rows/s", String.format(Locale.ROOT, "%.1f s",
                                        bson.seconds())))));
            }
        }
    }

    record Download(double seconds, long bytes) {
    }

    /** Opens a fresh client's stream and reads until its first {@code checkpoint_complete}. */
    private static Download download(SyncBenchSupport.Gateway gateway, String accept) throws IOException {
        long started = System.nanoTime();
        long bytes = 0;
        try (SyncBenchSupport.RawStream stream = new SyncBenchSupport.RawStream(gateway.port, SyncBenchSupport.token("reader"),
                accept, "{\"client_id\":\"bench\",\"raw_data\":true}")) {
            boolean bson = accept.startsWith("application/vnd.powersync.bson-stream");
            byte[] buffer = new byte[1 << 16];
            if (bson) {
                while (true) {
                    byte[] head = readFully(stream, 4);
                    int length = (head[0] & 0xff) | (head[1] & 0xff) << 8 | (head[2] & 0xff) << 16 | (head[3] & 0xff) << 24;
                    byte[] document = readFully(stream, length - 4);
                    bytes += length;
                    // the document's first element: its type byte, then its name
                    String name = new String(document, 1, Math.min(19, document.length - 1), StandardCharsets.US_ASCII);
                    if (name.startsWith("checkpoint_complete")) {
                        break;
                    }
                }
            } else {
                // NDJSON: watch the start of each line for checkpoint_complete
                byte[] marker = "{\"checkpoint_complete\"".getBytes(StandardCharsets.US_ASCII);
                int matched = 0;
                boolean atLineStart = true;
                outer:
                while (true) {
                    int read = stream.read(buffer, 0, buffer.length);
                    if (read < 0) {
                        throw new IOException("the stream ended before checkpoint_complete");
                    }
                    bytes += read;
                    for (int i = 0; i < read; i++) {
                        byte b = buffer[i];
                        if (atLineStart || matched > 0) {
                            if (b == marker[matched]) {
                                matched++;
                                atLineStart = false;
                                if (matched == marker.length) {
                                    break outer;
                                }
                                continue;
                            }
                            matched = 0;
                        }
                        atLineStart = b == '\n';
                    }
                }
            }
        }
        return new Download((System.nanoTime() - started) / 1e9, bytes);
    }

    private static byte[] readFully(SyncBenchSupport.RawStream stream, int length) throws IOException {
        byte[] bytes = new byte[length];
        int done = 0;
        while (done < length) {
            int read = stream.read(bytes, done, length - done);
            if (read < 0) {
                throw new IOException("the stream ended inside a document");
            }
            done += read;
        }
        return bytes;
    }

    /** The baseline: the same ops, the same queries, their bytes written nowhere. */
    private static Download readToNullSink(StorageDatabase storage, long checkpoint) throws Exception {
        long started = System.nanoTime();
        long bytes = 0;
        OutputStream sink = OutputStream.nullOutputStream();
        try (Connection c = storage.open(); PreparedStatement select = c.prepareStatement("SELECT op_id, op, object_type, "
                + "object_id, subkey, checksum, data, target_op FROM bucket_ops WHERE group_id = ? AND bucket = ? AND op_id > ? "
                + "AND op_id <= ? ORDER BY op_id LIMIT 1001")) {
            long after = 0;
            while (true) {
                select.setInt(1, 1);
                select.setBytes(2, SyncBenchSupport.GLOBAL_BUCKET.getBytes(StandardCharsets.UTF_8));
                select.setLong(3, after);
                select.setLong(4, checkpoint);
                int count = 0;
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next() && count < 1000) {
                        after = rs.getLong(1);
                        for (int column = 3; column <= 7; column++) {
                            byte[] value = rs.getBytes(column);
                            if (value != null) {
                                sink.write(value);
                                bytes += value.length;
                            }
                        }
                        count++;
                    }
                }
                c.commit();
                if (count < 1000) {
                    break;
                }
            }
        }
        return new Download((System.nanoTime() - started) / 1e9, bytes);
    }
}

package org.syncsuite.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.syncsuite.core.Checksums;
import org.syncsuite.core.protocol.OplogEntry;
import org.syncsuite.gateway.storage.BucketStore;
import org.syncsuite.gateway.storage.StorageDatabase;
import org.syncsuite.gateway.storage.StorageMigrations;
import org.syncsuite.gateway.storage.SyncConfigVersions;
import org.syncsuite.services.ClassPath;
import org.syncsuite.services.DevTokens;
import org.syncsuite.services.EmbeddedKafka;
import org.syncsuite.services.EmbeddedMariaDb;
import org.syncsuite.services.ServiceYaml;

/**
 * What the sync benchmarks share: bucket storage filled directly (ops, totals, an active version
 * with a checkpoint), a gateway process serving the api role from it, HS256 tokens, and a minimal
 * HTTP/1.1 client that reads a sync stream's NDJSON lines off a socket (one virtual thread each,
 * so ten thousand of them are cheap on this side).
 */
final class SyncBenchSupport {

    static final String SECRET = "benchmark development key of 32+ bytes";
    /** A global stream that every client has, and a per-user one. */
    static final String SYNC_CONFIG = """
            config:
              edition: 3
            streams:
              everything:
                auto_subscribe: true
                query: SELECT * FROM items
              mine:
                auto_subscribe: true
                query: SELECT * FROM notes WHERE owner_id = auth.user_id()
            """;
    static final String GLOBAL_BUCKET = "1#everything|0[]";
    static final String POSITION = "{\"gtids\":\"0-1-1\",\"file\":\"binlog.000001\",\"pos\":4,\"skip_events\":0,\"skip_rows\":0}";

    private SyncBenchSupport() {
    }

    /** A fresh storage database with version 1 of {@link #SYNC_CONFIG} active. */
    static StorageDatabase storage(EmbeddedMariaDb db, String name) throws Exception {
        db.createDatabase(name);
        String url = db.jdbcUrl(name);
        StorageMigrations.migrate(url, db.rootUser(), db.rootPassword());
        StorageDatabase storage = new StorageDatabase(url, db.rootUser(), db.rootPassword());
        try (Connection c = storage.open()) {
            SyncConfigVersions versions = new SyncConfigVersions();
            int version = versions.deploy(c, SYNC_CONFIG);
            versions.activate(c, version);
            c.commit();
        }
        return storage;
    }

    /** The row text of item {@code i}: about 150 bytes, like a small app row. */
    static String item(long i) {
        return "{\"id\":\"item-" + i + "\",\"title\":\"Item number " + i + " of the benchmark\",\"done\":" + (i % 2)
                + ",\"notes\":\"Some text that makes the row look like a real one, " + (i * 7919 % 100_000) + "\"}";
    }

    /** Appends {@code count} PUTs to the global bucket and commits a checkpoint after them; returns it. */
    static long appendItems(StorageDatabase storage, long firstItem, int count) throws Exception {
        BucketStore store = new BucketStore();
        long checkpoint = 0;
        try (Connection c = storage.open()) {
            for (int done = 0; done < count; ) {
                int batch = Math.min(10_000, count - done);
                long first = store.allocateOpIds(c, batch);
                List<BucketStore.BucketOp> ops = new ArrayList<>(batch);
                for (int i = 0; i < batch; i++) {
                    long n = firstItem + done + i;
                    String data = item(n);
                    ops.add(new BucketStore.BucketOp(GLOBAL_BUCKET, OplogEntry.put(first + i, "items", "item-" + n,
                            "items/" + n, Checksums.put("items", "item-" + n, data), data)));
                }
                store.append(c, 1, ops);
                checkpoint = first + batch - 1;
                c.commit();
                done += batch;
            }
            new SyncConfigVersions().recordProgress(c, 1, 0, checkpoint, POSITION, true);
            c.commit();
        }
        return checkpoint;
    }

    /**
     * This JVM's class path for a child JVM of one of our services, without {@code modules} and
     * without the attachments service (whose CDI beans would start there too).
     */
    static String classPathWithout(String... modules) {
        return ClassPath.without(java.util.stream.Stream.concat(java.util.Arrays.stream(modules),
                java.util.Arrays.stream(org.syncsuite.attachments.AttachmentsMain.OWN_JARS)).toArray(String[]::new));
    }

    static String token(String user) {
        return DevTokens.sign(SECRET.getBytes(StandardCharsets.UTF_8), user, 7200);
    }

    /** A gateway process serving the api role only, with {@code heap} as its heap limit. */
    static final class Gateway implements AutoCloseable {
        final ServiceProcess service;
        final int port;

        Gateway(EmbeddedMariaDb db, EmbeddedKafka kafka, String storageName, String heap, Path dir) throws Exception {
            Files.createDirectories(dir);
            Path yaml = dir.resolve("service.yaml");
            Files.writeString(yaml, new ServiceYaml().source(db, "mysql", db.rootUser(), db.rootPassword())
                    .storage(db, storageName, db.rootUser(), db.rootPassword()).kafka(kafka, "bench").hs256(SECRET)
                    .apiParameter("max_concurrent_connections", 20000).syncConfigContent(SYNC_CONFIG).text());
            service = ServiceProcess.gateway("gateway", yaml, dir, List.of("-Xmx" + heap, "-Xms" + heap, "-Dgateway.role=api",
                    "-Dgateway.api.keepalive-seconds=600"));
            port = service.port;
            service.awaitReady("/probes/readiness", Duration.ofSeconds(120));
        }

        /** Used heap after a full collection, in bytes. */
        long heapAfterGc() throws Exception {
            return service.heapAfterGc();
        }

        String histogram(int lines) throws Exception {
            return service.histogram(lines);
        }

        @Override
        public void close() {
            service.close();
        }
    }

    /**
     * One sync stream over a plain socket: sends the request, checks the status, then hands out the
     * body's bytes, chunked transfer coding removed, or its NDJSON lines. Reads through a buffer of
     * its own, so that a line costs one scan of the bytes, not a call per byte. Not thread-safe.
     */
    static final class RawStream implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;
        private final byte[] buffer;
        private int position;
        private int limit;
        private int chunkLeft;
        private boolean ended;

        RawStream(int port, String token, String accept, String body) throws IOException {
            this(port, token, accept, body, 65536);
        }

        RawStream(int port, String token, String accept, String body, int bufferSize) throws IOException {
            socket = new Socket("127.0.0.1", port);
            try {
                socket.setTcpNoDelay(true);
                byte[] payload = body.getBytes(StandardCharsets.UTF_8);
                String request = "POST /sync/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Token " + token
                        + "\r\nContent-Type: application/json\r\nAccept: " + accept + "\r\nContent-Length: " + payload.length
                        + "\r\n\r\n";
                OutputStream out = socket.getOutputStream();
                out.write(request.getBytes(StandardCharsets.US_ASCII));
                out.write(payload);
                out.flush();
                in = socket.getInputStream();
                buffer = new byte[bufferSize];
                String status = headerLine();
                if (!status.contains(" 200 ")) {
                    throw new HttpStatusException(status);
                }
                boolean chunked = false;
                for (String header = headerLine(); !header.isEmpty(); header = headerLine()) {
                    chunked |= header.toLowerCase(java.util.Locale.ROOT).startsWith("transfer-encoding: chunked");
                }
                if (!chunked) {
                    throw new IOException("expected a chunked body");
                }
            } catch (IOException | RuntimeException e) {
                socket.close();
                throw e;
            }
        }

        /** False at the end of the connection; else the buffer holds at least one byte. */
        private boolean fill() throws IOException {
            if (position < limit) {
                return true;
            }
            int read = in.read(buffer, 0, buffer.length);
            if (read < 0) {
                return false;
            }
            position = 0;
            limit = read;
            return true;
        }

        private String headerLine() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            while (true) {
                if (!fill()) {
                    throw new IOException("the connection closed in the headers");
                }
                byte b = buffer[position++];
                if (b == '\n') {
                    return line.toString(StandardCharsets.US_ASCII);
                }
                if (b != '\r') {
                    line.write(b);
                }
            }
        }

        /** Moves to the next chunk when the current one is used up; false at the end of the body. */
        private boolean inChunk() throws IOException {
            if (ended) {
                return false;
            }
            if (chunkLeft == 0) {
                String size = headerLine().strip();
                if (size.isEmpty()) {
                    size = headerLine().strip(); // the CRLF after the previous chunk's data
                }
                int semicolon = size.indexOf(';');
                chunkLeft = Integer.parseInt(semicolon < 0 ? size : size.substring(0, semicolon), 16);
                if (chunkLeft == 0) {
                    ended = true;
                    return false;
                }
            }
            if (position == limit && !fill()) {
                throw new IOException("the connection closed inside a chunk");
            }
            return true;
        }

        /** Reads body bytes into {@code target}; -1 at the end of the body. */
        int read(byte[] target, int offset, int length) throws IOException {
            if (!inChunk()) {
                return -1;
            }
            int read = Math.min(Math.min(length, chunkLeft), limit - position);
            System.arraycopy(buffer, position, target, offset, read);
            position += read;
            chunkLeft -= read;
            return read;
        }

        /** The next NDJSON line, or null at the end of the body. */
        String line(ByteArrayOutputStream scratch) throws IOException {
            scratch.reset();
            while (inChunk()) {
                int end = Math.min(limit, position + chunkLeft);
                for (int i = position; i < end; i++) {
                    if (buffer[i] == '\n') {
                        scratch.write(buffer, position, i - position);
                        chunkLeft -= i + 1 - position;
                        position = i + 1;
                        return scratch.toString(StandardCharsets.UTF_8);
                    }
                }
                scratch.write(buffer, position, end - position);
                chunkLeft -= end - position;
                position = end;
            }
            return scratch.size() == 0 ? null : scratch.toString(StandardCharsets.UTF_8);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** The stream was answered with a status other than 200. */
    static final class HttpStatusException extends IOException {
        private static final long serialVersionUID = 1L;

        HttpStatusException(String statusLine) {
            super("The stream answered " + statusLine);
        }
    }
}

package org.syncsuite.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.syncsuite.core.Checksums;

/**
 * The sync client against a server that follows a script, for what a real gateway rarely does on
 * demand: a checksum that does not match, a stream cut in the middle of a checkpoint, a token that
 * expires mid-stream, and a server that is down for a while.
 */
class ScriptedServerIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Schema SCHEMA = Schema.of(Table.of("todos", Column.text("title")));
    private static final String BUCKET = "1#todos[]";

    @TempDir
    Path dir;
    private HttpServer server;
    private final List<JsonNode> requests = new CopyOnWriteArrayList<>();
    private final List<String> tokens = new CopyOnWriteArrayList<>();
    /** How many write checkpoint requests to answer 503 before answering. */
    private final AtomicInteger writeCheckpointFailures = new AtomicInteger();
    private final AtomicInteger writeCheckpointRequests = new AtomicInteger();

    /** One connection's script: what to write, given the connection's number (from 1). */
    private void serve(BiConsumer<Integer, Stream> script) throws IOException {
        AtomicInteger connections = new AtomicInteger();
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/sync/stream", exchange -> {
            requests.add(JSON.readTree(exchange.getRequestBody()));
            tokens.add(exchange.getRequestHeaders().getFirst("Authorization"));
            script.accept(connections.incrementAndGet(), new Stream(exchange));
        });
        server.createContext("/write-checkpoint2.json", exchange -> {
            writeCheckpointRequests.incrementAndGet();
            if (writeCheckpointFailures.getAndDecrement() > 0) {
                exchange.sendResponseHeaders(503, -1);
                exchange.close();
                return;
            }
            byte[] body = "{\"data\":{\"write_checkpoint\":\"1\"}}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        // A thread per exchange: a stream held open must not keep write checkpoint requests waiting.
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    /** Writes NDJSON lines to one response. */
    private static final class Stream {
        private final HttpExchange exchange;
        private OutputStream out;

        Stream(HttpExchange exchange) {
            this.exchange = exchange;
        }

        Stream status(int status) {
            try {
                exchange.sendResponseHeaders(status, -1);
                exchange.close();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            return this;
        }

        Stream line(String json) {
            try {
                if (out == null) {
                    exchange.getResponseHeaders().set("Content-Type", "application/x-ndjson");
                    exchange.sendResponseHeaders(200, 0);
                    out = exchange.getResponseBody();
                }
                out.write((json + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            return this;
        }

        void hold(long millis) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void end() {
            exchange.close();
        }
    }

    private static String row(String id, String title) {
        return "{\"id\":\"" + id + "\",\"title\":\"" + title + "\"}";
    }

    private static String put(long op, String id, String title) {
        String data = row(id, title);
        return "{\"op_id\":\"" + op + "\",\"op\":\"PUT\",\"object_type\":\"todos\",\"object_id\":\"" + id + "\",\"subkey\":\"s" + id
                + "\",\"checksum\":" + Checksums.put("todos", id, data) + ",\"data\":" + JSON.valueToTree(data) + "}";
    }

    private static long checksum(String... idTitle) {
        long sum = 0;
        for (int i = 0; i < idTitle.length; i += 2) {
            sum += Checksums.put("todos", idTitle[i], row(idTitle[i], idTitle[i + 1]));
        }
        return Checksums.toSigned(sum);
    }

    private static String checkpoint(long lastOp, long checksum) {
        return "{\"checkpoint\":{\"last_op_id\":\"" + lastOp + "\",\"buckets\":[{\"bucket\":\"" + BUCKET + "\",\"checksum\":" + checksum
                + ",\"count\":2,\"priority\":3}]}}";
    }

    private static String data(long after, String... ops) {
        return "{\"data\":{\"bucket\":\"" + BUCKET + "\",\"after\":\"" + after + "\",\"has_more\":false,\"data\":["
                + String.join(",", ops) + "]}}";
    }

    private static String complete(long lastOp) {
        return "{\"checkpoint_complete\":{\"last_op_id\":\"" + lastOp + "\"}}";
    }

    private PowerSyncDatabase connect(String name, AtomicInteger fetches) {
        PowerSyncDatabase db = PowerSyncDatabase.open(dir.resolve(name), SCHEMA);
        String endpoint = "http://127.0.0.1:" + server.getAddress().getPort();
        db.connect(new PowerSyncBackendConnector() {
            @Override
            public PowerSyncCredentials fetchCredentials() {
                return new PowerSyncCredentials(endpoint, "token-" + fetches.incrementAndGet());
            }

            @Override
            public void uploadData(PowerSyncDatabase database) {
                database.nextCrudTransaction().ifPresent(CrudTransaction::complete);
            }
        });
        return db;
    }

    @Test
    void aChecksumMismatchDropsTheBucketReportsItAndDownloadsItAgain() throws Exception {
        List<String> statuses = new CopyOnWriteArrayList<>();
        serve((n, stream) -> {
            if (n == 1) {
                stream.line(checkpoint(2, checksum("a", "A", "b", "B") + 1)).line(data(0, put(1, "a", "A"), put(2, "b", "B")))
                        .line(complete(2)).hold(5000);
            } else {
                stream.line(checkpoint(2, checksum("a", "A", "b", "B"))).line(data(0, put(1, "a", "A"), put(2, "b", "B")))
                        .line(complete(2)).hold(5000);
            }
            stream.end();
        });
        try (PowerSyncDatabase db = connect("mismatch.db", new AtomicInteger())) {
            db.addStatusListener(status -> status.downloadError().ifPresent(statuses::add));
            assertThat(db.waitForFirstSync(Duration.ofSeconds(15))).isTrue();
            assertThat(statuses).anyMatch(error -> error.contains("Checksum mismatch") && error.contains(BUCKET));
            assertThat(requests).hasSizeGreaterThanOrEqualTo(2);
            assertThat(requests.get(1).get("buckets")).as("the failed bucket starts again from 0").isEmpty();
            assertThat(db.getAll("SELECT id FROM todos ORDER BY id")).containsExactly(Map.of("id", "a"), Map.of("id", "b"));
        }
    }

    @Test
    void aStreamCutInsideACheckpointResumesAfterTheLastStoredOp() throws Exception {
        serve((n, stream) -> {
            if (n == 1) {
                stream.line(checkpoint(2, checksum("a", "A", "b", "B"))).line(data(0, put(1, "a", "A"))).end();
            } else {
                stream.line(checkpoint(2, checksum("a", "A", "b", "B"))).line(data(1, put(2, "b", "B"))).line(complete(2)).hold(5000);
                stream.end();
            }
        });
        try (PowerSyncDatabase db = connect("cut.db", new AtomicInteger())) {
            assertThat(db.waitForFirstSync(Duration.ofSeconds(15))).isTrue();
            JsonNode resumed = requests.get(1).get("buckets").get(0);
            assertThat(resumed.get("name").asText()).isEqualTo(BUCKET);
            assertThat(resumed.get("after").asText()).isEqualTo("1");
            assertThat(db.getAll("SELECT id FROM todos ORDER BY id")).hasSize(2);
        }
    }

    @Test
    void aTokenExpiringMidStreamIsFetchedAgainAndTheStreamReopened() throws Exception {
        serve((n, stream) -> {
            stream.line(checkpoint(1, checksum("a", "A"))).line(data(0, put(1, "a", "A"))).line(complete(1));
            if (n == 1) {
                stream.line("{\"token_expires_in\":0}").hold(200);
            } else {
                stream.hold(5000);
            }
            stream.end();
        });
        AtomicInteger fetches = new AtomicInteger();
        try (PowerSyncDatabase db = connect("expiry.db", fetches)) {
            assertThat(db.waitForFirstSync(Duration.ofSeconds(15))).isTrue();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (tokens.size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(tokens).startsWith("Token token-1", "Token token-2");
            assertThat(fetches.get()).isGreaterThanOrEqualTo(2);
        }
    }

    @Test
    void aWriteCheckpointThatFailsAfterAnUploadIsAskedForAgainAndTheHeldBackDataThenApplies() throws Exception {
        writeCheckpointFailures.set(2);
        java.util.concurrent.CountDownLatch uploaded = new java.util.concurrent.CountDownLatch(1);
        serve((n, stream) -> {
            stream.line(checkpoint(1, checksum("a", "A"))).line(data(0, put(1, "a", "A"))).line(complete(1));
            try {
                uploaded.await(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            // The server's next checkpoint includes the client's write (write checkpoint 1) and another row.
            stream.line("{\"checkpoint_diff\":{\"last_op_id\":\"2\",\"write_checkpoint\":\"1\",\"updated_buckets\":[{\"bucket\":\""
                    + BUCKET + "\",\"checksum\":" + checksum("a", "A", "b", "B") + ",\"count\":2,\"priority\":3}],"
                    + "\"removed_buckets\":[]}}").line(data(1, put(2, "b", "B"))).line(complete(2)).hold(15000);
            stream.end();
        });
        try (PowerSyncDatabase db = connect("write-checkpoint.db", new AtomicInteger())) {
            assertThat(db.waitForFirstSync(Duration.ofSeconds(15))).isTrue();
            db.execute("INSERT INTO todos (id, title) VALUES ('local', 'L')");
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (db.uploadQueueSize() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(db.uploadQueueSize()).isZero();
            uploaded.countDown();
            deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (db.getOptional("SELECT 1 FROM todos WHERE id = 'b'").isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(db.getOptional("SELECT 1 FROM todos WHERE id = 'b'")).as(db.currentStatus().toString()).isPresent();
            assertThat(writeCheckpointRequests.get()).as("asked again after each failure").isGreaterThanOrEqualTo(3);
            assertThat(db.currentStatus().uploadError()).as("cleared by the success").isEmpty();
        }
    }

    @Test
    void aServerThatIsDownForAWhileIsRetriedUntilItAnswers() throws Exception {
        List<String> statuses = new CopyOnWriteArrayList<>();
        serve((n, stream) -> {
            if (n <= 2) {
                stream.status(503);
                return;
            }
            stream.line(checkpoint(1, checksum("a", "A"))).line(data(0, put(1, "a", "A"))).line(complete(1)).hold(5000);
            stream.end();
        });
        try (PowerSyncDatabase db = connect("down.db", new AtomicInteger())) {
            db.addStatusListener(status -> status.downloadError().ifPresent(statuses::add));
            assertThat(db.waitForFirstSync(Duration.ofSeconds(20))).isTrue();
            assertThat(statuses).anyMatch(error -> error.contains("503"));
            assertThat(db.currentStatus().downloadError()).as("cleared by the success").isEmpty();
            assertThat(requests).hasSize(3);
        }
    }
}

package org.syncsuite.client.attachments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.syncsuite.client.Column;
import org.syncsuite.client.PowerSyncDatabase;
import org.syncsuite.client.Schema;
import org.syncsuite.client.Table;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * {@link AttachmentsServiceStorage} against a small in-process server that follows the attachments
 * service's contract: bearer token, SHA-256 checked against the bytes, 201/200/409 on upload, 404
 * on a missing download, 204/404 on delete, and errors as {@code {"code", "error"}}.
 */
class AttachmentsServiceStorageTest {

    private static final String TOKEN = "good-token";

    @TempDir
    Path dir;

    private HttpServer server;
    private ExecutorService executor;
    private final Map<String, byte[]> stored = new ConcurrentHashMap<>();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger tokenCalls = new AtomicInteger();
    private volatile int forcedStatus;
    private volatile long maxBytes = Long.MAX_VALUE;
    private final CountDownLatch slowGate = new CountDownLatch(1);
    private final CountDownLatch slowStarted = new CountDownLatch(1);
    private byte[] slowBody;
    private AttachmentsServiceStorage storage;

    /** A request as the server saw it: the bytes' SHA-256 computed while they streamed in. */
    record Received(String method, String rawPath, Headers headers, long bodyLength, String bodySha256, int status) {
    }

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        executor = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(executor);
        server.createContext("/attachments/", this::handle);
        server.start();
        storage = new AttachmentsServiceStorage(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/"), () -> {
            tokenCalls.incrementAndGet();
            return TOKEN;
        });
    }

    @AfterEach
    void stopServer() {
        slowGate.countDown();
        server.stop(0);
        executor.shutdownNow();
    }

    @Test
    void anUploadStreamsTheLocalFileWithItsHashAndHeaders() throws Exception {
        byte[] bytes = randomBytes(3 * 1024 * 1024 + 17);
        Path file = dir.resolve("a1.png");
        Files.write(file, bytes);
        Attachment attachment = attachment("a1", "a1.png", file.toString(), bytes.length, "image/png", "{\"caption\":\"milk\"}");

        try (InputStream data = Files.newInputStream(file)) {
            storage.uploadFile(data, attachment);
        }

        assertThat(stored.get("a1")).isEqualTo(bytes);
        Received put = received.get(0);
        assertThat(put.method()).isEqualTo("PUT");
        assertThat(put.rawPath()).isEqualTo("/attachments/a1");
        assertThat(put.status()).isEqualTo(201);
        assertThat(put.headers().getFirst("Authorization")).isEqualTo("Bearer " + TOKEN);
        assertThat(put.headers().getFirst("Content-Type")).isEqualTo("image/png");
        assertThat(put.headers().getFirst("X-Content-SHA256")).isEqualTo(sha256(bytes)).isEqualTo(put.bodySha256());
        assertThat(put.headers().getFirst("X-Attachment-Filename")).isEqualTo("a1.png");
        assertThat(put.headers().getFirst("X-Attachment-Metadata")).isEqualTo("{\"caption\":\"milk\"}");
        assertThat(put.headers().getFirst("Content-Length")).as("streamed with its length known").isEqualTo(String.valueOf(bytes.length));

        // the same bytes again: 200, a success
        try (InputStream data = Files.newInputStream(file)) {
            storage.uploadFile(data, attachment);
        }
        assertThat(received.get(1).status()).isEqualTo(200);
    }

    @Test
    void anUploadWithoutALocalFileSendsTheStreamAndLeavesOutUnsafeMetadata() throws Exception {
        byte[] bytes = randomBytes(100_000);
        Attachment nonAscii = attachment("b1", "b1", null, bytes.length, null, "{\"caption\":\"café\"}");
        storage.uploadFile(new ByteArrayInputStream(bytes), nonAscii);
        String longMetadata = "{\"text\":\"" + "x".repeat(AttachmentsServiceStorage.MAX_METADATA_HEADER) + "\"}";
        storage.uploadFile(new ByteArrayInputStream(bytes), attachment("b2", "b2", null, bytes.length, "", longMetadata));

        for (Received put : received) {
            assertThat(put.status()).isEqualTo(201);
            assertThat(put.headers().getFirst("Content-Type")).isEqualTo("application/octet-stream");
            assertThat(put.headers().getFirst("X-Content-SHA256")).isEqualTo(sha256(bytes)).isEqualTo(put.bodySha256());
            assertThat(put.headers().containsKey("X-Attachment-Metadata")).isFalse();
        }
        assertThat(stored.get("b1")).isEqualTo(bytes);
        assertThat(stored.get("b2")).isEqualTo(bytes);
    }

    @Test
    void uploadRefusalsArePermanentAndOutagesRetryable() throws Exception {
        storage.uploadFile(new ByteArrayInputStream(new byte[]{1, 2, 3}), attachment("c1", "c1", null, 3, null, null));

        RemoteStorageException conflict = uploadFailure(new byte[]{9, 9, 9}, "c1");
        assertThat(conflict.status()).isEqualTo(409);
        assertThat(conflict.retryable()).isFalse();
        assertThat(conflict.errorCode()).contains("conflict");
        assertThat(conflict.getMessage()).contains("PUT /attachments/c1", "409", "conflict", "holds different bytes");
        assertThat(stored.get("c1")).containsExactly(1, 2, 3);

        maxBytes = 10;
        RemoteStorageException tooLarge = uploadFailure(randomBytes(100), "c2");
        assertThat(tooLarge.status()).isEqualTo(413);
        assertThat(tooLarge.retryable()).isFalse();
        assertThat(tooLarge.errorCode()).contains("too_large");

        forcedStatus = 503;
        RemoteStorageException unavailable = uploadFailure(new byte[]{1}, "c3");
        assertThat(unavailable.status()).isEqualTo(503);
        assertThat(unavailable.retryable()).isTrue();
        assertThat(unavailable.getMessage()).contains("storage is down");
        assertThat(AttachmentErrorHandler.DEFAULT.onUploadError(null, unavailable)).isTrue();
        assertThat(AttachmentErrorHandler.DEFAULT.onUploadError(null, conflict)).isFalse();

        forcedStatus = 0;
        AttachmentsServiceStorage badToken = new AttachmentsServiceStorage(
                URI.create("http://127.0.0.1:" + server.getAddress().getPort()), () -> "stale");
        RemoteStorageException refused = catchThrowableOfType(RemoteStorageException.class,
                () -> badToken.uploadFile(new ByteArrayInputStream(new byte[]{1}), attachment("c4", "c4", null, 1, null, null)));
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.retryable()).isFalse();

        server.stop(0);
        RemoteStorageException down = uploadFailure(new byte[]{1}, "c5");
        assertThat(down.status()).isZero();
        assertThat(down.retryable()).isTrue();
    }

    @Test
    void aDownloadIsStreamedBackAsItArrives() throws Exception {
        slowBody = randomBytes(256 * 1024);
        Attachment slow = attachment("slow", "slow.bin", null, 0, null, null);

        // the stream comes back while the server still holds the second half
        InputStream body = assertTimeoutPreemptively(Duration.ofSeconds(3), () -> storage.downloadFile(slow));
        byte[] firstHalf = assertTimeoutPreemptively(Duration.ofSeconds(3), () -> body.readNBytes(slowBody.length / 2));
        assertThat(firstHalf).isEqualTo(Arrays.copyOf(slowBody, slowBody.length / 2));
        slowGate.countDown();
        byte[] rest = body.readAllBytes();
        body.close();
        byte[] whole = new byte[firstHalf.length + rest.length];
        System.arraycopy(firstHalf, 0, whole, 0, firstHalf.length);
        System.arraycopy(rest, 0, whole, firstHalf.length, rest.length);
        assertThat(sha256(whole)).isEqualTo(sha256(slowBody));
        assertThat(received.get(0).headers().getFirst("Authorization")).isEqualTo("Bearer " + TOKEN);
    }

    @Test
    void downloadErrorsAreTyped() throws Exception {
        stored.put("d1", new byte[]{4, 5});
        try (InputStream body = storage.downloadFile(attachment("d1", "d1", null, 0, null, null))) {
            assertThat(body.readAllBytes()).containsExactly(4, 5);
        }

        RemoteStorageException missing = catchThrowableOfType(RemoteStorageException.class,
                () -> storage.downloadFile(attachment("nope", "nope", null, 0, null, null)));
        assertThat(missing.notFound()).isTrue();
        assertThat(missing.retryable()).isFalse();
        assertThat(missing.errorCode()).contains("not_found");
        assertThat(missing.getMessage()).contains("GET /attachments/nope", "404", "no attachment nope");

        forcedStatus = 503;
        RemoteStorageException unavailable = catchThrowableOfType(RemoteStorageException.class,
                () -> storage.downloadFile(attachment("d1", "d1", null, 0, null, null)));
        assertThat(unavailable.retryable()).isTrue();
    }

    @Test
    void aDeleteOfAFileAlreadyGoneSucceeds() throws Exception {
        stored.put("e1", new byte[]{1});
        Attachment attachment = attachment("e1", "e1", null, 1, null, null);
        storage.deleteFile(attachment);
        assertThat(stored).doesNotContainKey("e1");
        assertThat(received.get(0).status()).isEqualTo(204);

        storage.deleteFile(attachment);
        assertThat(received.get(1).status()).isEqualTo(404);

        forcedStatus = 500;
        RemoteStorageException failed = catchThrowableOfType(RemoteStorageException.class, () -> storage.deleteFile(attachment));
        assertThat(failed.status()).isEqualTo(500);
        assertThat(failed.retryable()).isTrue();
    }

    @Test
    void everyRequestAsksForTheCurrentTokenAndEncodesTheId() throws Exception {
        stored.put("a b/c", new byte[]{1});
        try (InputStream body = storage.downloadFile(attachment("a b/c", "x", null, 0, null, null))) {
            body.readAllBytes();
        }
        storage.deleteFile(attachment("a b/c", "x", null, 0, null, null));
        assertThat(received).extracting(Received::rawPath).containsOnly("/attachments/a%20b%2Fc");
        assertThat(tokenCalls.get()).isEqualTo(2);
        assertThat(stored).isEmpty();
        assertThatThrownBy(() -> new AttachmentsServiceStorage(null, () -> TOKEN)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void theQueueTransfersThroughTheServiceAndStopInterruptsABlockedDownload() throws Exception {
        Schema schema = Schema.of(Table.of("todos", Column.text("photo_id")), AttachmentTable.create());
        slowBody = randomBytes(64 * 1024);
        try (PowerSyncDatabase db = PowerSyncDatabase.open(dir.resolve("app.db"), schema);
             AttachmentQueue queue = AttachmentQueue.builder(db, storage).storageDirectory(dir.resolve("files"))
                     .watchedAttachments("SELECT photo_id AS id FROM todos WHERE photo_id IS NOT NULL")
                     .syncInterval(Duration.ZERO).build()) {
            queue.start();
            byte[] bytes = randomBytes(50_000);
            Attachment saved = queue.saveFile(bytes, "image/jpeg", "jpg", "{\"n\":1}",
                    (tx, a) -> tx.execute("INSERT INTO todos (id, photo_id) VALUES ('t1', ?)", a.id()));
            Rows.awaitState(db, saved.id(), AttachmentState.SYNCED);
            assertThat(stored.get(saved.id())).isEqualTo(bytes);
            assertThat(received.get(0).headers().getFirst("X-Attachment-Metadata")).isEqualTo("{\"n\":1}");

            // a download the server leaves half done: stop() interrupts it and the attachment stays queued
            db.execute("INSERT INTO todos (id, photo_id) VALUES ('t2', 'slow')");
            assertThat(slowStarted.await(5, TimeUnit.SECONDS)).as("the download is half way").isTrue();
            assertThat(queue.currentStatus().downloading()).isEqualTo(1);
            long start = System.nanoTime();
            assertThat(queue.stop(Duration.ofSeconds(5))).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
            assertThat(queue.getAttachment("slow").orElseThrow().state()).isEqualTo(AttachmentState.QUEUED_DOWNLOAD);
            assertThat(queue.lastError("slow")).isEmpty();
            try (var leftovers = Files.list(dir.resolve("files"))) {
                assertThat(leftovers.map(p -> p.getFileName().toString())).as("no partial file").containsExactly(saved.filename());
            }
        }
    }

    // ---- the server

    /** An answer: its status and body (null for none); {@code slow} sends half the slow body, waits at the gate, then the rest. */
    private record Reply(int status, byte[] body, boolean slow) {
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String rawPath = exchange.getRequestURI().getRawPath();
            String id = URLDecoder.decode(rawPath.substring("/attachments/".length()), StandardCharsets.UTF_8);
            MessageDigest digest = digest();
            byte[] bytes;
            try (InputStream body = new DigestInputStream(exchange.getRequestBody(), digest)) {
                bytes = body.readAllBytes(); // the digest sees the bytes as they stream in
            }
            String bodySha = HexFormat.of().formatHex(digest.digest());
            Reply reply = reply(exchange, id, bytes, bodySha);
            // recorded before answering, so that the client's call returns after it
            received.add(new Received(exchange.getRequestMethod(), rawPath, exchange.getRequestHeaders(), bytes.length, bodySha,
                    reply.status()));
            if (reply.slow()) {
                exchange.sendResponseHeaders(200, 0);
                OutputStream out = exchange.getResponseBody();
                out.write(slowBody, 0, slowBody.length / 2);
                out.flush();
                slowStarted.countDown();
                try {
                    slowGate.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                out.write(slowBody, slowBody.length / 2, slowBody.length - slowBody.length / 2);
            } else if (reply.body() == null) {
                exchange.sendResponseHeaders(reply.status(), -1);
            } else {
                exchange.sendResponseHeaders(reply.status(), reply.body().length);
                exchange.getResponseBody().write(reply.body());
            }
        }
    }

    private Reply reply(HttpExchange exchange, String id, byte[] bytes, String bodySha) {
        if (!("Bearer " + TOKEN).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
            return error(exchange, 401, "unauthorized", "the token was refused");
        }
        if (forcedStatus != 0) {
            return error(exchange, forcedStatus, "unavailable", "storage is down");
        }
        switch (exchange.getRequestMethod()) {
            case "PUT" -> {
                if (bytes.length > maxBytes) {
                    return error(exchange, 413, "too_large", "at most " + maxBytes + " bytes");
                }
                if (!bodySha.equals(exchange.getRequestHeaders().getFirst("X-Content-SHA256"))) {
                    return error(exchange, 400, "checksum_mismatch", "the bytes do not match X-Content-SHA256");
                }
                byte[] existing = stored.putIfAbsent(id, bytes);
                if (existing == null) {
                    return new Reply(201, null, false);
                }
                return Arrays.equals(existing, bytes) ? new Reply(200, null, false)
                        : error(exchange, 409, "conflict", "attachment " + id + " holds different bytes");
            }
            case "GET" -> {
                if (id.equals("slow")) {
                    return new Reply(200, null, true);
                }
                byte[] file = stored.get(id);
                return file == null ? error(exchange, 404, "not_found", "no attachment " + id) : new Reply(200, file, false);
            }
            case "DELETE" -> {
                return new Reply(stored.remove(id) != null ? 204 : 404, null, false);
            }
            default -> {
                return error(exchange, 405, "method_not_allowed", exchange.getRequestMethod());
            }
        }
    }

    private static Reply error(HttpExchange exchange, int status, String code, String message) {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        return new Reply(status, ("{\"code\":\"" + code + "\",\"error\":\"" + message + "\"}").getBytes(StandardCharsets.UTF_8),
                false);
    }

    // ---- helpers

    private RemoteStorageException uploadFailure(byte[] bytes, String id) {
        return catchThrowableOfType(RemoteStorageException.class,
                () -> storage.uploadFile(new ByteArrayInputStream(bytes), attachment(id, id, null, bytes.length, null, null)));
    }

    private static Attachment attachment(String id, String filename, String localUri, long size, String mediaType, String metaData) {
        return new Attachment(id, filename, localUri, 1, size, mediaType, AttachmentState.QUEUED_UPLOAD, false, metaData);
    }

    private static byte[] randomBytes(int size) {
        byte[] bytes = new byte[size];
        new Random().nextBytes(bytes);
        return bytes;
    }

    private static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(digest().digest(bytes));
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

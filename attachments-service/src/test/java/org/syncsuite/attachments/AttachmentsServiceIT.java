package org.syncsuite.attachments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.helidon.microprofile.server.Server;
import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.Result;
import io.minio.messages.Item;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.syncsuite.core.service.ServiceConfigReader;
import org.syncsuite.services.DevTokens;
import org.syncsuite.services.EmbeddedMariaDb;
import org.syncsuite.services.EmbeddedS3;
import org.syncsuite.services.Ports;
import org.syncsuite.services.ServiceYaml;
import org.syncsuite.services.junit.WithBackingServices;

/**
 * The attachments service in this JVM (Helidon MP, Hibernate, MicroProfile JWT, the MinIO SDK)
 * on the embedded MariaDB and an S3 server of its own (which one test stops and starts again):
 * every status of the API, Range and ETag reads, presigned uploads verified by the work queue,
 * limits and quotas, the orphan sweep, deletes accepted during an S3 outage and carried out
 * once S3 is back, and the metrics of the queue, uploads and downloads.
 */
@WithBackingServices
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AttachmentsServiceIT {

    private static final String SECRET = "attachments test development key, 32+ bytes";
    private static final String ADMIN = "admin-token-for-the-attachments-tests";
    private static final String BUCKET = "attachments-it";
    private org.syncsuite.core.service.ServiceConfig config;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final EmbeddedMariaDb db;
    private final HttpClient http = HttpClient.newHttpClient();
    private EmbeddedS3 s3;
    private MinioClient minio;
    private Server server;
    private String url;

    AttachmentsServiceIT(EmbeddedMariaDb db) {
        this.db = db;
    }

    @BeforeAll
    void start() throws Exception {
        Path dir = Files.createDirectories(Path.of("target", "attachments-it").toAbsolutePath());
        s3 = EmbeddedS3.builder().port(Ports.free()).dataDirectory(dir.resolve("s3")).build();
        s3.start();
        minio = MinioClient.builder().endpoint(s3.endpoint()).credentials(s3.accessKey(), s3.secretKey()).region(s3.region()).build();
        db.execute("DROP DATABASE IF EXISTS powersync_attachments");
        Path yaml = dir.resolve("service.yaml");
        Files.writeString(yaml, new ServiceYaml().source(db, "attachments_it_source", db.replicationUser(), db.replicationPassword())
                .storage(db, "attachments_it_storage", db.rootUser(), db.rootPassword()).hs256(SECRET).apiToken(ADMIN)
                .attachments(s3, BUCKET, """
                        max_file_size_mb: 1
                        user_quota_mb: 3
                        allowed_media_types: [image/*, text/plain, application/octet-stream]
                        presigned_url_expiry_seconds: 120
                        """).text());
        System.setProperty("attachments.queue.poll-millis", "200");
        System.setProperty("attachments.queue.max-backoff-seconds", "1");
        System.setProperty("attachments.orphan-grace-minutes", "0");
        System.setProperty("attachments.metrics.queue-refresh-millis", "200");
        System.setProperty(AttachmentsMain.OBJECT_STORE, dir.resolve("transactions").toString());
        int port = Ports.free();
        config = ServiceConfigReader.read(yaml);
        AttachmentsSetup.configure(config, Optional.of(port));
        server = Server.builder().build().start();
        url = "http://127.0.0.1:" + port;
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            HttpResponse<String> ready = get("/health/ready", null);
            assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
        });
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.stop();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    @Test
    void uploadsAndDownloadsWithRangesAndETags() throws Exception {
        String alice = token("alice");
        String id = UUID.randomUUID().toString();
        byte[] photo = bytes(300 * 1024);
        HttpResponse<String> created = put(id, alice, photo, "image/png", sha256(photo), "holiday.png", "{\"width\":640}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode stored = JSON.readTree(created.body());
        assertThat(stored.get("size").asLong()).isEqualTo(photo.length);
        assertThat(stored.get("sha256").asText()).isEqualTo(sha256(photo));
        assertThat(stored.get("owner").asText()).isEqualTo("alice");
        assertThat(stored.get("metadata").get("width").asInt()).isEqualTo(640);

        HttpResponse<byte[]> whole = getBytes("/attachments/" + id, alice, null, null);
        assertThat(whole.statusCode()).isEqualTo(200);
        assertThat(whole.body()).isEqualTo(photo);
        assertThat(whole.headers().firstValue("Content-Type")).contains("image/png");
        assertThat(whole.headers().firstValue("ETag")).contains("\"" + sha256(photo) + "\"");
        assertThat(whole.headers().firstValue("Content-Disposition")).contains("attachment; filename=\"holiday.png\"");
        assertThat(whole.headers().firstValue("Accept-Ranges")).contains("bytes");

        HttpResponse<Void> head = http.send(request("/attachments/" + id, alice).method("HEAD", HttpRequest.BodyPublishers.noBody())
                .build(), HttpResponse.BodyHandlers.discarding());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValue("X-Attachment-Size")).contains(Integer.toString(photo.length));
        assertThat(head.headers().firstValue("ETag")).contains("\"" + sha256(photo) + "\"");
        assertThat(head.headers().firstValue("Content-Type")).contains("image/png");

        assertThat(getBytes("/attachments/" + id, alice, null, "\"" + sha256(photo) + "\"").statusCode()).isEqualTo(304);
        HttpResponse<byte[]> part = getBytes("/attachments/" + id, alice, "bytes=100-199", null);
        assertThat(part.statusCode()).isEqualTo(206);
        assertThat(part.headers().firstValue("Content-Range")).contains("bytes 100-199/" + photo.length);
        assertThat(part.body()).isEqualTo(Arrays.copyOfRange(photo, 100, 200));
        HttpResponse<byte[]> tail = getBytes("/attachments/" + id, alice, "bytes=-10", null);
        assertThat(tail.statusCode()).isEqualTo(206);
        assertThat(tail.body()).isEqualTo(Arrays.copyOfRange(photo, photo.length - 10, photo.length));
        HttpResponse<byte[]> outside = getBytes("/attachments/" + id, alice, "bytes=999999-", null);
        assertThat(outside.statusCode()).isEqualTo(416);
        assertThat(outside.headers().firstValue("Content-Range")).contains("bytes */" + photo.length);
        assertThat(error(new String(outside.body(), StandardCharsets.UTF_8))).isEqualTo("RANGE_NOT_SATISFIABLE");
        assertThat(getBytes("/attachments/" + id, alice, "bytes=" + photo.length + "-" + (photo.length + 9), null).statusCode())
                .as("a resume at the end of the file").isEqualTo(416);
        HttpResponse<byte[]> huge = getBytes("/attachments/" + id, alice, "bytes=10-99999999999999999999", null);
        assertThat(huge.statusCode()).isEqualTo(206);
        assertThat(huge.body()).isEqualTo(Arrays.copyOfRange(photo, 10, photo.length));
        assertThat(getBytes("/attachments/" + id, alice, "bytes=20-10", null).statusCode()).as("not a valid range: ignored")
                .isEqualTo(200);

        // attachments are immutable: the same bytes again are fine, others are a conflict
        assertThat(put(id, alice, photo, "image/png", sha256(photo), null, null).statusCode()).isEqualTo(200);
        HttpResponse<String> other = put(id, alice, bytes(10), "image/png", null, null, null);
        assertThat(other.statusCode()).isEqualTo(409);
        assertThat(error(other.body())).isEqualTo("ALREADY_EXISTS");
    }

    @Test
    void onlyTheOwnerOrAnAdminTokenReachesAnAttachment() throws Exception {
        String id = UUID.randomUUID().toString();
        byte[] file = bytes(1000);
        assertThat(put(id, token("carol"), file, "text/plain", null, null, null).statusCode()).isEqualTo(201);

        HttpResponse<String> anonymous = get("/attachments/" + id, null);
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(error(anonymous.body())).isEqualTo("UNAUTHORIZED");
        String forged = DevTokens.sign("another key entirely, also long enough".getBytes(StandardCharsets.UTF_8), "carol", 600);
        assertThat(get("/attachments/" + id, forged).statusCode()).isEqualTo(401);
        assertThat(get("/attachments/" + id, DevTokens.sign(SECRET.getBytes(StandardCharsets.UTF_8), "carol", -120)).statusCode())
                .as("expired").isEqualTo(401);

        String dave = token("dave");
        assertThat(get("/attachments/" + id, dave).statusCode()).isEqualTo(403);
        assertThat(error(get("/attachments/" + id, dave).body())).isEqualTo("FORBIDDEN");
        assertThat(send(request("/attachments/" + id, dave).DELETE().build()).statusCode()).isEqualTo(403);
        assertThat(put(id, dave, file, "text/plain", null, null, null).statusCode()).isEqualTo(403);
        assertThat(get("/attachments/" + UUID.randomUUID(), dave).statusCode()).isEqualTo(404);

        HttpResponse<byte[]> asAdmin = http.send(HttpRequest.newBuilder(URI.create(url + "/attachments/" + id))
                .header("X-Api-Token", ADMIN).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(asAdmin.statusCode()).isEqualTo(200);
        assertThat(asAdmin.body()).isEqualTo(file);
        HttpResponse<String> adminUpload = http.send(HttpRequest.newBuilder(URI.create(url + "/attachments/" + UUID.randomUUID()))
                .header("X-Api-Token", ADMIN).PUT(HttpRequest.BodyPublishers.ofByteArray(file)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(adminUpload.statusCode()).as("an admin token owns nothing").isEqualTo(403);
        HttpResponse<String> wrongAdmin = http.send(HttpRequest.newBuilder(URI.create(url + "/attachments/" + id))
                .header("X-Api-Token", "not-it").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(wrongAdmin.statusCode()).isEqualTo(401);
        HttpResponse<String> carols = http.send(HttpRequest.newBuilder(URI.create(url + "/attachments?owner=carol"))
                .header("X-Api-Token", ADMIN).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(JSON.readTree(carols.body()).get("items").findValuesAsText("id")).contains(id);
        assertThat(get("/attachments?owner=carol", dave).statusCode()).isEqualTo(403);
    }

    @Test
    void limitsQuotasMediaTypesIdsAndChecksumsAreEnforced() throws Exception {
        String erin = token("erin");
        HttpResponse<String> big = put(UUID.randomUUID().toString(), erin, bytes(2 * 1024 * 1024), "image/jpeg", null, null, null);
        assertThat(big.statusCode()).isEqualTo(413);
        assertThat(error(big.body())).isEqualTo("FILE_TOO_LARGE");
        // without a length, the stream is cut at the limit
        String streamed = UUID.randomUUID().toString();
        HttpResponse<String> chunked = http.send(request("/attachments/" + streamed, erin).header("Content-Type", "image/jpeg")
                .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(bytes(1536 * 1024)))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(chunked.statusCode()).as(chunked.body()).isEqualTo(413);
        assertThat(get("/attachments/" + streamed, erin).statusCode()).isEqualTo(404);

        HttpResponse<String> video = put(UUID.randomUUID().toString(), erin, bytes(10), "video/mp4", null, null, null);
        assertThat(video.statusCode()).isEqualTo(415);
        assertThat(error(video.body())).isEqualTo("UNSUPPORTED_MEDIA_TYPE");
        for (String bad : List.of("a..b", ".hidden", "x".repeat(129), "semi;colon")) {
            HttpResponse<String> refused = put(java.net.URLEncoder.encode(bad, StandardCharsets.UTF_8), erin, bytes(10), "text/plain",
                    null, null, null);
            assertThat(refused.statusCode()).as(bad).isEqualTo(400);
            assertThat(error(refused.body())).isEqualTo("INVALID_ID");
        }
        String mismatch = UUID.randomUUID().toString();
        HttpResponse<String> wrongSha = put(mismatch, erin, bytes(100), "text/plain", sha256(bytes(99)), null, null);
        assertThat(wrongSha.statusCode()).isEqualTo(400);
        assertThat(error(wrongSha.body())).isEqualTo("SHA256_MISMATCH");
        assertThat(get("/attachments/" + mismatch, erin).statusCode()).isEqualTo(404);

        // the quota of 3 MiB: three files of 0.9 MiB fit, a fourth does not, until one is deleted
        List<String> fitting = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            fitting.add(UUID.randomUUID().toString());
            assertThat(put(fitting.get(i), erin, bytes(900 * 1024), "image/png", null, null, null).statusCode()).isEqualTo(201);
        }
        HttpResponse<String> over = put(UUID.randomUUID().toString(), erin, bytes(900 * 1024), "image/png", null, null, null);
        assertThat(over.statusCode()).isEqualTo(413);
        assertThat(error(over.body())).isEqualTo("QUOTA_EXCEEDED");
        assertThat(send(request("/attachments/" + fitting.getFirst(), erin).DELETE().build()).statusCode()).isEqualTo(202);
        assertThat(put(UUID.randomUUID().toString(), erin, bytes(900 * 1024), "image/png", null, null, null).statusCode())
                .as("room again after a delete").isEqualTo(201);
        // refused and failed uploads leave nothing counted: exactly three files' bytes are held
        try (Connection c = db.rootConnection("powersync_attachments"); Statement s = c.createStatement();
             java.sql.ResultSet used = s.executeQuery("SELECT used_bytes FROM owner_usage WHERE owner = 'erin'")) {
            assertThat(used.next()).isTrue();
            assertThat(used.getLong(1)).isEqualTo(3L * 900 * 1024);
        }
    }

    @Test
    void anUploadReachesTheStoreWithItsSha256() throws Exception {
        // bytes that are not those X-Content-SHA256 names are refused before any of them goes to S3
        String refused = UUID.randomUUID().toString();
        HttpResponse<String> wrongSha = put(refused, token("gus"), bytes(1000), "text/plain", sha256(bytes(999)), null, null);
        assertThat(wrongSha.statusCode()).isEqualTo(400);
        assertThat(error(wrongSha.body())).isEqualTo("SHA256_MISMATCH");
        assertThat(objects("objects/" + refused + "/")).as("nothing written, not even for the queue to delete").isEmpty();

        // the service sends the SHA-256 it computed with the bytes, and the store checks them against it
        ObjectStore store = new ObjectStore(AttachmentsSetup.require(config));
        byte[] data = bytes(1000);
        String key = "checks/" + UUID.randomUUID();
        assertThatThrownBy(() -> store.put(key, data, data.length, "text/plain", sha256(bytes(999))))
                .isInstanceOf(ObjectStore.ObjectStoreException.class);
        assertThat(objects(key)).isEmpty();
        store.put(key, data, data.length, "text/plain", sha256(data));
        assertThat(objects(key)).containsExactly(key);
        try (java.io.InputStream in = store.get(key, 0, -1)) {
            assertThat(in.readAllBytes()).isEqualTo(data);
        }
        store.remove(key);
    }

    @Test
    void theListingIsPaged() throws Exception {
        String frank = token("frank");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String id = "frank-" + i;
            ids.add(id);
            assertThat(put(id, frank, bytes(10 + i), "text/plain", null, null, null).statusCode()).isEqualTo(201);
        }
        List<String> seen = new ArrayList<>();
        String after = "";
        do {
            JsonNode page = JSON.readTree(get("/attachments?limit=2&after=" + after, frank).body());
            assertThat(page.get("items").size()).isLessThanOrEqualTo(2);
            page.get("items").forEach(item -> seen.add(item.get("id").asText()));
            after = page.get("next").isNull() ? null : page.get("next").asText();
        } while (after != null);
        assertThat(seen).isEqualTo(ids);
        assertThat(get("/attachments?limit=0", frank).statusCode()).isEqualTo(400);
    }

    @Test
    void presignedUploadsAreVerifiedBeforeTheyAreAvailable() throws Exception {
        String grace = token("grace");
        byte[] file = bytes(200 * 1024);
        String id = UUID.randomUUID().toString();
        JsonNode offer = JSON.readTree(post("/attachments/" + id + "/upload-url", grace, "{\"size\":" + file.length
                + ",\"media_type\":\"image/webp\",\"sha256\":\"" + sha256(file) + "\",\"filename\":\"Blåbär.webp\"}").body());
        assertThat(offer.get("state").asText()).isEqualTo("PENDING");
        assertThat(get("/attachments/" + id, grace).statusCode()).as("not available before the upload").isEqualTo(404);
        assertThat(error(post("/attachments/" + id + "/complete", grace, "").body())).isEqualTo("NOT_UPLOADED");
        HttpResponse<String> direct = http.send(HttpRequest.newBuilder(URI.create(offer.get("url").asText()))
                .header("Content-Type", "image/webp").PUT(HttpRequest.BodyPublishers.ofByteArray(file)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(direct.statusCode()).as(direct.body()).isEqualTo(200);
        HttpResponse<String> verified = post("/attachments/" + id + "/complete", grace, "");
        assertThat(verified.statusCode()).as(verified.body()).isEqualTo(200);
        assertThat(JSON.readTree(verified.body()).get("state").asText()).isEqualTo("AVAILABLE");
        assertThat(getBytes("/attachments/" + id, grace, null, null).headers().firstValue("Content-Disposition"))
                .contains("attachment; filename=\"Bl_b_r.webp\"; filename*=UTF-8''Bl%C3%A5b%C3%A4r.webp");
        // the presigned URL still works for a while, but what was verified does not change
        http.send(HttpRequest.newBuilder(URI.create(offer.get("url").asText())).PUT(HttpRequest.BodyPublishers.ofByteArray(bytes(7)))
                .build(), HttpResponse.BodyHandlers.discarding());
        assertThat(getBytes("/attachments/" + id, grace, null, null).body()).isEqualTo(file);
        JsonNode link = JSON.readTree(get("/attachments/" + id + "/download-url", grace).body());
        HttpResponse<byte[]> fetched = http.send(HttpRequest.newBuilder(URI.create(link.get("url").asText())).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(fetched.body()).isEqualTo(file);
        assertThat(fetched.headers().firstValue("Content-Disposition").orElse("")).startsWith("attachment");

        // a declared size is the size: nothing more may arrive under it
        String zero = UUID.randomUUID().toString();
        JsonNode zeroOffer = JSON.readTree(post("/attachments/" + zero + "/upload-url", grace, "{\"size\":0}").body());
        http.send(HttpRequest.newBuilder(URI.create(zeroOffer.get("url").asText())).PUT(HttpRequest.BodyPublishers.ofByteArray(bytes(1000)))
                .build(), HttpResponse.BodyHandlers.discarding());
        assertThat(error(post("/attachments/" + zero + "/complete", grace, "").body())).isEqualTo("UPLOAD_REJECTED");

        // the queue verifies on its own too: a wrong upload is rejected and its object removed
        String wrong = UUID.randomUUID().toString();
        JsonNode offer2 = JSON.readTree(post("/attachments/" + wrong + "/upload-url", grace, "{\"size\":1000,\"media_type\":"
                + "\"image/webp\",\"sha256\":\"" + sha256(bytes(1000)) + "\"}").body());
        http.send(HttpRequest.newBuilder(URI.create(offer2.get("url").asText())).PUT(HttpRequest.BodyPublishers.ofByteArray(bytes(999)))
                .build(), HttpResponse.BodyHandlers.discarding());
        await().atMost(Duration.ofSeconds(20)).until(() -> get("/attachments/" + wrong + "/complete", grace).statusCode() != 0
                && objects("objects/" + wrong + "/").isEmpty() && post("/attachments/" + wrong + "/complete", grace, "").statusCode() == 404);

        // one never completed expires
        String abandoned = UUID.randomUUID().toString();
        post("/attachments/" + abandoned + "/upload-url", grace, "{\"size\":10}");
        try (Connection c = db.rootConnection("powersync_attachments"); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE attachments SET expires_at = UTC_TIMESTAMP(3) - INTERVAL 1 MINUTE WHERE id = '" + abandoned + "'");
        }
        HttpResponse<String> expired = post("/attachments/" + abandoned + "/complete", grace, "");
        assertThat(expired.statusCode()).isEqualTo(409);
        assertThat(error(expired.body())).isEqualTo("UPLOAD_EXPIRED");
        assertThat(post("/attachments/" + abandoned + "/complete", grace, "").statusCode()).isEqualTo(404);
    }

    @Test
    void aDeleteAcceptedWhileS3IsDownIsCarriedOutOnceItIsBack() throws Exception {
        String heidi = token("heidi");
        String id = UUID.randomUUID().toString();
        assertThat(put(id, heidi, bytes(5000), "text/plain", null, null, null).statusCode()).isEqualTo(201);
        assertThat(objects("objects/" + id + "/")).hasSize(1);

        s3.close();
        try {
            HttpResponse<String> accepted = send(request("/attachments/" + id, heidi).DELETE().build());
            assertThat(accepted.statusCode()).isEqualTo(202);
            assertThat(JSON.readTree(accepted.body()).get("state").asText()).isEqualTo("DELETING");
            assertThat(get("/attachments/" + id, heidi).statusCode()).isEqualTo(404);
            HttpResponse<String> upload = put(UUID.randomUUID().toString(), heidi, bytes(10), "text/plain", null, null, null);
            assertThat(upload.statusCode()).isEqualTo(503);
            assertThat(error(upload.body())).isEqualTo("STORAGE_UNAVAILABLE");
            Thread.sleep(1500); // the queue tries and fails meanwhile
            HttpResponse<String> ready = get("/health/ready", null);
            assertThat(ready.statusCode()).as("S3 down does not take the service out").isEqualTo(200);
            assertThat(JSON.readTree(ready.body()).findValue("pending_deletes").asLong()).isGreaterThanOrEqualTo(1);
        } finally {
            s3.start();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> objects("objects/" + id + "/").isEmpty()
                && JSON.readTree(get("/health/ready", null).body()).findValue("pending_deletes").asLong() == 0);
        assertThat(get("/attachments/" + id, heidi).statusCode()).isEqualTo(404);
    }

    @Test
    void aStreamedUploadWhoseProcessStallsExpiresAndItsLateBytesAreNotKept() throws Exception {
        String ken = token("ken");
        String id = UUID.randomUUID().toString();
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.io.InputStream stalled = new java.io.SequenceInputStream(new java.io.ByteArrayInputStream(bytes(256 * 1024)), new java.io.InputStream() {
            private boolean waited;

            @Override
            public int read() throws java.io.IOException {
                if (!waited) {
                    waited = true;
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        throw new java.io.InterruptedIOException();
                    }
                }
                return -1;
            }
        });
        var upload = http.sendAsync(request("/attachments/" + id, ken).header("Content-Type", "text/plain")
                .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> stalled)).build(), HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(state(id))
                .as(upload.isDone() ? upload.get().statusCode() + " " + upload.get().body() : "in flight").isEqualTo("UPLOADING"));
        assertThat(error(get("/attachments/" + id, ken).body())).isEqualTo("NOT_FOUND");
        // its time runs out (as if its process had died): the queue gives the reservation up
        try (Connection c = db.rootConnection("powersync_attachments"); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE attachments SET expires_at = UTC_TIMESTAMP(3) - INTERVAL 1 MINUTE WHERE id = '" + id + "'");
            s.executeUpdate("UPDATE work_items SET due_at = UTC_TIMESTAMP(3) WHERE attachment_id = '" + id + "'");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> state(id).isEmpty());
        release.countDown();
        HttpResponse<String> late = upload.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(late.statusCode()).as(late.body()).isEqualTo(404);
        await().atMost(Duration.ofSeconds(10)).until(() -> objects("objects/" + id + "/").isEmpty());
        assertThat(put(id, ken, bytes(10), "text/plain", null, null, null).statusCode()).as("the id is free again").isEqualTo(201);
    }

    private String state(String id) throws Exception {
        try (Connection c = db.rootConnection("powersync_attachments"); Statement s = c.createStatement();
             java.sql.ResultSet rows = s.executeQuery("SELECT state FROM attachments WHERE id = '" + id + "'")) {
            return rows.next() ? rows.getString(1) : "";
        }
    }

    @Test
    void theSweepRemovesObjectsNoAttachmentNames() throws Exception {
        String ivan = token("ivan");
        String kept = UUID.randomUUID().toString();
        assertThat(put(kept, ivan, bytes(100), "text/plain", null, null, null).statusCode()).isEqualTo(201);
        byte[] stray = bytes(50);
        minio.putObject(PutObjectArgs.builder().bucket(BUCKET).object("objects/orphan/" + UUID.randomUUID())
                .stream(new java.io.ByteArrayInputStream(stray), (long) stray.length, -1L).build());
        assertThat(post("/attachments/admin/sweep", ivan, "").statusCode()).isEqualTo(403);
        HttpResponse<String> swept = http.send(HttpRequest.newBuilder(URI.create(url + "/attachments/admin/sweep"))
                .header("X-Api-Token", ADMIN).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(swept.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(swept.body()).get("removed").asInt()).isGreaterThanOrEqualTo(1);
        assertThat(objects("objects/orphan/")).isEmpty();
        assertThat(objects("objects/" + kept + "/")).hasSize(1);
        assertThat(getBytes("/attachments/" + kept, ivan, null, null).statusCode()).isEqualTo(200);
    }

    @Test
    void metricsFollowTheQueueUploadsAndDownloads() throws Exception {
        Map<String, Double> before = metrics();
        assertThat(before).containsKeys("attachments_queue_depth{kind=\"verify\"}", "attachments_queue_depth{kind=\"delete\"}",
                "attachments_queue_due{kind=\"verify\"}", "attachments_work_failed_total{kind=\"delete\"}",
                "attachments_work_done_total{kind=\"verify\"}", "memory_usedHeap_bytes");

        // presigned uploads never made wait in the queue until they expire: the depth is the queue's
        String mona = token("mona");
        List<String> waiting = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String id = UUID.randomUUID().toString();
            assertThat(post("/attachments/" + id + "/upload-url", mona, "{\"size\":10}").statusCode()).isEqualTo(200);
            waiting.add(id);
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            long queued = queued("VERIFY");
            assertThat(metrics().get("attachments_queue_depth{kind=\"verify\"}")).isEqualTo((double) queued);
            assertThat(queued).isGreaterThanOrEqualTo(3);
        });
        assertThat(metrics().get("attachments_upload_urls_total")).isEqualTo(before.get("attachments_upload_urls_total") + 3);

        // a streamed upload, its download and a ranged one
        byte[] file = bytes(1000);
        String id = UUID.randomUUID().toString();
        assertThat(put(id, mona, file, "text/plain", null, null, null).statusCode()).isEqualTo(201);
        assertThat(getBytes("/attachments/" + id, mona, null, null).body()).isEqualTo(file);
        assertThat(getBytes("/attachments/" + id, mona, "bytes=0-99", null).statusCode()).isEqualTo(206);
        assertThat(get("/attachments/" + id + "/download-url", mona).statusCode()).isEqualTo(200);
        // the download's counters move once its last bytes are written, just after the client has them
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Map<String, Double> after = metrics();
            assertThat(after.get("attachments_uploads_total{via=\"service\"}"))
                    .isEqualTo(before.get("attachments_uploads_total{via=\"service\"}") + 1);
            assertThat(after.get("attachments_uploaded_bytes_total{via=\"service\"}"))
                    .isEqualTo(before.get("attachments_uploaded_bytes_total{via=\"service\"}") + 1000);
            assertThat(after.get("attachments_downloads_total")).isEqualTo(before.get("attachments_downloads_total") + 2);
            assertThat(after.get("attachments_downloaded_bytes_total")).isEqualTo(before.get("attachments_downloaded_bytes_total") + 1100);
            assertThat(after.get("attachments_download_urls_total")).isEqualTo(before.get("attachments_download_urls_total") + 1);
        });

        // deleting queues a removal that the queue carries out
        double deletesDone = metrics().get("attachments_work_done_total{kind=\"delete\"}");
        assertThat(send(request("/attachments/" + id, mona).DELETE().build()).statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(metrics().get("attachments_work_done_total{kind=\"delete\"}")).isGreaterThan(deletesDone));
        for (String pending : waiting) {
            assertThat(send(request("/attachments/" + pending, mona).DELETE().build()).statusCode()).isEqualTo(202);
        }
    }

    /** Work items of {@code kind} in the database. */
    private long queued(String kind) throws Exception {
        try (Connection c = db.rootConnection("powersync_attachments"); Statement s = c.createStatement();
             java.sql.ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM work_items WHERE kind = '" + kind + "'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The Prometheus text of {@code /metrics}: each sample by name and tags (other than the scope), to its value. */
    private Map<String, Double> metrics() throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url + "/metrics")).header("Accept", "text/plain")
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body().lines().filter(line -> !line.startsWith("#") && !line.isBlank())
                .map(line -> line.replaceAll(",?mp_scope=\"[a-z]+\",?", "").replace(",}", "}").replace("{}", ""))
                .collect(Collectors.toMap(line -> line.substring(0, line.lastIndexOf(' ')),
                        line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)), (a, b) -> b));
    }

    @Test
    void theApiIsDescribedWithOpenApi() throws Exception {
        HttpResponse<String> openapi = get("/openapi", null);
        assertThat(openapi.statusCode()).isEqualTo(200);
        assertThat(openapi.body()).contains("/attachments/{id}", "/attachments/{id}/upload-url", "Range");
    }

    // ---- helpers

    private static String token(String user) {
        return DevTokens.sign(SECRET.getBytes(StandardCharsets.UTF_8), user, 600);
    }

    private static byte[] bytes(int size) {
        byte[] bytes = new byte[size];
        new Random(size * 31L + 7).nextBytes(bytes);
        return bytes;
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private HttpRequest.Builder request(String path, String token) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(url + path));
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        return builder;
    }

    private HttpResponse<String> send(HttpRequest request) throws Exception {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> put(String id, String token, byte[] body, String type, String sha, String filename, String meta)
            throws Exception {
        HttpRequest.Builder builder = request("/attachments/" + id, token).header("Content-Type", type)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body));
        if (sha != null) {
            builder.header("X-Content-SHA256", sha);
        }
        if (filename != null) {
            builder.header("X-Attachment-Filename", filename);
        }
        if (meta != null) {
            builder.header("X-Attachment-Metadata", meta);
        }
        return send(builder.build());
    }

    private HttpResponse<String> get(String path, String token) throws Exception {
        return send(request(path, token).build());
    }

    private HttpResponse<String> post(String path, String token, String body) throws Exception {
        return send(request(path, token).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private HttpResponse<byte[]> getBytes(String path, String token, String range, String ifNoneMatch) throws Exception {
        HttpRequest.Builder builder = request(path, token);
        if (range != null) {
            builder.header("Range", range);
        }
        if (ifNoneMatch != null) {
            builder.header("If-None-Match", ifNoneMatch);
        }
        return http.send(builder.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String error(String body) throws Exception {
        return JSON.readTree(body).get("code").asText();
    }

    private List<String> objects(String prefix) throws Exception {
        List<String> keys = new ArrayList<>();
        for (Result<Item> item : minio.listObjects(ListObjectsArgs.builder().bucket(BUCKET).prefix(prefix).recursive(true).build())) {
            keys.add(item.get().objectName());
        }
        return keys;
    }
}

package org.syncsuite.gateway.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.syncsuite.gateway.writer.TopicWriter.insert;

import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.zip.GZIPInputStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.syncsuite.gateway.GatewayMain;
import org.syncsuite.gateway.auth.TestKeys;
import org.syncsuite.gateway.writer.TopicWriter;
import org.syncsuite.gateway.writer.WriterFixture;
import org.syncsuite.services.EmbeddedKafka;
import org.syncsuite.services.EmbeddedMariaDb;
import org.syncsuite.services.Ports;
import org.syncsuite.services.ServiceYaml;
import org.syncsuite.services.junit.WithBackingServices;

/**
 * The api role over HTTP, in a gateway process of its own: the sync stream in NDJSON, BSON and
 * gzip, write checkpoints, probes, metrics, and each kind of bad input with its status and
 * PowerSync error code, none of them logged as an internal error.
 */
@WithBackingServices
class GatewayApiServiceIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "a development secret of 32 bytes!";
    private static final TestKeys.SigningKey KEY = TestKeys.hs256(null, SECRET);
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void servesTheSyncProtocolAndAnswersBadInputWithItsCode(EmbeddedMariaDb db, EmbeddedKafka kafka) throws Exception {
        String prefix = "api" + UUID.randomUUID().toString().substring(0, 8);
        Path dir = Files.createDirectories(Path.of("target", "gateway-it", prefix));
        String storageName = "apistorage_" + UUID.randomUUID().toString().substring(0, 8);
        db.execute("CREATE USER IF NOT EXISTS 'gateway'@'%' IDENTIFIED BY 'gateway-secret'",
                "GRANT ALL PRIVILEGES ON *.* TO 'gateway'@'%'");
        Path yaml = dir.resolve("service.yaml");
        Files.writeString(yaml, new ServiceYaml().source(db, "mysql", "gateway", "gateway-secret")
                .storage(db, storageName, "gateway", "gateway-secret").kafka(kafka, prefix).hs256(SECRET)
                .apiParameter("max_concurrent_connections", 3).apiParameter("max_buckets_per_connection", 4)
                .syncConfigContent(WriterFixture.SYNC_CONFIG).text());
        try (TopicWriter topic = new TopicWriter(kafka, prefix + ".default.changes")) {
            topic.transaction(List.of(insert("lists", "id", "l1", "owner_id", "u1", "name", "Groceries"),
                    insert("todos", "id", "t1", "list_id", "l1", "title", "Milk", "meta", "{\"public\":1}"),
                    insert("lists", "id", "m1", "owner_id", "many", "name", "a"),
                    insert("lists", "id", "m2", "owner_id", "many", "name", "b"),
                    insert("lists", "id", "m3", "owner_id", "many", "name", "c"),
                    insert("lists", "id", "m4", "owner_id", "many", "name", "d")));
            int port = Ports.free();
            Path log = dir.resolve("gateway.log");
            Process gateway = launch(yaml, port, log);
            try {
                String base = "http://127.0.0.1:" + port;
                await().atMost(Duration.ofSeconds(90)).until(() -> status(base + "/probes/readiness") == 200);
                assertThat(status(base + "/probes/liveness")).isEqualTo(200);
                assertThat(status(base + "/probes/startup")).isEqualTo(200);
                String health = http.send(HttpRequest.newBuilder(URI.create(base + "/health/ready")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                assertThat(health).contains("\"name\":\"api\"", "\"followingCheckpointsTopic\":true", "\"version\":1");
                String token = KEY.sign(TestKeys.claims("u1"));

                // NDJSON, as asked for by default
                HttpResponse<InputStream> ndjson = stream(base, token, "application/x-ndjson", null, "{\"client_id\":\"c1\"}");
                assertThat(ndjson.statusCode()).isEqualTo(200);
                assertThat(ndjson.headers().firstValue("content-type")).hasValue("application/x-ndjson");
                assertThat(ndjson.headers().firstValue("x-accel-buffering")).hasValue("no");
                BufferedReader lines = new BufferedReader(new InputStreamReader(ndjson.body(), StandardCharsets.UTF_8));
                JsonNode checkpoint = JSON.readTree(lines.readLine()).get("checkpoint");
                assertThat(checkpoint.get("buckets")).hasSize(3);
                List<String> kinds = new ArrayList<>();
                for (String line = lines.readLine(); !line.contains("checkpoint_complete"); line = lines.readLine()) {
                    kinds.add(JSON.readTree(line).fieldNames().next());
                }
                assertThat(kinds).containsOnly("data").hasSize(3);
                ndjson.body().close();

                // BSON, as the official JavaScript client asks; its content type must be exact
                HttpResponse<InputStream> bson = stream(base, token,
                        "application/vnd.powersync.bson-stream;q=0.9,application/x-ndjson;q=0.8", null, "{}");
                assertThat(bson.headers().firstValue("content-type")).hasValue("application/vnd.powersync.bson-stream");
                byte[] document = bsonDocument(bson.body());
                assertThat(new String(document, StandardCharsets.ISO_8859_1)).contains("checkpoint", "last_op_id", "buckets");
                bson.body().close();

                // gzip when asked, flushed line by line
                HttpResponse<InputStream> gzip = stream(base, token, "application/x-ndjson", "gzip", "{}");
                assertThat(gzip.headers().firstValue("content-encoding")).hasValue("gzip");
                assertThat(line(new GZIPInputStream(gzip.body()))).startsWith("{\"checkpoint\":");
                gzip.body().close();

                // write checkpoints
                assertThat(JSON.readTree(get(base + "/write-checkpoint2.json?client_id=c1", token).body())
                        .get("data").get("write_checkpoint").asText()).isEqualTo("1");
                assertThat(JSON.readTree(get(base + "/write-checkpoint2.json?client_id=c1", token).body())
                        .get("data").get("write_checkpoint").asText()).isEqualTo("2");
                assertThat(JSON.readTree(post(base + "/sync/checkpoint-request", token,
                        "{\"client_id\":\"c1\",\"checkpoint_request_id\":\"7\"}").body())
                        .get("data").get("checkpoint_request_id").asText()).isEqualTo("7");

                // streams whose clients left are noticed at their next keepalive (every 2 s here), freeing their slots
                await().atMost(Duration.ofSeconds(30)).until(() -> metric(base, "gateway_api_streams") == 0);

                // beyond gateway.api.max-compressed-streams (1 here), streams go out uncompressed
                HttpResponse<InputStream> compressed = stream(base, token, "application/x-ndjson", "gzip", "{}");
                assertThat(compressed.headers().firstValue("content-encoding")).hasValue("gzip");
                HttpResponse<InputStream> plain = stream(base, token, "application/x-ndjson", "gzip", "{}");
                assertThat(plain.headers().firstValue("content-encoding")).isEmpty();
                assertThat(line(plain.body())).startsWith("{\"checkpoint\":");
                compressed.body().close();
                plain.body().close();
                await().atMost(Duration.ofSeconds(30)).until(() -> metric(base, "gateway_api_streams") == 0);

                // bad input, each with its status and code
                long now = System.currentTimeMillis() / 1000;
                assertError(post(base + "/sync/stream", null, "{}"), 401, "PSYNC_S2106");
                assertError(post(base + "/sync/stream", "Basic abc", "{}"), 401, "PSYNC_S2106");
                assertError(post(base + "/sync/stream", TestKeys.hs256(null, "another secret of thirty-two bytes")
                        .sign(TestKeys.claims("u1")), "{}"), 401, "PSYNC_S2102");
                assertError(post(base + "/sync/stream", KEY.sign("{\"sub\":\"u1\",\"aud\":\"powersync\",\"iat\":" + (now - 7200)
                        + ",\"exp\":" + (now - 3600) + "}"), "{}"), 401, "PSYNC_S2103");
                assertError(post(base + "/sync/stream", KEY.sign("{\"sub\":\"u1\",\"aud\":\"powersync\",\"iat\":" + (now + 600)
                        + ",\"exp\":" + (now + 1200) + "}"), "{}"), 401, "PSYNC_S2101");
                assertError(post(base + "/sync/stream", KEY.sign("{\"sub\":\"u1\",\"aud\":\"other\",\"iat\":" + now
                        + ",\"exp\":" + (now + 60) + "}"), "{}"), 401, "PSYNC_S2105");
                String none = Base64.getUrlEncoder().withoutPadding().encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8))
                        + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(TestKeys.claims("u1")
                        .getBytes(StandardCharsets.UTF_8)) + ".";
                assertError(post(base + "/sync/stream", none, "{}"), 401, "PSYNC_S2101");
                assertError(post(base + "/sync/stream", token, "{\"buckets\":"), 400, "PSYNC_S2001");
                assertError(post(base + "/sync/stream", token, "{\"buckets\":\"all of them\"}"), 400, "PSYNC_S2001");
                assertError(post(base + "/sync/stream", token, "{\"client_id\":\"" + "x".repeat(1 << 20) + "\"}"), 413, "PSYNC_S2901");
                assertError(post(base + "/sync/stream", KEY.sign(TestKeys.claims("many")), "{}"), 400, "PSYNC_S2305");
                assertError(post(base + "/sync/checkpoint-request", token, "{\"client_id\":\"c1\",\"checkpoint_request_id\":-1}"),
                        400, "PSYNC_S2001");

                // the connection limit: three streams, the fourth is refused with an empty 429
                List<InputStream> open = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    HttpResponse<InputStream> held = stream(base, token, "application/x-ndjson", null, "{}");
                    assertThat(held.statusCode()).isEqualTo(200);
                    open.add(held.body());
                }
                HttpResponse<String> refused = post(base + "/sync/stream", token, "{}");
                assertThat(refused.statusCode()).isEqualTo(429);
                assertThat(refused.body()).isEmpty();
                for (InputStream held : open) {
                    held.close();
                }

                String metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).header("Accept", "text/plain")
                        .build(), HttpResponse.BodyHandlers.ofString()).body();
                assertThat(metrics).contains("gateway_api_streams_opened", "gateway_api_ops_sent", "gateway_api_chunks_read_ahead", "gateway_api_bytes_sent",
                        "gateway_api_streams_refused", "gateway_api_checkpoint_latency_seconds");
                assertThat(Files.readString(log)).as("bad input is not an internal error").doesNotContain("SEVERE");
            } finally {
                gateway.destroyForcibly().waitFor();
            }
        }
    }

    /** One line, read byte by byte: a reader over a gzip stream would wait for more than the line. */
    private static String line(InputStream in) throws IOException {
        java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
        for (int b = in.read(); b != '\n' && b >= 0; b = in.read()) {
            line.write(b);
        }
        return line.toString(StandardCharsets.UTF_8);
    }

    private long metric(String base, String name) throws Exception {
        String metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).header("Accept", "text/plain").build(),
                HttpResponse.BodyHandlers.ofString()).body();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^" + name + "(?:\\{[^}]*\\})? ([0-9.E+-]+)$")
                .matcher(metrics);
        return m.find() ? (long) Double.parseDouble(m.group(1)) : -1;
    }

    private static void assertError(HttpResponse<String> response, int status, String code) throws IOException {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        JsonNode error = JSON.readTree(response.body()).get("error");
        assertThat(error.get("code").asText()).isEqualTo(code);
        assertThat(error.get("status").asInt()).isEqualTo(status);
        assertThat(error.get("description").asText()).isNotBlank();
    }

    private HttpResponse<InputStream> stream(String base, String token, String accept, String encoding, String body)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + "/sync/stream"))
                .header("Authorization", "Token " + token).header("Content-Type", "application/json").header("Accept", accept)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (encoding != null) {
            request.header("Accept-Encoding", encoding);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    }

    private HttpResponse<String> post(String url, String token, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", token.startsWith("Basic") ? token : "Token " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String url, String token) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static byte[] bsonDocument(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        byte[] length = new byte[4];
        data.readFully(length);
        int size = (length[0] & 0xff) | (length[1] & 0xff) << 8 | (length[2] & 0xff) << 16 | (length[3] & 0xff) << 24;
        byte[] rest = new byte[size - 4];
        data.readFully(rest);
        assertThat(rest[rest.length - 1]).isZero();
        return rest;
    }

    private int status(String url) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static Process launch(Path yaml, int port, Path log) throws IOException {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx384m",
                "-Dgateway.api.keepalive-seconds=2", "-Dgateway.api.max-compressed-streams=1",
                "-cp", System.getProperty("java.class.path"), GatewayMain.class.getName(), "-c", yaml.toString(),
                "--port", Integer.toString(port));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }
}

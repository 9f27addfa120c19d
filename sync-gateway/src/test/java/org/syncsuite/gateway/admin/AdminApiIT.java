package org.syncsuite.gateway.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.syncsuite.gateway.writer.TopicWriter.insert;

import java.io.BufferedReader;
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
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.syncsuite.gateway.GatewayMain;
import org.syncsuite.gateway.writer.TopicWriter;
import org.syncsuite.gateway.writer.WriterFixture;
import org.syncsuite.services.EmbeddedKafka;
import org.syncsuite.services.EmbeddedMariaDb;
import org.syncsuite.services.Ports;
import org.syncsuite.services.ServiceYaml;
import org.syncsuite.services.junit.WithBackingServices;

/**
 * The management API over HTTP, in a gateway process of its own whose service config names no
 * sync config: everything is deployed through the API. Each route's answer shape, the auth
 * check, deploy (invalid and valid, built beside the active version until it takes over),
 * reprocess and its conflict, compaction, the source schema, validation against it, status,
 * the user inspector, development tokens that the sync stream accepts, and read-only SQL.
 */
@WithBackingServices
class AdminApiIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "a development secret of 32 bytes!";
    private static final String ADMIN = "admin-token-for-tests";
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void managesTheGatewayThroughItsAdminApi(EmbeddedMariaDb db, EmbeddedKafka kafka) throws Exception {
        String id = UUID.randomUUID().toString().substring(0, 8);
        String prefix = "admin" + id;
        String source = "adminsrc_" + id;
        Path dir = Files.createDirectories(Path.of("target", "gateway-it", prefix));
        db.createDatabase(source);
        db.execute("CREATE TABLE " + source + ".lists (id VARCHAR(36) PRIMARY KEY, owner_id VARCHAR(36), name TEXT, "
                        + "created_at DATETIME, archived TINYINT)",
                "CREATE TABLE " + source + ".todos (id VARCHAR(36) PRIMARY KEY, list_id VARCHAR(36), title TEXT, meta JSON, "
                        + "rank_score DOUBLE, photo BLOB)",
                "INSERT INTO " + source + ".lists VALUES ('l1', 'u1', 'Groceries', NOW(), 0)",
                "CREATE USER IF NOT EXISTS 'gateway'@'%' IDENTIFIED BY 'gateway-secret'",
                "GRANT ALL PRIVILEGES ON *.* TO 'gateway'@'%'");
        Path yaml = dir.resolve("service.yaml");
        Files.writeString(yaml, new ServiceYaml().source(db, source, "gateway", "gateway-secret")
                .storage(db, "adminstorage_" + id, "gateway", "gateway-secret").kafka(kafka, prefix).hs256(SECRET)
                .apiToken(ADMIN).text());
        try (TopicWriter topic = new TopicWriter(kafka, prefix + ".default.changes")) {
            topic.transaction(List.of(insert("lists", "id", "l1", "owner_id", "u1", "name", "Groceries"),
                    insert("todos", "id", "t1", "list_id", "l1", "title", "Milk", "meta", "{\"public\":1}"),
                    insert("todos", "id", "t2", "list_id", "l1", "title", "Eggs", "meta", "{\"public\":0}"),
                    insert("lists", "id", "l2", "owner_id", "u2", "name", "Work")));
            int port = Ports.free();
            Process gateway = launch(yaml, port, dir.resolve("gateway.log"));
            try {
                String base = "http://127.0.0.1:" + port;
                await().atMost(Duration.ofSeconds(90)).until(() -> status(base + "/probes/startup") == 200);

                // auth: no token, a wrong token, and the Token scheme
                assertError(call(base, "POST", "/api/admin/v1/diagnostics", null, "application/json", "{}"), 401, "PSYNC_S2101");
                assertError(call(base, "POST", "/api/admin/v1/diagnostics", "Bearer nope", "application/json", "{}"), 401,
                        "PSYNC_S2101");
                HttpResponse<String> tokenScheme = call(base, "POST", "/api/admin/v1/diagnostics", "Token " + ADMIN,
                        "application/json", "{}");
                assertThat(tokenScheme.statusCode()).isEqualTo(200);

                // nothing deployed yet: diagnostics show the source connected and no sync rules
                JsonNode diagnostics = admin(base, "/api/admin/v1/diagnostics", "{}").get("data");
                assertThat(diagnostics.at("/connections/0/connected").asBoolean()).isTrue();
                assertThat(diagnostics.has("active_sync_rules")).isFalse();
                assertThat(JSON.readTree(call(base, "GET", "/api/sync-rules/v1/current", "Bearer " + ADMIN, null, null).body())
                        .at("/data/current").isNull()).isTrue();

                // the source schema, with SQLite types as PowerSync's bit set
                JsonNode schema = admin(base, "/api/admin/v1/schema", "{}").get("data");
                assertThat(schema.get("defaultSchema").asText()).isEqualTo(source);
                JsonNode todos = null;
                for (JsonNode table : schema.at("/connections/0/schemas/0/tables")) {
                    if (table.get("name").asText().equals("todos")) {
                        todos = table;
                    }
                }
                assertThat(todos).isNotNull();
                assertThat(types(todos)).containsExactly("id:2", "list_id:2", "title:2", "meta:2", "rank_score:8", "photo:1");

                // validation against the live schema: an unknown column is reported with its line and column
                String unknownColumn = "config:\n  edition: 3\nstreams:\n  s:\n    auto_subscribe: true\n"
                        + "    query: SELECT id, nope FROM lists\n";
                JsonNode validated = admin(base, "/api/admin/v1/validate", JSON.createObjectNode().put("sync_rules", unknownColumn)
                        .toString()).get("data");
                assertThat(validated.get("errors").toString()).contains("nope");
                assertThat(validated.at("/errors/0/line").asInt()).isEqualTo(6);
                String broken = "config:\n  edition: 3\nstreams:\n  s:\n    query: SELECT FROM\n";
                JsonNode invalid = JSON.readTree(call(base, "POST", "/api/sync-rules/v1/validate", "Bearer " + ADMIN,
                        "application/yaml", broken).body());
                assertThat(invalid.get("valid").asBoolean()).isFalse();
                assertThat(invalid.at("/errors/0/line").asInt()).isEqualTo(5);
                JsonNode valid = JSON.readTree(call(base, "POST", "/api/sync-rules/v1/validate", "Bearer " + ADMIN,
                        "application/yaml", WriterFixture.SYNC_CONFIG).body());
                assertThat(valid.get("valid").asBoolean()).isTrue();
                assertThat(valid.get("bucket_definitions").toString()).contains("my_lists", "list_todos", "public_todos");
                assertThat(valid.get("source_tables").toString()).contains("lists", "todos");

                // an invalid deploy stores nothing and says why, line by line
                HttpResponse<String> refused = call(base, "POST", "/api/sync-rules/v1/deploy", "Bearer " + ADMIN,
                        "application/yaml", broken);
                assertError(refused, 422, "PSYNC_R0001");
                assertThat(JSON.readTree(refused.body()).at("/error/details/0/line").asInt()).isEqualTo(5);

                // deploy, as JSON {content}; the writer builds it and it becomes active
                JsonNode deployed = admin(base, "/api/sync-rules/v1/deploy", JSON.createObjectNode()
                        .put("content", WriterFixture.SYNC_CONFIG).toString()).get("data");
                assertThat(deployed.get("version").asInt()).isEqualTo(1);
                assertThat(deployed.get("slot_name").asText()).isEqualTo("powersync_1");
                await().atMost(Duration.ofSeconds(60)).until(() -> current(base).at("/current/last_checkpoint").isTextual());
                assertThat(current(base).at("/current/content").asText()).isEqualTo(WriterFixture.SYNC_CONFIG);
                java.time.Instant checkpointAt = java.time.Instant.parse(current(base).at("/current/last_checkpoint_ts").asText());
                assertThat(checkpointAt).as("the time of the last checkpoint, whatever the servers' time zones")
                        .isBetween(java.time.Instant.now().minusSeconds(120), java.time.Instant.now().plusSeconds(5));
                JsonNode active = admin(base, "/api/admin/v1/diagnostics", "{\"sync_rules_content\":true}")
                        .at("/data/active_sync_rules");
                assertThat(active.get("content").asText()).isEqualTo(WriterFixture.SYNC_CONFIG);
                assertThat(active.at("/connections/0/initial_replication_done").asBoolean()).isTrue();
                assertThat(active.at("/connections/0/tables").toString()).contains("\"name\":\"todos\"", "\"replication_id\":[\"id\"]");

                // status: counts from storage
                JsonNode status = admin(base, "/api/admin/v1/status", "{}").get("data");
                assertThat(status.get("active_version").asInt()).isEqualTo(1);
                assertThat(status.get("buckets").asLong()).isEqualTo(4); // lists of u1 and u2, list_todos of l1, public todos
                assertThat(status.get("ops").asLong()).isEqualTo(5);
                // InnoDB's table sizes are statistics, refreshed in the background: a new table may read 0 for a moment.
                await("storage size").atMost(java.time.Duration.ofSeconds(30))
                        .until(() -> admin(base, "/api/admin/v1/status", "{}").get("data").get("storage_bytes").asLong() > 0);
                assertThat(status.get("checkpoints_total").asLong()).isPositive();
                assertThat(status.get("last_checkpoint").get("op_id").asText()).isNotEmpty();

                // a development token from the admin API opens a sync stream for its subject
                JsonNode token = admin(base, "/api/admin/v1/token", "{\"subject\":\"u1\",\"expires_in_seconds\":600}").get("data");
                HttpRequest syncRequest = HttpRequest.newBuilder(URI.create(base + "/sync/stream"))
                        .header("Authorization", "Bearer " + token.get("token").asText()).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"client_id\":\"inspected\"}")).build();
                HttpResponse<InputStream> stream = http.send(syncRequest, HttpResponse.BodyHandlers.ofInputStream());
                assertThat(stream.statusCode()).isEqualTo(200);
                BufferedReader lines = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8));
                JsonNode checkpoint = JSON.readTree(lines.readLine()).get("checkpoint");
                assertThat(checkpoint.get("buckets")).hasSize(3);
                assertError(call(base, "POST", "/api/admin/v1/token", "Bearer " + ADMIN, "application/json",
                        "{\"subject\":\"u1\",\"expires_in_seconds\":999999}"), 400, "PSYNC_S2001");

                // the user inspector: the same buckets, checksums and counts the stream announced, and the open stream
                JsonNode inspected = admin(base, "/api/admin/v1/inspect-user", "{\"user_id\":\"u1\"}").get("data");
                assertThat(inspected.get("connections").asInt()).isEqualTo(1);
                assertThat(inspected.at("/checkpoint/op_id").asText()).isEqualTo(checkpoint.get("last_op_id").asText());
                assertThat(inspected.get("buckets")).hasSize(3);
                for (JsonNode bucket : checkpoint.get("buckets")) {
                    JsonNode match = null;
                    for (JsonNode b : inspected.get("buckets")) {
                        if (b.get("bucket").asText().equals(bucket.get("bucket").asText())) {
                            match = b;
                        }
                    }
                    assertThat(match).as(bucket.toString()).isNotNull();
                    assertThat(match.get("count").asLong()).isEqualTo(bucket.get("count").asLong());
                    assertThat(match.get("checksum").asLong()).isEqualTo(bucket.get("checksum").asLong());
                }
                stream.body().close();
                JsonNode other = admin(base, "/api/admin/v1/inspect-user", "{\"user_id\":\"u2\"}").get("data");
                assertThat(other.get("buckets").toString()).contains("1#my_lists|0[\\\"u2\\\"]", "1#list_todos|0[\\\"l2\\\"]");
                assertThat(other.get("connections").asInt()).isZero();
                assertError(call(base, "POST", "/api/admin/v1/inspect-user", "Bearer " + ADMIN, "application/json", "{}"), 400,
                        "PSYNC_S2001");

                // a new config is built beside the active one, then takes over; reprocess rebuilds it
                String second = WriterFixture.SYNC_CONFIG.replace("my_lists", "owned_lists");
                assertThat(admin(base, "/api/sync-rules/v1/deploy", JSON.createObjectNode().put("content", second).toString())
                        .at("/data/version").asInt()).isEqualTo(2);
                await().atMost(Duration.ofSeconds(60)).until(() -> current(base).at("/current/version").asInt() == 2
                        && current(base).at("/next").isNull());
                JsonNode reprocessed = admin(base, "/api/admin/v1/reprocess", "{}").get("data");
                assertThat(reprocessed.at("/connections/0/slot_name").asText()).isEqualTo("powersync_3");
                HttpResponse<String> conflict = call(base, "POST", "/api/sync-rules/v1/reprocess", "Bearer " + ADMIN,
                        "application/json", "{}");
                if (conflict.statusCode() != 200) { // unless version 3 took over in between
                    assertError(conflict, 409, "PSYNC_S4106");
                }
                await().atMost(Duration.ofSeconds(60)).until(() -> current(base).at("/current/version").asInt() >= 3
                        && current(base).at("/next").isNull());
                assertThat(current(base).at("/current/content").asText()).isEqualTo(second);

                // compaction on demand: a list renamed twice leaves two superseded PUTs, which become MOVE or CLEAR
                long before = Long.parseLong(current(base).at("/current/last_checkpoint").asText());
                topic.transaction(List.of(TopicWriter.update("lists", "id", "l1", "owner_id", "u1", "name", "Food")));
                topic.transaction(List.of(TopicWriter.update("lists", "id", "l1", "owner_id", "u1", "name", "Groceries")));
                await().atMost(Duration.ofSeconds(30)).until(() ->
                        Long.parseLong(current(base).at("/current/last_checkpoint").asText()) > before + 1);
                JsonNode compacted = admin(base, "/api/admin/v1/compact", "{}").get("data");
                assertThat(compacted.get("buckets_visited").asInt()).isPositive();
                assertThat(compacted.get("ops_moved").asLong() + compacted.get("ops_cleared").asLong()).as(compacted.toString())
                        .isGreaterThanOrEqualTo(2);
                assertThat(compacted.get("ops_after").asLong()).isLessThanOrEqualTo(compacted.get("ops_before").asLong());
                JsonNode progress = JSON.readTree(call(base, "GET", "/api/admin/v1/compact", "Bearer " + ADMIN, null, null).body())
                        .get("data");
                assertThat(progress.get("running").asBoolean()).isFalse();
                assertThat(progress.get("buckets_done").asLong()).isEqualTo(progress.get("buckets_total").asLong())
                        .isEqualTo(compacted.get("buckets_visited").asLong());
                assertThat(progress.at("/result/ops_after").asLong()).isEqualTo(compacted.get("ops_after").asLong());

                // SQL on the source: reads work, writes are refused (read-only by default)
                JsonNode read = admin(base, "/api/admin/v1/execute-sql",
                        "{\"sql\":{\"query\":\"SELECT id, name FROM lists WHERE owner_id = ?\",\"args\":[\"u1\"]}}").get("data");
                assertThat(read.get("success").asBoolean()).isTrue();
                assertThat(read.at("/results/columns").toString()).isEqualTo("[\"id\",\"name\"]");
                assertThat(read.at("/results/rows").toString()).isEqualTo("[[\"l1\",\"Groceries\"]]");
                JsonNode write = admin(base, "/api/admin/v1/execute-sql",
                        "{\"sql\":{\"query\":\"DELETE FROM lists\",\"args\":[]}}").get("data");
                assertThat(write.get("success").asBoolean()).isFalse();
                assertThat(write.get("error").asText()).containsIgnoringCase("read");
                for (String statement : List.of("DROP TABLE lists", "SELECT 1; DROP TABLE lists", "SET GLOBAL read_only = 1",
                        "CREATE TABLE x (id INT)")) {
                    JsonNode refusedSql = admin(base, "/api/admin/v1/execute-sql", JSON.createObjectNode().set("sql",
                            JSON.createObjectNode().put("query", statement)).toString()).get("data");
                    assertThat(refusedSql.get("success").asBoolean()).as(statement).isFalse();
                }
                try (java.sql.Connection c = java.sql.DriverManager.getConnection(db.jdbcUrl(source), db.rootUser(), db.rootPassword());
                     java.sql.ResultSet rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM lists")) {
                    rs.next();
                    assertThat(rs.getInt(1)).isEqualTo(1);
                }
            } finally {
                gateway.destroy();
                gateway.waitFor();
            }
            assertThat(Files.readString(dir.resolve("gateway.log"))).doesNotContain("SEVERE", "Internal error");
        }
    }

    private static List<String> types(JsonNode table) {
        List<String> types = new ArrayList<>();
        table.get("columns").forEach(c -> types.add(c.get("name").asText() + ":" + c.get("sqlite_type").asInt()));
        return types;
    }

    private JsonNode current(String base) throws Exception {
        return JSON.readTree(call(base, "GET", "/api/sync-rules/v1/current", "Bearer " + ADMIN, null, null).body()).get("data");
    }

    private JsonNode admin(String base, String path, String body) throws Exception {
        HttpResponse<String> response = call(base, "POST", path, "Bearer " + ADMIN, "application/json", body);
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private HttpResponse<String> call(String base, String method, String path, String authorization, String contentType,
                                      String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertError(HttpResponse<String> response, int status, String code) throws IOException {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(JSON.readTree(response.body()).at("/error/code").asText()).isEqualTo(code);
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
                "-cp", System.getProperty("java.class.path"), GatewayMain.class.getName(), "-c", yaml.toString(),
                "--port", Integer.toString(port));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }
}

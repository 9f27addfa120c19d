package org.syncsuite.replicator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.syncsuite.core.change.ChangeRecord;
import org.syncsuite.core.logging.LogFormat;
import org.syncsuite.replicator.service.ReplicationService;
import org.syncsuite.services.EmbeddedKafka;
import org.syncsuite.services.EmbeddedMariaDb;
import org.syncsuite.services.junit.WithBackingServices;

/**
 * The replicator as a user runs it: {@link ReplicatorMain} in a JVM of its own, configured by a
 * {@code service.yaml}, observed through {@code /health} and {@code /metrics}.
 */
@WithBackingServices
class ReplicatorServiceIT {

    private static final Pattern SERVER_STARTED = Pattern.compile("https?://[^:/\\s]+:(\\d+)");

    @TempDir
    Path workDir;

    private final EmbeddedMariaDb db;
    private final EmbeddedKafka kafka;
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<Process> children = new ArrayList<>();
    private final List<String> output = new CopyOnWriteArrayList<>();

    ReplicatorServiceIT(EmbeddedMariaDb db, EmbeddedKafka kafka) {
        this.db = db;
        this.kafka = kafka;
    }

    @AfterEach
    void stopChildren() throws Exception {
        for (Process child : children) {
            child.destroy();
            if (!child.waitFor(20, TimeUnit.SECONDS)) {
                child.destroyForcibly();
            }
        }
    }

    @Test
    void reportsHealthAndMetricsAndRidesOutALostSource() throws Exception {
        String database = ReplicationFixture.newDatabase(db, "service");
        String user = "svc_" + UUID.randomUUID().toString().substring(0, 6);
        db.execute("CREATE USER " + user + "@'%' IDENTIFIED BY 'svc-password'",
                "GRANT REPLICATION SLAVE, REPLICATION CLIENT, SELECT ON *.* TO " + user + "@'%'",
                "GRANT SLAVE MONITOR ON *.* TO " + user + "@'%'");
        try (Connection connection = db.rootConnection(database); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE items (id BIGINT PRIMARY KEY, v VARCHAR(20))");
            statement.execute("INSERT INTO items VALUES (1, 'a'), (2, 'b'), (3, 'c')");
        }
        String prefix = "svc" + UUID.randomUUID().toString().substring(0, 6);
        Path config = serviceYaml(db.port(), database, user, "svc-password", prefix);
        int port = startService(config);

        // Elected alone, it snapshots the three rows and streams.
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            HttpResponse<String> ready = get(port, "/health/ready");
            assertThat(ready.statusCode()).isEqualTo(200);
            assertThat(ready.body()).contains("\"role\":\"active\"").contains("\"state\":\"streaming\"");
        });
        assertThat(get(port, "/health/live").statusCode()).isEqualTo(200);
        execute(database, "INSERT INTO items VALUES (4, 'd'), (5, 'e')", "UPDATE items SET v = 'bb' WHERE id = 2");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Map<String, Double> metrics = metrics(port);
            assertThat(metrics.get("replicator_changes")).isGreaterThanOrEqualTo(6.0); // 3 reads, 2 inserts, 1 update
            assertThat(metrics).containsEntry("replicator_snapshot_rows{table=\"items\"}", 3.0)
                    .containsEntry("replicator_snapshot_table_done{table=\"items\"}", 1.0)
                    .containsEntry("replicator_snapshot_complete", 1.0)
                    .containsEntry("replicator_active", 1.0);
            assertThat(metrics.get("replicator_kafka_transaction_seconds_count")).isGreaterThan(0.0);
            assertThat(metrics.get("replicator_position_offset_bytes")).isGreaterThan(0.0);
            assertThat(metrics.get("replicator_position_file")).isGreaterThan(0.0);
            assertThat(metrics).containsKeys("replicator_lag_seconds", "replicator_lag_transactions", "replicator_changes_rate_per_second");
        });

        // The source refuses the replicator for a while: not ready, retrying; changes made meanwhile arrive once.
        db.execute("ALTER USER " + user + "@'%' ACCOUNT LOCK");
        killConnectionsOf(user);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            HttpResponse<String> ready = get(port, "/health/ready");
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(ready.body()).contains("\"state\":\"reconnecting\"");
        });
        execute(database, "INSERT INTO items VALUES (6, 'f')", "DELETE FROM items WHERE id = 1");
        assertThat(get(port, "/health/live").statusCode()).isEqualTo(200);
        db.execute("ALTER USER " + user + "@'%' ACCOUNT UNLOCK");
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(get(port, "/health/ready").statusCode()).isEqualTo(200));

        String topic = prefix + ".default.changes";
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            List<ChangeRecord.RowChange> changes = ReplicationFixture.rowChanges(kafka, topic);
            Map<String, Long> byOpAndId = changes.stream().collect(Collectors.groupingBy(
                    c -> c.op() + ":" + c.key().get("id"), Collectors.counting()));
            assertThat(byOpAndId).containsExactlyInAnyOrderEntriesOf(Map.of(
                    "READ:1", 1L, "READ:2", 1L, "READ:3", 1L, "CREATE:4", 1L, "CREATE:5", 1L,
                    "UPDATE:2", 1L, "CREATE:6", 1L, "DELETE:1", 1L));
        });
        assertThat(metrics(port).get("replicator_changes")).isGreaterThanOrEqualTo(9.0); // and the delete's tombstone
    }

    @Test
    void refusesAStatementBasedBinlogSayingWhatToChangeInTextOrJsonLines() throws Exception {
        try (EmbeddedMariaDb statementBased = EmbeddedMariaDb.builder().argument("--binlog-format=STATEMENT").build()) {
            statementBased.start();
            statementBased.createDatabase("app");
            statementBased.execute("CREATE TABLE app.items (id BIGINT PRIMARY KEY)");
            Path config = serviceYaml(statementBased.port(), "app", statementBased.replicationUser(),
                    statementBased.replicationPassword(), "refused");
            Process child = launch(config);
            assertThat(child.waitFor(90, TimeUnit.SECONDS)).as("the replicator exits").isTrue();
            assertThat(child.exitValue()).isEqualTo(1);
            assertThat(String.join("\n", output))
                    .contains("The replicator cannot start: PSYNC_R9002")
                    .contains("binlog_format is STATEMENT, must be ROW. Fix: run SET GLOBAL binlog_format = 'ROW';")
                    .doesNotContain("\tat org.syncsuite")
                    .doesNotContain(ReplicationService.STARTED);

            // Asked for JSON, every line it prints is a JSON object: Helidon's start, its own, and why it stops.
            List<String> json = new CopyOnWriteArrayList<>();
            Process jsonChild = ReplicationFixture.launchReplicator(List.of("-c", config.toString(), "--port", "0"),
                    Map.of(LogFormat.ENVIRONMENT, "json"), Path.of("target", "failsafe-reports", "replicator-service-json.log"), json::add);
            children.add(jsonChild);
            assertThat(jsonChild.waitFor(90, TimeUnit.SECONDS)).as("the replicator exits").isTrue();
            assertThat(jsonChild.exitValue()).isEqualTo(1);
            List<JsonNode> records = new ArrayList<>();
            for (String line : json) {
                JsonNode record = new ObjectMapper().readTree(line);
                assertThat(record.isObject()).as(line).isTrue();
                assertThat(record.fieldNames()).toIterable().as(line).contains("time", "level", "logger", "thread", "message");
                records.add(record);
            }
            assertThat(records).as("Helidon's start is logged").anyMatch(r -> r.get("level").asText().equals("INFO")
                    && r.get("logger").asText().startsWith("io.helidon"));
            assertThat(records).anyMatch(r -> r.get("level").asText().equals("SEVERE")
                    && r.get("logger").asText().equals(ReplicatorMain.class.getName())
                    && r.get("message").asText().startsWith("The replicator cannot start: PSYNC_R9002"));
        }
    }

    private Path serviceYaml(int dbPort, String database, String user, String password, String prefix) throws IOException {
        Path config = workDir.resolve(prefix + ".yaml");
        Files.writeString(config, ReplicationFixture.serviceYaml(dbPort, database, user, password, kafka, prefix)
                + ReplicationFixture.syncConfigOf("items"));
        return config;
    }

    /** Starts the service and returns its HTTP port, once it listens. */
    private int startService(Path config) throws Exception {
        launch(config);
        return await().atMost(Duration.ofSeconds(60)).until(() -> output.stream()
                .filter(line -> line.contains("started") || line.contains("Started") || line.contains("bound"))
                .map(SERVER_STARTED::matcher).filter(Matcher::find).map(m -> Integer.parseInt(m.group(1)))
                .filter(p -> p > 0).findFirst(), Optional::isPresent).orElseThrow();
    }

    private Process launch(Path config) throws IOException {
        String name = config.getFileName().toString().replace(".yaml", "");
        Process process = ReplicationFixture.launchReplicator(List.of("-c", config.toString(), "--port", "0"),
                Path.of("target", "failsafe-reports", "replicator-service-" + name + ".log"), output::add);
        children.add(process);
        return process;
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Accept", "application/json, text/plain").timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The Prometheus text of {@code /metrics}: each sample by name and tags (other than the scope), to its value. */
    private Map<String, Double> metrics(int port) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .header("Accept", "text/plain").timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body().lines().filter(line -> line.startsWith("replicator_"))
                .map(line -> line.replaceAll(",?mp_scope=\"application\",?", "").replace(",}", "}").replace("{}", ""))
                .collect(Collectors.toMap(line -> line.substring(0, line.lastIndexOf(' ')),
                        line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)), (a, b) -> b));
    }

    private void killConnectionsOf(String user) throws Exception {
        try (Connection connection = db.rootConnection(""); Statement statement = connection.createStatement()) {
            List<Long> ids = new ArrayList<>();
            try (ResultSet rs = statement.executeQuery("SELECT ID FROM information_schema.PROCESSLIST WHERE USER = '" + user + "'")) {
                while (rs.next()) {
                    ids.add(rs.getLong(1));
                }
            }
            assertThat(ids).as("the replicator's connections").isNotEmpty();
            for (long id : ids) {
                statement.execute("KILL CONNECTION " + id);
            }
        }
    }

    private void execute(String database, String... statements) throws Exception {
        try (Connection connection = db.rootConnection(database); Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        }
    }
}

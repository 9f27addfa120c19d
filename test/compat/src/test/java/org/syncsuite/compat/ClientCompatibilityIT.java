package org.syncsuite.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.syncsuite.client.Column;
import org.syncsuite.client.ConnectOptions;
import org.syncsuite.client.CrudEntry;
import org.syncsuite.client.CrudTransaction;
import org.syncsuite.client.PowerSyncBackendConnector;
import org.syncsuite.client.PowerSyncCredentials;
import org.syncsuite.client.PowerSyncDatabase;
import org.syncsuite.client.Schema;
import org.syncsuite.client.SyncStreamSubscription;
import org.syncsuite.client.Table;
import org.syncsuite.gateway.GatewayMain;
import org.syncsuite.replicator.ReplicatorMain;
import org.syncsuite.services.DevTokens;
import org.syncsuite.services.EmbeddedKafka;
import org.syncsuite.services.EmbeddedMariaDb;
import org.syncsuite.services.NodePackages;
import org.syncsuite.services.Ports;
import org.syncsuite.services.ServiceYaml;
import org.syncsuite.services.junit.WithBackingServices;

/**
 * Our Java client and the official PowerSync client ({@code @powersync/node}, pinned in
 * {@code js/package-lock.json}) against the whole suite: MariaDB with the binlog on, the replicator, Kafka, and the sync gateway
 * (writer and api roles) in processes of their own, configured by one service.yaml with an HS256
 * development key. {@code js/compat.mjs} checks that the client downloads a global and a per-user
 * stream, subscribes to a parameterised stream and gets only its rows, sees inserts, updates and
 * deletes made in MariaDB within 2 s, and that a local write uploaded through the small backend
 * here completes its write checkpoint and empties the queue. Once with NDJSON, once with BSON.
 */
@WithBackingServices
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClientCompatibilityIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "compat-test development key, 32+ bytes";
    private static final String SOURCE = "compat";
    private static final String SYNC_CONFIG = """
            config:
              edition: 3
            streams:
              announcements:
                auto_subscribe: true
                query: SELECT * FROM announcements
              my_lists:
                auto_subscribe: true
                query: SELECT * FROM lists WHERE owner_id = auth.user_id()
              list_todos:
                query: SELECT * FROM todos WHERE list_id = subscription.parameter('list_id')
            """;

    private final EmbeddedMariaDb db;
    private final EmbeddedKafka kafka;
    private final HttpClient http = HttpClient.newHttpClient();
    private SuiteProcesses processes;
    private Path dir;
    private Path js;
    private HttpServer backend;
    private String gateway;

    ClientCompatibilityIT(EmbeddedMariaDb db, EmbeddedKafka kafka) {
        this.db = db;
        this.kafka = kafka;
    }

    @BeforeAll
    void startTheSuite() throws Exception {
        dir = Files.createDirectories(Path.of("target", "compat").toAbsolutePath());
        js = installClient();
        db.createDatabase(SOURCE);
        db.execute("CREATE TABLE IF NOT EXISTS " + SOURCE + ".announcements (id VARCHAR(64) PRIMARY KEY, title TEXT NOT NULL)",
                "CREATE TABLE IF NOT EXISTS " + SOURCE + ".lists (id VARCHAR(64) PRIMARY KEY, name TEXT NOT NULL, "
                        + "owner_id VARCHAR(64) NOT NULL)",
                "CREATE TABLE IF NOT EXISTS " + SOURCE + ".todos (id VARCHAR(64) PRIMARY KEY, list_id VARCHAR(64) NOT NULL, "
                        + "description TEXT NOT NULL, completed TINYINT NOT NULL DEFAULT 0)");
        Path syncConfig = dir.resolve("sync-config.yaml");
        Files.writeString(syncConfig, SYNC_CONFIG);
        Path yaml = dir.resolve("service.yaml");
        Files.writeString(yaml, new ServiceYaml().source(db, SOURCE, db.replicationUser(), db.replicationPassword())
                .storage(db, "compat_storage", db.rootUser(), db.rootPassword()).kafka(kafka, "compat").hs256(SECRET)
                .syncConfigPath("sync-config.yaml").text());
        int replicatorPort = Ports.free();
        int gatewayPort = Ports.free();
        processes = new SuiteProcesses(dir);
        processes.launch("replicator", ReplicatorMain.class, List.of("-c", yaml.toString()), replicatorPort,
                SuiteProcesses.withoutServices("sync-gateway"));
        processes.launch("gateway", GatewayMain.class, List.of("-c", yaml.toString()), gatewayPort,
                SuiteProcesses.withoutServices("replicator"));
        gateway = "http://127.0.0.1:" + gatewayPort;
        await().atMost(Duration.ofSeconds(120)).until(() -> processes.status(gateway + "/probes/readiness") == 200);
        backend = startBackend();
    }

    @AfterAll
    void stopTheSuite() throws InterruptedException {
        if (backend != null) {
            backend.stop(0);
        }
        if (processes != null) {
            processes.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ndjson", "bson"})
    void theOfficialClientSyncsThroughTheWholeSuite(String framing) throws Exception {
        String run = framing;
        seed(run);
        String user = run + "-user";
        long now = System.currentTimeMillis() / 1000;
        String token = hs256("{\"sub\":\"" + user + "\",\"aud\":\"powersync\",\"iat\":" + now + ",\"exp\":" + (now + 3600) + "}");
        Path output = dir.resolve("client-" + framing + ".log");
        ProcessBuilder node = new ProcessBuilder(nodeExecutable(), "compat.mjs").directory(js.toFile())
                .redirectErrorStream(true).redirectOutput(output.toFile());
        Map<String, String> env = node.environment();
        env.put("ENDPOINT", gateway);
        env.put("TOKEN", token);
        env.put("BACKEND_URL", "http://127.0.0.1:" + backend.getAddress().getPort());
        env.put("FRAMING", framing);
        env.put("RUN", run);
        env.put("DB_DIR", Files.createTempDirectory(dir, "client-" + framing).toString());
        Process client = node.start();
        boolean ended = client.waitFor(5, TimeUnit.MINUTES);
        if (!ended) {
            client.destroyForcibly().waitFor();
        }
        String log = Files.readString(output);
        assertThat(ended).as("the client finished within 5 minutes:\n" + log).isTrue();
        assertThat(client.exitValue()).as("the client's checks:\n" + log).isZero();
        assertThat(log).contains("COMPAT OK");
        System.out.println("official client, " + framing + ": " + log.substring(log.indexOf("COMPAT OK")).strip());
    }

    @Test
    void theJavaClientSyncsUploadsAndTwoOfItsDevicesConverge() throws Exception {
        String run = "java";
        seed(run);
        long now = System.currentTimeMillis() / 1000;
        String token = hs256("{\"sub\":\"" + run + "-user\",\"aud\":\"powersync\",\"iat\":" + now + ",\"exp\":" + (now + 3600) + "}");
        Schema schema = Schema.of(Table.of("announcements", Column.text("title")),
                Table.of("lists", Column.text("name"), Column.text("owner_id")),
                Table.of("todos", Column.text("list_id"), Column.text("description"), Column.integer("completed")));
        ConnectOptions options = ConnectOptions.DEFAULTS.withSubscription("list_todos", Map.of("list_id", run + "-L1"));
        Path folder = Files.createTempDirectory(dir, "java-client");
        try (PowerSyncDatabase phone = PowerSyncDatabase.open(folder.resolve("phone.db"), schema);
             PowerSyncDatabase laptop = PowerSyncDatabase.open(folder.resolve("laptop.db"), schema)) {
            phone.connect(connector(token), options);
            laptop.connect(connector(token), options.withBson(true));
            assertThat(phone.waitForFirstSync(Duration.ofSeconds(60))).as(String.valueOf(phone.currentStatus())).isTrue();
            assertThat(laptop.waitForFirstSync(Duration.ofSeconds(60))).as(String.valueOf(laptop.currentStatus())).isTrue();
            // the first checkpoint may predate the rows just seeded: they follow within moments
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(phone.getAll("SELECT id FROM lists ORDER BY id")).extracting(row -> row.get("id"))
                        .containsExactly(run + "-L1", run + "-L2");
                assertThat(phone.getAll("SELECT id FROM announcements WHERE id LIKE ?", run + "-%")).hasSize(3);
                assertThat(phone.getAll("SELECT id, list_id FROM todos ORDER BY id")).extracting(row -> row.get("id"))
                        .containsExactly(run + "-t1", run + "-t2");
            });

            // a change made in MariaDB reaches both devices
            db.execute("UPDATE " + SOURCE + ".todos SET description = 'Oat milk' WHERE id = '" + run + "-t1'");
            await().atMost(Duration.ofSeconds(10)).until(() -> "Oat milk".equals(
                    laptop.get("SELECT description FROM todos WHERE id = ?", run + "-t1").get("description")));

            // a write on the phone goes up through the backend and comes down to the laptop
            phone.execute("INSERT INTO todos (id, list_id, description, completed) VALUES (?, ?, ?, 0)", run + "-t5", run + "-L1",
                    "written on the phone");
            phone.execute("UPDATE lists SET name = 'Groceries (phone)' WHERE id = ?", run + "-L1");
            await().atMost(Duration.ofSeconds(20)).until(() -> phone.uploadQueueSize() == 0
                    && laptop.getOptional("SELECT 1 FROM todos WHERE id = ?", run + "-t5").isPresent()
                    && "Groceries (phone)".equals(laptop.get("SELECT name FROM lists WHERE id = ?", run + "-L1").get("name")));

            // edits made offline go up after reconnecting
            laptop.disconnect();
            laptop.execute("INSERT INTO todos (id, list_id, description, completed) VALUES (?, ?, ?, 1)", run + "-t6", run + "-L1",
                    "written offline");
            assertThat(laptop.uploadQueueSize()).isEqualTo(1);
            laptop.connect(connector(token), options.withBson(true));
            await().atMost(Duration.ofSeconds(20)).until(() -> laptop.uploadQueueSize() == 0
                    && phone.getOptional("SELECT 1 FROM todos WHERE id = ?", run + "-t6").isPresent());
            await().atMost(Duration.ofSeconds(20)).until(() -> rows(phone).equals(rows(laptop)));
            assertThat(phone.currentStatus().uploadError()).isEmpty();

            // another user sees only their own lists
            seed("other");
            long at = System.currentTimeMillis() / 1000;
            String otherToken = hs256("{\"sub\":\"other-user\",\"aud\":\"powersync\",\"iat\":" + at + ",\"exp\":" + (at + 3600) + "}");
            try (PowerSyncDatabase other = PowerSyncDatabase.open(folder.resolve("other.db"), schema)) {
                other.connect(connector(otherToken));
                assertThat(other.waitForFirstSync(Duration.ofSeconds(60))).isTrue();
                // the first checkpoint may predate the rows just seeded: they follow within moments
                await().atMost(Duration.ofSeconds(10)).until(() -> other.getAll("SELECT id FROM lists").size() >= 2);
                assertThat(other.getAll("SELECT id FROM lists ORDER BY id")).extracting(row -> row.get("id"))
                        .containsExactly("other-L1", "other-L2");
            }
            assertThat(phone.getAll("SELECT id FROM lists WHERE id LIKE 'other-%'")).isEmpty();

            // the official client, as the same user, holds the same rows as ours
            String witness = officialClientRows(token, run + "-L1");
            com.fasterxml.jackson.databind.JsonNode theirs = JSON.readTree(witness);
            assertThat(canonical(theirs.get("lists"))).isEqualTo(canonical(JSON.valueToTree(
                    phone.getAll("SELECT id, name, owner_id FROM lists ORDER BY id"))));
            assertThat(canonical(theirs.get("todos"))).isEqualTo(canonical(JSON.valueToTree(
                    phone.getAll("SELECT id, list_id, description, completed FROM todos ORDER BY id"))));
            assertThat(canonical(theirs.get("announcements"))).isEqualTo(canonical(JSON.valueToTree(
                    phone.getAll("SELECT id, title FROM announcements ORDER BY id"))));

            phone.disconnectAndClear();
            assertThat(phone.getAll("SELECT * FROM todos")).isEmpty();
            assertThat(phone.getAll("SELECT * FROM ps_buckets")).isEmpty();
        }
    }

    @Test
    void streamSubscriptionsAreKeptWithTheirTimeToLive() throws Exception {
        String run = "subs";
        seed(run);
        String token = hs256("{\"sub\":\"" + run + "-user\",\"aud\":\"powersync\",\"iat\":" + System.currentTimeMillis() / 1000
                + ",\"exp\":" + (System.currentTimeMillis() / 1000 + 3600) + "}");
        Schema schema = Schema.of(Table.of("announcements", Column.text("title")),
                Table.of("lists", Column.text("name"), Column.text("owner_id")),
                Table.of("todos", Column.text("list_id"), Column.text("description"), Column.integer("completed")));
        Path file = Files.createTempDirectory(dir, "subscriptions").resolve("device.db");
        try (PowerSyncDatabase device = PowerSyncDatabase.open(file, schema)) {
            device.connect(connector(token));
            assertThat(device.waitForFirstSync(Duration.ofSeconds(60))).isTrue();
            assertThat(device.getAll("SELECT id FROM todos")).as("list_todos is not auto-subscribed").isEmpty();

            // Subscribing while connected reopens the stream with the subscription: the list's todos arrive.
            SyncStreamSubscription groceries = device.syncStream("list_todos", Map.of("list_id", run + "-L1")).subscribe();
            assertThat(groceries.waitForFirstSync(Duration.ofSeconds(30))).isTrue();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(device.getAll("SELECT id FROM todos ORDER BY id"))
                    .extracting(row -> row.get("id")).containsExactly(run + "-t1", run + "-t2"));
            SyncStreamSubscription work = device.syncStream("list_todos", Map.of("list_id", run + "-L2"))
                    .subscribe(Duration.ofSeconds(2), Optional.empty());
            assertThat(work.waitForFirstSync(Duration.ofSeconds(30))).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> device.getOptional("SELECT 1 FROM todos WHERE id = ?", run + "-t3").isPresent());

            // Let go, its rows stay for its time to live, then go.
            work.unsubscribe();
            assertThat(device.getOptional("SELECT 1 FROM todos WHERE id = ?", run + "-t3")).isPresent();
            await().atMost(Duration.ofSeconds(20)).until(() -> device.getOptional("SELECT 1 FROM todos WHERE id = ?", run + "-t3").isEmpty());
            assertThat(device.getAll("SELECT id FROM todos ORDER BY id")).extracting(row -> row.get("id"))
                    .containsExactly(run + "-t1", run + "-t2");
        }
        // The app stopped holding the first one; reopened within its time to live, it still syncs it.
        try (PowerSyncDatabase device = PowerSyncDatabase.open(file, schema)) {
            device.connect(connector(token));
            db.execute("INSERT INTO " + SOURCE + ".todos (id, list_id, description, completed) VALUES ('" + run + "-t8', '" + run
                    + "-L1', 'After the restart', 0)");
            await().atMost(Duration.ofSeconds(30)).until(() -> device.getOptional("SELECT 1 FROM todos WHERE id = ?", run + "-t8").isPresent());
        }
    }

    /** The rows the official client holds for {@code token}'s user, subscribed to one list. */
    private String officialClientRows(String token, String listId) throws Exception {
        Path output = dir.resolve("client-witness.log");
        ProcessBuilder node = new ProcessBuilder(nodeExecutable(), "dump.mjs").directory(js.toFile())
                .redirectErrorStream(true).redirectOutput(output.toFile());
        node.environment().put("ENDPOINT", gateway);
        node.environment().put("TOKEN", token);
        node.environment().put("LIST_ID", listId);
        node.environment().put("DB_DIR", Files.createTempDirectory(dir, "witness").toString());
        Process process = node.start();
        assertThat(process.waitFor(3, TimeUnit.MINUTES)).isTrue();
        String log = Files.readString(output);
        assertThat(process.exitValue()).as(log).isZero();
        return log.lines().filter(line -> line.startsWith("ROWS ")).findFirst().orElseThrow().substring(5);
    }

    /** Rows as text with numbers as numbers, whichever client they come from. */
    private static String canonical(com.fasterxml.jackson.databind.JsonNode rows) {
        return rows.toString();
    }

    private static String rows(PowerSyncDatabase db) {
        return db.getAll("SELECT id, name, owner_id FROM lists ORDER BY id").toString()
                + db.getAll("SELECT id, list_id, description, completed FROM todos ORDER BY id")
                + db.getAll("SELECT id, title FROM announcements ORDER BY id");
    }

    /** Our client's connector: the gateway with a fixed token, uploads to the test backend. */
    private PowerSyncBackendConnector connector(String token) {
        String uploadUrl = "http://127.0.0.1:" + backend.getAddress().getPort() + "/upload";
        return new PowerSyncBackendConnector() {
            @Override
            public PowerSyncCredentials fetchCredentials() {
                return new PowerSyncCredentials(gateway, token);
            }

            @Override
            public void uploadData(PowerSyncDatabase database) throws Exception {
                Optional<CrudTransaction> transaction = database.nextCrudTransaction();
                if (transaction.isEmpty()) {
                    return;
                }
                ObjectNode body = JSON.createObjectNode();
                var ops = body.putArray("ops");
                for (CrudEntry entry : transaction.get().crud()) {
                    ObjectNode op = ops.addObject().put("op", entry.op().name()).put("table", entry.table()).put("id", entry.id());
                    op.set("data", JSON.valueToTree(entry.opData().orElse(Map.of())));
                }
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(uploadUrl))
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                        .build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 200) {
                    throw new IOException("upload answered " + response.statusCode() + ": " + response.body());
                }
                transaction.get().complete();
            }
        };
    }

    /** This run's rows: 3 announcements, the user's lists L1 and L2 and another's L3, two todos in L1 and one in L2. */
    private void seed(String run) {
        db.execute("INSERT INTO " + SOURCE + ".announcements (id, title) VALUES ('" + run + "-a1', 'Welcome'), ('" + run
                        + "-a2', 'Maintenance on Sunday'), ('" + run + "-a3', 'New features')",
                "INSERT INTO " + SOURCE + ".lists (id, name, owner_id) VALUES ('" + run + "-L1', 'Groceries', '" + run
                        + "-user'), ('" + run + "-L2', 'Work', '" + run + "-user'), ('" + run + "-L3', 'Not mine', 'someone-else')",
                "INSERT INTO " + SOURCE + ".todos (id, list_id, description, completed) VALUES ('" + run + "-t1', '" + run
                        + "-L1', 'Milk', 0), ('" + run + "-t2', '" + run + "-L1', 'Eggs', 1), ('" + run + "-t3', '" + run
                        + "-L2', 'Report', 0), ('" + run + "-t4', '" + run + "-L3', 'Not mine either', 0)");
    }

    // ---- the test backend: what a customer's API does with the client's upload queue

    private HttpServer startBackend() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/upload", exchange -> handle(exchange, this::upload));
        server.createContext("/source", exchange -> handle(exchange, this::source));
        server.start();
        return server;
    }

    private interface Handler {
        void handle(JsonNode body) throws Exception;
    }

    private void handle(HttpExchange exchange, Handler handler) throws IOException {
        int status;
        byte[] answer;
        try (InputStream in = exchange.getRequestBody()) {
            handler.handle(JSON.readTree(in));
            status = 200;
            answer = "{}".getBytes(StandardCharsets.UTF_8);
        } catch (Exception e) {
            status = 500;
            answer = String.valueOf(e.getMessage()).getBytes(StandardCharsets.UTF_8);
        }
        exchange.sendResponseHeaders(status, answer.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(answer);
        }
    }

    /** Applies a CRUD transaction ({@code PUT}, {@code PATCH}, {@code DELETE}) to the source tables, in one transaction. */
    private void upload(JsonNode body) throws Exception {
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(SOURCE), db.rootUser(), db.rootPassword())) {
            c.setAutoCommit(false);
            for (JsonNode op : body.get("ops")) {
                String table = op.get("table").asText();
                if (!List.of("announcements", "lists", "todos").contains(table)) {
                    throw new IllegalArgumentException("unknown table " + table);
                }
                List<String> columns = new ArrayList<>();
                List<String> values = new ArrayList<>();
                op.get("data").fields().forEachRemaining(field -> {
                    if (!field.getKey().matches("[a-z_]+")) {
                        throw new IllegalArgumentException("bad column " + field.getKey());
                    }
                    columns.add(field.getKey());
                    values.add(field.getValue().isNull() ? null : field.getValue().asText());
                });
                String id = op.get("id").asText();
                String sql = switch (op.get("op").asText()) {
                    case "PUT" -> "INSERT INTO " + table + " (id" + columns.stream().map(col -> ", " + col).reduce("", String::concat)
                            + ") VALUES (?" + ", ?".repeat(columns.size()) + ") ON DUPLICATE KEY UPDATE id = id"
                            + columns.stream().map(col -> ", " + col + " = VALUES(" + col + ")").reduce("", String::concat);
                    case "PATCH" -> "UPDATE " + table + " SET " + String.join(", ", columns.stream().map(col -> col + " = ?").toList())
                            + " WHERE id = ?";
                    case "DELETE" -> "DELETE FROM " + table + " WHERE id = ?";
                    default -> throw new IllegalArgumentException("unknown op " + op.get("op"));
                };
                try (PreparedStatement statement = c.prepareStatement(sql)) {
                    int i = 1;
                    if (op.get("op").asText().equals("PUT")) {
                        statement.setString(i++, id);
                    }
                    if (!op.get("op").asText().equals("DELETE")) {
                        for (String value : values) {
                            statement.setString(i++, value);
                        }
                    }
                    if (!op.get("op").asText().equals("PUT")) {
                        statement.setString(i, id);
                    }
                    statement.executeUpdate();
                }
            }
            c.commit();
        }
    }

    /** A statement some other writer of the source database runs. */
    private void source(JsonNode body) throws Exception {
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(SOURCE), db.rootUser(), db.rootPassword());
             PreparedStatement statement = c.prepareStatement(body.get("sql").asText())) {
            int i = 1;
            for (JsonNode parameter : body.path("params")) {
                statement.setString(i++, parameter.asText());
            }
            statement.executeUpdate();
        }
    }

    // ---- processes

    /** The client and its dependencies, from the lock file, in target/compat/js (installed once). */
    private Path installClient() throws Exception {
        return NodePackages.install(Path.of("js").toAbsolutePath(), dir.resolve("js"), List.of("compat.mjs", "dump.mjs"),
                java.util.Optional.empty());
    }

    private static String nodeExecutable() {
        return "node";
    }

    private static String hs256(String claims) {
        return DevTokens.signClaims(SECRET.getBytes(StandardCharsets.UTF_8), claims);
    }
}

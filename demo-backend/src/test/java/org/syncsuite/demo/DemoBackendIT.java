package org.syncsuite.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.helidon.microprofile.server.Server;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.syncsuite.services.DevTokens;
import org.syncsuite.services.EmbeddedMariaDb;
import org.syncsuite.services.Ports;
import org.syncsuite.services.junit.WithBackingServices;

/**
 * The demo backend in this JVM (Helidon MP, Hibernate, MicroProfile JWT) on the embedded MariaDB
 * with the demo schema: tokens, batches applied in one transaction, refusals answered 200 with
 * their reasons, last-write-wins per column, and a failing database answered 503 with nothing
 * applied.
 */
@WithBackingServices
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DemoBackendIT {

    private static final String DATABASE = "demo_backend_it";
    private static final byte[] SECRET = "demo backend test key, 32 bytes or more".getBytes(StandardCharsets.UTF_8);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final EmbeddedMariaDb db;
    private final HttpClient http = HttpClient.newHttpClient();
    private Server server;
    private String url;

    DemoBackendIT(EmbeddedMariaDb db) {
        this.db = db;
    }

    @BeforeAll
    void start() {
        db.createDatabase(DATABASE);
        db.execute(DemoSchema.statements(DATABASE).toArray(String[]::new));
        System.setProperty("javax.sql.DataSource.demo.dataSource.url", db.jdbcUrl(DATABASE));
        System.setProperty("javax.sql.DataSource.demo.dataSource.user", db.rootUser());
        System.setProperty("javax.sql.DataSource.demo.dataSource.password", db.rootPassword());
        System.setProperty("mp.jwt.verify.publickey", DevTokens.jwks(SECRET));
        System.setProperty(DemoBackendMain.OBJECT_STORE, java.nio.file.Path.of("target", "transactions").toAbsolutePath().toString());
        System.setProperty("server.port", Integer.toString(Ports.free()));
        server = Server.builder().build().start();
        url = "http://127.0.0.1:" + server.port();
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.stop();
        }
    }

    @Test
    void tokensAreChecked() throws Exception {
        String batch = "{\"batch\":[]}";
        assertThat(post(null, batch).statusCode()).isEqualTo(401);
        assertThat(post(DevTokens.sign("another key, also 32 bytes or more".getBytes(StandardCharsets.UTF_8), "u", 60), batch)
                .statusCode()).isEqualTo(401);
        assertThat(post(DevTokens.sign(SECRET, "u", -120), batch).statusCode()).as("expired").isEqualTo(401);
        long now = System.currentTimeMillis() / 1000;
        assertThat(post(DevTokens.signClaims(SECRET, "{\"sub\":\"u\",\"aud\":\"elsewhere\",\"iat\":" + now + ",\"exp\":"
                + (now + 60) + "}"), batch).statusCode()).as("another audience").isEqualTo(401);
        HttpResponse<String> ok = post(token("u"), batch);
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(ok.body()).get("applied").asInt()).isZero();
    }

    @Test
    void appliesABatchInOrder() throws Exception {
        String user = "user-" + UUID.randomUUID();
        String list = id();
        String todo = id();
        JsonNode result = ok(user,
                put("lists", list, Map.of("name", "Groceries", "owner_id", user, "created_at", "2026-11-25T10:00:00.123Z")),
                put("todos", todo, Map.of("list_id", list, "description", "Milk", "completed", 0)),
                patch("todos", todo, Map.of("completed", 1, "completed_at", "2026-11-25T12:30:00+02:00", "completed_by", user)));
        assertThat(result.get("applied").asInt()).isEqualTo(3);
        assertThat(result.get("rejected")).isEmpty();
        assertThat(row("SELECT name, owner_id, created_at FROM lists WHERE id = '" + list + "'"))
                .containsExactly("Groceries", user, "2026-11-25 10:00:00.123");
        assertThat(row("SELECT description, completed, completed_at, completed_by, created_by FROM todos WHERE id = '" + todo + "'"))
                .containsExactly("Milk", "1", "2026-11-25 10:30:00", user, user);

        JsonNode deleted = ok(user, delete("lists", list), delete("todos", id()));
        assertThat(deleted.get("applied").asInt()).as("deleting what is gone succeeds").isEqualTo(2);
        assertThat(count("SELECT COUNT(*) FROM todos WHERE list_id = '" + list + "'")).as("a list's todos go with it").isZero();
        assertThat(count("SELECT COUNT(*) FROM lists WHERE id = '" + list + "'")).isZero();
    }

    @Test
    void validationErrorsAreAnswered200WithTheirReasonAndTheRestApplies() throws Exception {
        String alice = "alice-" + UUID.randomUUID();
        String bob = "bob-" + UUID.randomUUID();
        String aliceList = id();
        ok(alice, put("lists", aliceList, Map.of("name", "Alice's", "owner_id", alice)));
        String bobList = id();
        JsonNode result = ok(bob,
                put("todos", id(), Map.of("list_id", aliceList, "description", "sneaky")),
                put("lists", bobList, Map.of("name", "Bob's")),
                put("lists", id(), Map.of("name", "Not for Alice", "owner_id", alice)),
                patch("lists", aliceList, Map.of("name", "Taken")),
                delete("lists", aliceList),
                put("todos", id(), Map.of("list_id", bobList)),
                put("todos", id(), Map.of("list_id", bobList, "description", "x", "completed", 2)),
                put("todos", id(), Map.of("list_id", bobList, "description", "x", "created_at", "yesterday")),
                put("todos", id(), Map.of("list_id", bobList, "description", "x", "colour", "red")),
                put("notes", id(), Map.of("text", "hello")),
                patch("todos", id(), Map.of("description", "never uploaded")),
                put("todos", id(), Map.of("list_id", bobList, "description", "Bob's first")));
        assertThat(result.get("applied").asInt()).isEqualTo(2);
        List<String> reasons = new ArrayList<>();
        for (JsonNode rejection : result.get("rejected")) {
            reasons.add(rejection.get("index").asInt() + " " + rejection.get("reason").asText());
        }
        assertThat(reasons).hasSize(10);
        assertThat(reasons.get(0)).startsWith("0 list " + aliceList + " is not yours");
        assertThat(reasons.get(1)).startsWith("2 owner_id must be the signed-in user");
        assertThat(reasons.get(2)).isEqualTo("3 list " + aliceList + " belongs to another user");
        assertThat(reasons.get(3)).isEqualTo("4 list " + aliceList + " belongs to another user");
        assertThat(reasons.get(4)).isEqualTo("5 todos.description is required");
        assertThat(reasons.get(5)).startsWith("6 todos.completed must be 0 or 1");
        assertThat(reasons.get(6)).startsWith("7 todos.created_at must be an ISO-8601 date and time");
        assertThat(reasons.get(7)).isEqualTo("8 unknown column todos.colour");
        assertThat(reasons.get(8)).startsWith("9 unknown table notes");
        assertThat(reasons.get(9)).startsWith("10 no todo ");
        assertThat(row("SELECT name, owner_id FROM lists WHERE id = '" + aliceList + "'")).containsExactly("Alice's", alice);
        assertThat(count("SELECT COUNT(*) FROM lists WHERE owner_id = '" + bob + "'")).isEqualTo(1);
        assertThat(count("SELECT COUNT(*) FROM todos WHERE list_id = '" + bobList + "'")).isEqualTo(1);
        assertThat(count("SELECT COUNT(*) FROM todos WHERE list_id = '" + aliceList + "'")).isZero();
    }

    @Test
    void lastWriteWinsPerColumn() throws Exception {
        String user = "user-" + UUID.randomUUID();
        String list = id();
        String todo = id();
        ok(user, put("lists", list, Map.of("name", "Home")),
                put("todos", todo, Map.of("list_id", list, "description", "Paint", "photo_id", "p-1")));
        // two devices edited the todo offline: one its description, the other its completion
        ok(user, patch("todos", todo, Map.of("description", "Paint the fence")));
        ok(user, patch("todos", todo, Map.of("completed", 1)));
        assertThat(row("SELECT description, completed, photo_id FROM todos WHERE id = '" + todo + "'"))
                .containsExactly("Paint the fence", "1", "p-1");
        // both changed the description: the one that arrives last wins
        ok(user, patch("todos", todo, Map.of("description", "first")));
        ok(user, patch("todos", todo, Map.of("description", "second")));
        assertThat(row("SELECT description FROM todos WHERE id = '" + todo + "'")).containsExactly("second");
        // a PUT sets every column
        ok(user, put("todos", todo, Map.of("list_id", list, "description", "Whole row")));
        assertThat(row("SELECT description, completed, photo_id FROM todos WHERE id = '" + todo + "'"))
                .containsExactly("Whole row", "0", null);
    }

    @Test
    void anUploadSentAgainAfterItsAnswerWasLostIsNotAppliedTwice() throws Exception {
        String user = "user-" + UUID.randomUUID();
        String list = id();
        String todo = id();
        String phone = "phone-" + UUID.randomUUID();
        ok(user, put("lists", list, Map.of("name", "Home")), put("todos", todo, Map.of("list_id", list, "description", "v1")));
        // The phone's edit is applied, but its answer is lost; meanwhile the laptop edits the same column.
        String phoneEdit = "{\"client_id\":\"" + phone + "\",\"batch\":[" + numbered(7, patch("todos", todo,
                Map.of("description", "from the phone"))) + "]}";
        assertThat(JSON.readTree(post(token(user), phoneEdit).body()).get("applied").asInt()).isEqualTo(1);
        ok(user, patch("todos", todo, Map.of("description", "from the laptop")));
        // The phone's queue sends the same entry again: it is recognised and skipped, the laptop's edit stays.
        JsonNode again = JSON.readTree(post(token(user), phoneEdit).body());
        assertThat(again.get("applied").asInt()).isZero();
        assertThat(again.get("duplicates").asInt()).isEqualTo(1);
        assertThat(row("SELECT description FROM todos WHERE id = '" + todo + "'")).containsExactly("from the laptop");
        // The same number with other content (a queue that started over) is a new entry; another user's client is apart.
        String restarted = "{\"client_id\":\"" + phone + "\",\"batch\":[" + numbered(7, patch("todos", todo,
                Map.of("description", "after a reset"))) + "]}";
        assertThat(JSON.readTree(post(token(user), restarted).body()).get("applied").asInt()).isEqualTo(1);
        assertThat(row("SELECT description FROM todos WHERE id = '" + todo + "'")).containsExactly("after a reset");
        String other = "user-" + UUID.randomUUID();
        String otherList = id();
        String sameNumbers = "{\"client_id\":\"" + phone + "\",\"batch\":[" + numbered(7, put("lists", otherList,
                Map.of("name", "Other"))) + "]}";
        assertThat(JSON.readTree(post(token(other), sameNumbers).body()).get("applied").asInt()).isEqualTo(1);
        assertThat(count("SELECT COUNT(*) FROM upload_ledger WHERE client_id = '" + phone + "'")).isEqualTo(2);
        HttpResponse<String> badId = post(token(user), "{\"client_id\":7,\"batch\":[]}");
        assertThat(badId.statusCode()).as(badId.body()).isEqualTo(400);
    }

    private static String numbered(long opId, String entry) {
        return "{\"op_id\":" + opId + "," + entry.substring(1);
    }

    @Test
    void malformedBodiesAre400() throws Exception {
        for (String body : List.of("not json", "{}", "{\"batch\":[{\"op\":\"UPSERT\",\"type\":\"lists\",\"id\":\"x\"}]}",
                "{\"batch\":[{\"op\":\"PUT\",\"type\":\"lists\"}]}", "{\"batch\":[{\"op\":\"PUT\",\"type\":\"lists\",\"id\":\"x\",\"data\":7}]}")) {
            HttpResponse<String> response = post(token("u"), body);
            assertThat(response.statusCode()).as(body).isEqualTo(400);
            assertThat(JSON.readTree(response.body()).get("code").asText()).isEqualTo("BAD_BATCH");
        }
    }

    @Test
    void aFailingDatabaseIsAnswered503AndNothingOfTheBatchIsApplied() throws Exception {
        String user = "user-" + UUID.randomUUID();
        String list = id();
        String[] batch = {put("lists", list, Map.of("name", "Atomic")),
                put("todos", id(), Map.of("list_id", list, "description", "one"))};
        db.execute("RENAME TABLE " + DATABASE + ".todos TO " + DATABASE + ".todos_away");
        try {
            HttpResponse<String> failed = post(token(user), batch(batch));
            assertThat(failed.statusCode()).isEqualTo(503);
            assertThat(JSON.readTree(failed.body()).get("code").asText()).isEqualTo("DATABASE_UNAVAILABLE");
        } finally {
            db.execute("RENAME TABLE " + DATABASE + ".todos_away TO " + DATABASE + ".todos");
        }
        assertThat(count("SELECT COUNT(*) FROM lists WHERE id = '" + list + "'")).isZero();
        assertThat(ok(user, batch).get("applied").asInt()).as("the retry").isEqualTo(2);
    }

    @Test
    void readyWhileTheDatabaseAnswers() throws Exception {
        HttpResponse<String> ready = http.send(HttpRequest.newBuilder(URI.create(url + "/health/ready")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
        assertThat(ready.body()).contains("demo-database");
    }

    // ---- helpers

    private static String id() {
        return UUID.randomUUID().toString();
    }

    private static String token(String user) {
        return DevTokens.sign(SECRET, user, 600);
    }

    private static String put(String table, String id, Map<String, Object> data) throws Exception {
        return entry("PUT", table, id, data);
    }

    private static String patch(String table, String id, Map<String, Object> data) throws Exception {
        return entry("PATCH", table, id, data);
    }

    private static String delete(String table, String id) throws Exception {
        return entry("DELETE", table, id, null);
    }

    private static String entry(String op, String table, String id, Map<String, Object> data) throws Exception {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("op", op);
        entry.put("type", table);
        entry.put("id", id);
        if (data != null) {
            entry.put("data", data);
        }
        return JSON.writeValueAsString(entry);
    }

    private static String batch(String... entries) {
        return "{\"batch\":[" + String.join(",", entries) + "]}";
    }

    private JsonNode ok(String user, String... entries) throws Exception {
        HttpResponse<String> response = post(token(user), batch(entries));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private HttpResponse<String> post(String token, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url + "/api/data"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private List<String> row(String sql) throws Exception {
        try (Connection c = db.rootConnection(DATABASE); Statement statement = c.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
            assertThat(rows.next()).as(sql).isTrue();
            List<String> values = new ArrayList<>();
            for (int i = 1; i <= rows.getMetaData().getColumnCount(); i++) {
                values.add(rows.getString(i));
            }
            return values;
        }
    }

    private long count(String sql) throws Exception {
        return Long.parseLong(row(sql).getFirst());
    }
}

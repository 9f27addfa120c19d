package org.syncsuite.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.syncsuite.attachments.AttachmentsMain;
import org.syncsuite.client.Column;
import org.syncsuite.client.CrudEntry;
import org.syncsuite.client.CrudTransaction;
import org.syncsuite.client.PowerSyncBackendConnector;
import org.syncsuite.client.PowerSyncCredentials;
import org.syncsuite.client.PowerSyncDatabase;
import org.syncsuite.client.Schema;
import org.syncsuite.client.Table;
import org.syncsuite.client.attachments.Attachment;
import org.syncsuite.client.attachments.AttachmentQueue;
import org.syncsuite.client.attachments.AttachmentState;
import org.syncsuite.client.attachments.AttachmentTable;
import org.syncsuite.client.attachments.AttachmentsServiceStorage;
import org.syncsuite.client.attachments.RemoteStorage;
import org.syncsuite.demo.DemoBackendMain;
import org.syncsuite.demo.DemoSchema;
import org.syncsuite.gateway.GatewayMain;
import org.syncsuite.replicator.ReplicatorMain;
import org.syncsuite.services.DevTokens;
import org.syncsuite.services.EmbeddedKafka;
import org.syncsuite.services.EmbeddedMariaDb;
import org.syncsuite.services.EmbeddedS3;
import org.syncsuite.services.Ports;
import org.syncsuite.services.ServiceYaml;
import org.syncsuite.services.junit.WithBackingServices;

/**
 * The demo app end to end, as {@code powersync stack start} runs it: the demo schema and sync
 * config on MariaDB, the replicator, the sync gateway and the demo backend in processes of their
 * own, and devices running our Java client whose upload queue goes to the demo backend with the
 * same token they sync with. Users see only their own lists; edits made offline go up after
 * reconnecting and reach the user's other device; a write the backend refuses is reported and
 * disappears from the device; concurrent offline edits resolve last-write-wins per column; and a
 * photo saved offline through the attachment queue reaches S3 through the attachments service
 * after reconnecting, and the user's other device downloads the same bytes.
 */
@WithBackingServices
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DemoAppIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "demo app test development key, 32+ bytes";
    private static final String SOURCE = "demoapp";
    private static final Schema SCHEMA = Schema.of(
            Table.of("lists", Column.text("created_at"), Column.text("name"), Column.text("owner_id")),
            Table.of("todos", Column.text("created_at"), Column.text("completed_at"), Column.text("description"),
                    Column.integer("completed"), Column.text("created_by"), Column.text("completed_by"),
                    Column.text("list_id"), Column.text("photo_id")),
            AttachmentTable.create());

    private final EmbeddedMariaDb db;
    private final EmbeddedKafka kafka;
    private final EmbeddedS3 s3;
    private final HttpClient http = HttpClient.newHttpClient();
    private SuiteProcesses processes;
    /** Every refusal the backend reported, as "user: reason". */
    private final List<String> refusals = new CopyOnWriteArrayList<>();
    private Path dir;
    private String gateway;
    private String backend;
    private String attachments;

    DemoAppIT(EmbeddedMariaDb db, EmbeddedKafka kafka, EmbeddedS3 s3) {
        this.db = db;
        this.kafka = kafka;
        this.s3 = s3;
    }

    @BeforeAll
    void startTheSuite() throws Exception {
        dir = Files.createDirectories(Path.of("target", "demo-app").toAbsolutePath());
        db.createDatabase(SOURCE);
        db.execute(DemoSchema.statements(SOURCE).toArray(String[]::new));
        Path yaml = dir.resolve("service.yaml");
        Files.writeString(yaml, new ServiceYaml().source(db, SOURCE, db.replicationUser(), db.replicationPassword())
                .storage(db, "demoapp_storage", db.rootUser(), db.rootPassword()).kafka(kafka, "demoapp").hs256(SECRET)
                .attachments(s3, "demoapp-attachments", "database: {hostname: " + db.host() + ", port: " + db.port()
                        + ", database: demoapp_attachments, username: " + db.rootUser() + ", password: \"" + db.rootPassword() + "\"}")
                .syncConfigContent(DemoSchema.syncConfig()).text());
        Path backendConfig = dir.resolve("demo-backend.properties");
        Properties properties = new Properties();
        properties.setProperty("javax.sql.DataSource.demo.dataSource.url", db.jdbcUrl(SOURCE));
        properties.setProperty("javax.sql.DataSource.demo.dataSource.user", db.rootUser());
        properties.setProperty("javax.sql.DataSource.demo.dataSource.password", db.rootPassword());
        properties.setProperty("mp.jwt.verify.publickey", DevTokens.jwks(SECRET.getBytes(StandardCharsets.UTF_8)));
        properties.setProperty(DemoBackendMain.OBJECT_STORE, dir.resolve("transactions").toString());
        try (Writer out = Files.newBufferedWriter(backendConfig)) {
            properties.store(out, null);
        }
        int gatewayPort = Ports.free();
        int backendPort = Ports.free();
        int attachmentsPort = Ports.free();
        processes = new SuiteProcesses(dir);
        processes.launch("replicator", ReplicatorMain.class, List.of("-c", yaml.toString()), Ports.free(),
                SuiteProcesses.withoutServices("sync-gateway"));
        processes.launch("gateway", GatewayMain.class, List.of("-c", yaml.toString()), gatewayPort,
                SuiteProcesses.withoutServices("replicator"));
        processes.launch("demo-backend", DemoBackendMain.class, List.of("--config", backendConfig.toString()), backendPort,
                "replicator", "sync-gateway", "attachments-service");
        processes.launch("attachments", AttachmentsMain.class, List.of("-c", yaml.toString()), attachmentsPort,
                "replicator", "sync-gateway", "demo-backend");
        gateway = "http://127.0.0.1:" + gatewayPort;
        backend = "http://127.0.0.1:" + backendPort;
        attachments = "http://127.0.0.1:" + attachmentsPort;
        await().atMost(Duration.ofSeconds(120)).until(() -> processes.status(gateway + "/probes/readiness") == 200
                && processes.status(backend + "/health/ready") == 200 && processes.status(attachments + "/health/ready") == 200);
    }

    @AfterAll
    void stopTheSuite() throws InterruptedException {
        if (processes != null) {
            processes.close();
        }
    }

    @Test
    void eachUserSeesOnlyTheirOwnListsAndOfflineEditsReachTheirOtherDevice() throws Exception {
        String alice = user("alice");
        String bob = user("bob");
        Path folder = Files.createTempDirectory(dir, "devices");
        try (PowerSyncDatabase phone = device(folder, "alice-phone", alice);
             PowerSyncDatabase laptop = device(folder, "alice-laptop", alice);
             PowerSyncDatabase bobs = device(folder, "bob-phone", bob)) {
            // Alice writes on her phone: the backend applies it, and her laptop syncs it.
            String groceries = UUID.randomUUID().toString();
            String milk = UUID.randomUUID().toString();
            phone.writeTransaction(tx -> {
                tx.execute("INSERT INTO lists (id, name, owner_id, created_at) VALUES (?, 'Groceries', ?, ?)", groceries, alice,
                        "2026-11-25T08:00:00.000Z");
                tx.execute("INSERT INTO todos (id, list_id, description, completed, created_by) VALUES (?, ?, 'Milk', 0, ?)",
                        milk, groceries, alice);
                return null;
            });
            await().atMost(Duration.ofSeconds(30)).until(() -> phone.uploadQueueSize() == 0
                    && laptop.getOptional("SELECT 1 FROM todos WHERE id = ?", milk).isPresent());
            assertThat(source("SELECT name, owner_id FROM lists WHERE id = ?", groceries)).containsExactly("Groceries", alice);
            assertThat(laptop.get("SELECT name, owner_id, created_at FROM lists WHERE id = ?", groceries))
                    .containsEntry("name", "Groceries").containsEntry("created_at", "2026-11-25T08:00:00.000Z");

            // Bob writes his own list; he never sees Alice's, nor she his.
            String work = UUID.randomUUID().toString();
            bobs.execute("INSERT INTO lists (id, name, owner_id) VALUES (?, 'Work', ?)", work, bob);
            await().atMost(Duration.ofSeconds(30)).until(() -> bobs.uploadQueueSize() == 0
                    && source("SELECT name FROM lists WHERE id = ?", work).equals(List.of("Work"))
                    && bobs.currentStatus().lastSyncedAt().isPresent());
            String report = UUID.randomUUID().toString();
            bobs.execute("INSERT INTO todos (id, list_id, description, completed) VALUES (?, ?, 'Report', 0)", report, work);
            await().atMost(Duration.ofSeconds(30)).until(() -> bobs.uploadQueueSize() == 0 && bobs.currentStatus().uploadError().isEmpty());
            assertThat(bobs.getAll("SELECT id FROM lists")).extracting(row -> row.get("id")).containsExactly(work);
            assertThat(bobs.getAll("SELECT id FROM todos")).extracting(row -> row.get("id")).containsExactly(report);
            assertThat(phone.getAll("SELECT id FROM lists")).extracting(row -> row.get("id")).containsExactly(groceries);

            // The laptop goes offline; its edits wait in the queue and go up on reconnecting.
            laptop.disconnect();
            String bread = UUID.randomUUID().toString();
            laptop.execute("INSERT INTO todos (id, list_id, description, completed) VALUES (?, ?, 'Bread', 0)", bread, groceries);
            laptop.execute("UPDATE todos SET completed = 1, completed_by = ? WHERE id = ?", alice, milk);
            assertThat(laptop.uploadQueueSize()).isEqualTo(2);
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                    .until(() -> phone.getOptional("SELECT 1 FROM todos WHERE id = ?", bread).isEmpty());
            laptop.connect(connector(alice));
            await().atMost(Duration.ofSeconds(30)).until(() -> laptop.uploadQueueSize() == 0
                    && phone.getOptional("SELECT 1 FROM todos WHERE id = ?", bread).isPresent()
                    && Long.valueOf(1).equals(phone.get("SELECT completed FROM todos WHERE id = ?", milk).get("completed")));
            await().atMost(Duration.ofSeconds(20)).until(() -> rows(phone).equals(rows(laptop)));
            assertThat(source("SELECT completed, completed_by FROM todos WHERE id = ?", milk)).containsExactly("1", alice);
            assertThat(refusals).noneMatch(refusal -> refusal.startsWith(alice) || refusal.startsWith(bob));
        }
    }

    @Test
    void aWriteTheBackendRefusesIsReportedAndLeavesTheDevice() throws Exception {
        String carol = user("carol");
        String dave = user("dave");
        Path folder = Files.createTempDirectory(dir, "devices");
        try (PowerSyncDatabase carols = device(folder, "carol", carol); PowerSyncDatabase daves = device(folder, "dave", dave)) {
            String list = UUID.randomUUID().toString();
            carols.execute("INSERT INTO lists (id, name, owner_id) VALUES (?, 'Private', ?)", list, carol);
            await().atMost(Duration.ofSeconds(30)).until(() -> !source("SELECT name FROM lists WHERE id = ?", list).isEmpty());

            // Dave knows the list's id and writes into it, and a list in Carol's name.
            String intruder = UUID.randomUUID().toString();
            String forged = UUID.randomUUID().toString();
            String own = UUID.randomUUID().toString();
            daves.execute("INSERT INTO todos (id, list_id, description, completed) VALUES (?, ?, 'Intruder', 0)", intruder, list);
            daves.execute("INSERT INTO lists (id, name, owner_id) VALUES (?, 'Forged', ?)", forged, carol);
            daves.execute("INSERT INTO lists (id, name, owner_id) VALUES (?, 'Mine', ?)", own, dave);
            assertThat(daves.getOptional("SELECT 1 FROM todos WHERE id = ?", intruder)).isPresent();

            // The backend answers 200 with the reasons: the queue goes on, the refused rows leave the device.
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(daves.uploadQueueSize()).as("upload queue, " + daves.currentStatus()).isZero();
                assertThat(daves.getAll("SELECT id FROM lists")).as("Dave's lists").extracting(row -> row.get("id"))
                        .containsExactly(own);
                assertThat(daves.getAll("SELECT id FROM todos")).as("Dave's todos").isEmpty();
            });
            assertThat(daves.currentStatus().uploadError()).isEmpty();
            assertThat(refusals).contains(dave + ": list " + list + " is not yours, or does not exist")
                    .anyMatch(refusal -> refusal.startsWith(dave + ": owner_id must be the signed-in user"));
            assertThat(source("SELECT COUNT(*) FROM todos WHERE id = ?", intruder)).containsExactly("0");
            assertThat(source("SELECT COUNT(*) FROM lists WHERE id = ?", forged)).containsExactly("0");
            assertThat(carols.getAll("SELECT id FROM lists")).extracting(row -> row.get("id")).containsExactly(list);
            assertThat(carols.getAll("SELECT id FROM todos")).isEmpty();
        }
    }

    @Test
    void concurrentOfflineEditsResolveLastWriteWinsPerColumn() throws Exception {
        String erin = user("erin");
        Path folder = Files.createTempDirectory(dir, "devices");
        try (PowerSyncDatabase phone = device(folder, "erin-phone", erin);
             PowerSyncDatabase laptop = device(folder, "erin-laptop", erin)) {
            String list = UUID.randomUUID().toString();
            String todo = UUID.randomUUID().toString();
            phone.execute("INSERT INTO lists (id, name, owner_id) VALUES (?, 'Chores', ?)", list, erin);
            phone.execute("INSERT INTO todos (id, list_id, description, completed) VALUES (?, ?, 'Paint', 0)", todo, list);
            await().atMost(Duration.ofSeconds(30)).until(() -> laptop.getOptional("SELECT 1 FROM todos WHERE id = ?", todo).isPresent());

            // Both devices change the description offline; the laptop also completes the todo.
            phone.disconnect();
            laptop.disconnect();
            phone.execute("UPDATE todos SET description = 'Paint the fence' WHERE id = ?", todo);
            laptop.execute("UPDATE todos SET description = 'Paint the shed', completed = 1 WHERE id = ?", todo);
            phone.connect(connector(erin));
            await().atMost(Duration.ofSeconds(30)).until(() -> phone.uploadQueueSize() == 0
                    && source("SELECT description FROM todos WHERE id = ?", todo).equals(List.of("Paint the fence")));
            laptop.connect(connector(erin));
            // The laptop's edit arrives last and wins on both devices.
            await().atMost(Duration.ofSeconds(30)).until(() -> laptop.uploadQueueSize() == 0
                    && "Paint the shed".equals(phone.get("SELECT description FROM todos WHERE id = ?", todo).get("description")));

            // Different columns edited offline on each device: both edits survive.
            phone.disconnect();
            laptop.disconnect();
            phone.execute("UPDATE todos SET completed = 0 WHERE id = ?", todo);
            laptop.execute("UPDATE todos SET description = 'Paint the shed green' WHERE id = ?", todo);
            laptop.connect(connector(erin));
            await().atMost(Duration.ofSeconds(30)).until(() -> laptop.uploadQueueSize() == 0);
            phone.connect(connector(erin));
            await().atMost(Duration.ofSeconds(30)).until(() -> phone.uploadQueueSize() == 0
                    && rows(phone).equals(rows(laptop))
                    && "Paint the shed green".equals(phone.get("SELECT description FROM todos WHERE id = ?", todo).get("description")));
            assertThat(phone.get("SELECT completed FROM todos WHERE id = ?", todo)).containsEntry("completed", 0L);
            assertThat(source("SELECT description, completed FROM todos WHERE id = ?", todo))
                    .containsExactly("Paint the shed green", "0");
        }
    }

    @Test
    void aPhotoSavedOfflineReachesTheUsersOtherDeviceAndNoOtherUser() throws Exception {
        String judy = user("judy");
        String mallory = user("mallory");
        Path folder = Files.createTempDirectory(dir, "devices");
        java.util.concurrent.atomic.AtomicBoolean phoneOnline = new java.util.concurrent.atomic.AtomicBoolean(true);
        try (PowerSyncDatabase phone = device(folder, "judy-phone", judy);
             PowerSyncDatabase laptop = device(folder, "judy-laptop", judy);
             AttachmentQueue phoneFiles = files(phone, folder.resolve("phone-files"), judy, phoneOnline);
             AttachmentQueue laptopFiles = files(laptop, folder.resolve("laptop-files"), judy, new java.util.concurrent.atomic.AtomicBoolean(true))) {
            phoneFiles.start();
            laptopFiles.start();
            String list = UUID.randomUUID().toString();
            String todo = UUID.randomUUID().toString();
            phone.execute("INSERT INTO lists (id, name, owner_id) VALUES (?, 'Garden', ?)", list, judy);
            phone.execute("INSERT INTO todos (id, list_id, description, completed) VALUES (?, ?, 'Fix the fence', 0)", todo, list);
            await().atMost(Duration.ofSeconds(30)).until(() -> laptop.getOptional("SELECT 1 FROM todos WHERE id = ?", todo).isPresent());

            // Offline, the phone takes a photo of the fence and attaches it to the todo in one transaction.
            phone.disconnect();
            phoneOnline.set(false);
            byte[] photo = new byte[512 * 1024];
            new java.util.Random(42).nextBytes(photo);
            Attachment saved = phoneFiles.saveFile(photo, "image/jpeg", "jpg", "{\"taken\":\"offline\"}",
                    (tx, attachment) -> tx.execute("UPDATE todos SET photo_id = ? WHERE id = ?", attachment.id(), todo));
            assertThat(phone.get("SELECT photo_id FROM todos WHERE id = ?", todo)).containsEntry("photo_id", saved.id());
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() ->
                    phoneFiles.getAttachment(saved.id()).orElseThrow().state() == AttachmentState.QUEUED_UPLOAD);
            assertThat(status(attachments + "/attachments/" + saved.id(), judy)).isEqualTo(404);

            // Back online: the photo lands in S3, the row reaches the laptop, whose queue downloads the same bytes.
            phoneOnline.set(true);
            phone.connect(connector(judy));
            phoneFiles.syncNow();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(phoneFiles.getAttachment(saved.id()).orElseThrow()
                    .state()).as(phoneFiles.lastError(saved.id()) + " " + phoneFiles.currentStatus()).isEqualTo(AttachmentState.SYNCED));
            HttpResponse<byte[]> stored = http.send(HttpRequest.newBuilder(URI.create(attachments + "/attachments/" + saved.id()))
                    .header("Authorization", "Bearer " + token(judy)).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(stored.statusCode()).isEqualTo(200);
            assertThat(sha256(stored.body())).isEqualTo(sha256(photo));
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(laptop.get("SELECT photo_id FROM todos WHERE id = ?",
                    todo)).containsEntry("photo_id", saved.id()));
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(laptopFiles.getAttachment(saved.id())
                    .map(Attachment::state)).as(laptopFiles.lastError(saved.id()) + " " + laptopFiles.currentStatus())
                    .contains(AttachmentState.SYNCED));
            Attachment downloaded = laptopFiles.getAttachment(saved.id()).orElseThrow();
            assertThat(laptop.get("SELECT photo_id FROM todos WHERE id = ?", todo)).containsEntry("photo_id", saved.id());
            assertThat(sha256(Files.readAllBytes(Path.of(downloaded.localUri())))).isEqualTo(sha256(photo));

            // Another user, who knows the id, is refused.
            assertThat(status(attachments + "/attachments/" + saved.id(), mallory)).isEqualTo(403);
        }
    }

    private AttachmentQueue files(PowerSyncDatabase device, Path directory, String user, java.util.concurrent.atomic.AtomicBoolean online) {
        RemoteStorage service = new AttachmentsServiceStorage(URI.create(attachments), () -> token(user));
        RemoteStorage network = new RemoteStorage() {
            @Override
            public void uploadFile(java.io.InputStream data, Attachment attachment) throws Exception {
                requireOnline();
                service.uploadFile(data, attachment);
            }

            @Override
            public java.io.InputStream downloadFile(Attachment attachment) throws Exception {
                requireOnline();
                return service.downloadFile(attachment);
            }

            @Override
            public void deleteFile(Attachment attachment) throws Exception {
                requireOnline();
                service.deleteFile(attachment);
            }

            private void requireOnline() throws IOException {
                if (!online.get()) {
                    throw new java.net.ConnectException("offline");
                }
            }
        };
        return AttachmentQueue.builder(device, network).storageDirectory(directory)
                .watchedAttachments("SELECT photo_id AS id, 'jpg' AS file_extension FROM todos WHERE photo_id IS NOT NULL")
                .retryBackoff(Duration.ofMillis(200), Duration.ofSeconds(1)).build();
    }

    private static String token(String user) {
        return DevTokens.sign(SECRET.getBytes(StandardCharsets.UTF_8), user, 3600);
    }

    private int status(String url, String user) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token(user)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static String sha256(byte[] bytes) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    // ---- devices and their connector

    private static String user(String name) {
        return name + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private PowerSyncDatabase device(Path folder, String name, String user) throws InterruptedException {
        PowerSyncDatabase device = PowerSyncDatabase.open(folder.resolve(name + ".db"), SCHEMA);
        device.connect(connector(user));
        assertThat(device.waitForFirstSync(Duration.ofSeconds(60))).as(name + ": " + device.currentStatus()).isTrue();
        return device;
    }

    private static String rows(PowerSyncDatabase device) {
        return device.getAll("SELECT id, name, owner_id, created_at FROM lists ORDER BY id").toString()
                + device.getAll("SELECT id, list_id, description, completed, completed_by FROM todos ORDER BY id");
    }

    /**
     * What an app's connector does: credentials for the gateway, and the upload queue, one
     * transaction at a time, to the backend with the same token; refusals are logged, not retried.
     */
    private PowerSyncBackendConnector connector(String user) {
        String token = token(user);
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
                ArrayNode batch = body.putArray("batch");
                for (CrudEntry entry : transaction.get().crud()) {
                    batch.add(JSON.valueToTree(entry.toJson()));
                }
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(backend + "/api/data"))
                        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() / 100 != 2) {
                    throw new IOException("The backend answered " + response.statusCode() + ": " + response.body());
                }
                for (JsonNode refused : JSON.readTree(response.body()).path("rejected")) {
                    refusals.add(user + ": " + refused.get("reason").asText());
                }
                transaction.get().complete();
            }
        };
    }

    // ---- the source database and the processes

    private List<String> source(String sql, String... params) throws Exception {
        try (Connection c = db.rootConnection(SOURCE); PreparedStatement statement = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                statement.setString(i + 1, params[i]);
            }
            try (ResultSet rows = statement.executeQuery()) {
                List<String> values = new ArrayList<>();
                if (rows.next()) {
                    for (int i = 1; i <= rows.getMetaData().getColumnCount(); i++) {
                        values.add(rows.getString(i));
                    }
                }
                return values;
            }
        }
    }
}

package org.syncsuite.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.syncsuite.attachments.AttachmentsMain;
import org.syncsuite.client.attachments.Attachment;
import org.syncsuite.client.attachments.AttachmentQueue;
import org.syncsuite.client.attachments.AttachmentState;
import org.syncsuite.client.attachments.AttachmentsServiceStorage;
import org.syncsuite.demo.DemoBackendMain;
import org.syncsuite.demo.DemoSchema;
import org.syncsuite.gateway.GatewayMain;
import org.syncsuite.replicator.ReplicatorMain;
import org.syncsuite.services.DevTokens;
import org.syncsuite.services.EmbeddedKafka;
import org.syncsuite.services.EmbeddedMariaDb;
import org.syncsuite.services.EmbeddedS3;
import org.syncsuite.services.NodePackages;
import org.syncsuite.services.Ports;
import org.syncsuite.services.ServiceYaml;
import org.syncsuite.services.Trees;

/**
 * The whole suite under sustained writes while things fail. MariaDB, a Kafka broker and an S3
 * server run on this machine; the replicator, the gateway's writer and api roles, the demo
 * backend and the attachments service each run in a JVM of their own, and reach MariaDB and Kafka
 * through TCP proxies that can cut and delay connections. Another writer commits transactions
 * to the source database at {@code faults.tps} per second (500 by default) for four users; two
 * users have two devices on our Java client and one on the official Node client, the other two
 * one device on our client; every device writes too, uploading through a proxy that can lose the backend's answers.
 *
 * <p>Each test is one fault injected in the middle of a stretch of writes: a {@code kill -9} of
 * each service, a broker restart, a database restart, connections cut or delayed between the
 * services and MariaDB or Kafka, lost upload answers, a slow client. After it the writes stop and
 * the checker asserts, within a time limit: every device holds exactly the source rows its user
 * may see (lists the user owns, and their todos); every write a device saw acknowledged is in the
 * source with its last acknowledged value (none lost, none replayed over a later one); no device
 * saw a checksum failure or a refused write; and, for attachments, the bytes every device holds
 * have the SHA-256 of what was saved.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultInjectionIT {

    private static final System.Logger LOG = System.getLogger(FaultInjectionIT.class.getName());
    private static final String SECRET = "fault injection suite development key, 32+ bytes";
    private static final String SOURCE = "faults";
    private static final int TPS = Integer.getInteger("faults.tps", 500);
    /** Writes before and after each fault. */
    private static final Duration STRETCH = Duration.ofSeconds(Long.getLong("faults.stretch-seconds", 4));
    private static final Duration CONVERGE = Duration.ofSeconds(Long.getLong("faults.converge-seconds", 120));
    private static final int USERS = 4;
    /** Todos of the slow client's user: about 6 MB to download, far more than the socket buffers hold. */
    private static final int SLOW_ROWS = 6_000;

    private Path dir;
    private EmbeddedMariaDb db;
    private EmbeddedKafka kafka;
    private EmbeddedS3 s3;
    private FaultProxy dbProxy;
    private FaultProxy kafkaProxy;
    private FaultProxy backendProxy;
    private ServiceProcess replicator;
    private ServiceProcess writer;
    private ServiceProcess api;
    private ServiceProcess backend;
    private ServiceProcess attachments;
    private SourceLoad load;
    private final List<String> users = new ArrayList<>();
    private final Map<String, String> deviceLists = new LinkedHashMap<>();
    private final List<Device> devices = new ArrayList<>();
    private final List<JavaDevice> javaDevices = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<String> report = new ArrayList<>();
    /** How many of each device's problems earlier checks saw: each check looks at the new ones. */
    private final Map<String, Integer> problemsSeen = new java.util.HashMap<>();

    // ---- the suite

    @BeforeAll
    void startTheSuite() throws Exception {
        dir = Path.of("target", "faults").toAbsolutePath();
        Trees.delete(dir);
        Files.createDirectories(dir);
        db = EmbeddedMariaDb.builder().dataDirectory(dir.resolve("mariadb")).port(Ports.free()).maxConnections(400).build();
        db.start();
        int kafkaExternal = Ports.free();
        kafkaProxy = new FaultProxy("kafka", kafkaExternal);
        kafka = EmbeddedKafka.builder().dataDirectory(dir.resolve("kafka")).port(Ports.free())
                .externalListener(kafkaExternal, kafkaProxy.port()).build();
        kafka.start();
        s3 = EmbeddedS3.builder().dataDirectory(dir.resolve("s3")).build();
        s3.start();
        dbProxy = new FaultProxy("mariadb", db.port());

        db.createDatabase(SOURCE);
        db.execute(DemoSchema.statements(SOURCE).toArray(String[]::new));
        for (int i = 0; i < USERS; i++) {
            String user = "user-" + i;
            users.add(user);
            String list = "devices-" + i;
            deviceLists.put(user, list);
            db.execute("INSERT INTO " + SOURCE + ".lists (id, name, owner_id) VALUES ('" + list + "', 'Devices of " + user + "', '"
                    + user + "')");
        }
        load = new SourceLoad(db.jdbcUrl(SOURCE), db.rootUser(), db.rootPassword(), users, TPS);
        load.seed(3, 40);

        // Every service reaches MariaDB and Kafka through the proxies.
        String yaml = new ServiceYaml().source(db, SOURCE, db.replicationUser(), db.replicationPassword())
                .storage(db, "faults_storage", db.rootUser(), db.rootPassword()).kafka(kafka, "faults").hs256(SECRET)
                .kafkaProperty("session.timeout.ms", "6000").kafkaProperty("heartbeat.interval.ms", "1000")
                .attachments(s3, "faults-attachments", "database: {hostname: 127.0.0.1, port: " + db.port()
                        + ", database: faults_attachments, username: " + db.rootUser() + ", password: \"" + db.rootPassword() + "\"}")
                .syncConfigContent(DemoSchema.syncConfig()).text()
                .replace("port: " + db.port(), "port: " + dbProxy.port())
                .replace(kafka.bootstrapServers(), "127.0.0.1:" + kafkaProxy.port());
        Path serviceYaml = dir.resolve("service.yaml");
        Files.writeString(serviceYaml, yaml);
        Path backendConfig = dir.resolve("demo-backend.properties");
        Properties properties = new Properties();
        properties.setProperty("javax.sql.DataSource.demo.dataSource.url", db.jdbcUrl(SOURCE).replace(":" + db.port() + "/",
                ":" + dbProxy.port() + "/"));
        properties.setProperty("javax.sql.DataSource.demo.dataSource.user", db.rootUser());
        properties.setProperty("javax.sql.DataSource.demo.dataSource.password", db.rootPassword());
        properties.setProperty("mp.jwt.verify.publickey", DevTokens.jwks(SECRET.getBytes(StandardCharsets.UTF_8)));
        properties.setProperty(DemoBackendMain.OBJECT_STORE, dir.resolve("transactions").toString());
        try (Writer out = Files.newBufferedWriter(backendConfig)) {
            properties.store(out, null);
        }

        List<String> config = List.of("-c", serviceYaml.toString());
        String[] gatewayLeavesOut = withoutServices("replicator");
        replicator = new ServiceProcess("replicator", dir, ReplicatorMain.class, List.of(), config, Ports.free(), "/health/ready",
                withoutServices("sync-gateway"));
        writer = new ServiceProcess("writer", dir, GatewayMain.class, List.of("-Dgateway.role=writer"), config, Ports.free(),
                "/health/ready", gatewayLeavesOut);
        api = new ServiceProcess("api", dir, GatewayMain.class, List.of("-Dgateway.role=api"), config, Ports.free(),
                "/probes/readiness", gatewayLeavesOut);
        backend = new ServiceProcess("demo-backend", dir, DemoBackendMain.class, List.of(), List.of("--config",
                backendConfig.toString()), Ports.free(), "/health/ready", "replicator", "sync-gateway", "attachments-service");
        attachments = new ServiceProcess("attachments", dir, AttachmentsMain.class, List.of(), config, Ports.free(),
                "/health/ready", "replicator", "sync-gateway", "demo-backend");
        for (ServiceProcess service : services()) {
            service.start();
        }
        for (ServiceProcess service : services()) {
            service.awaitReady(Duration.ofSeconds(180));
        }
        backendProxy = new FaultProxy("backend", URI.create(backend.url()).getPort());

        // Devices: two on our client per user, and one on the official client for two users.
        // The official client as test/compat installs it (shared when that module ran first), kept across runs.
        Path js = NodePackages.install(Path.of("..", "compat", "js").toAbsolutePath(), Path.of("target", "js").toAbsolutePath(), List.of(),
                Optional.of(Path.of("..", "compat", "target", "compat", "js").toAbsolutePath()));
        Files.copy(Path.of("js", "device.mjs"), js.resolve("device.mjs"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Path folder = Files.createDirectories(dir.resolve("devices"));
        String backendUrl = "http://127.0.0.1:" + backendProxy.port();
        for (String user : users) {
            for (String kind : users.indexOf(user) < 2 ? List.of("phone", "laptop") : List.of("phone")) {
                JavaDevice device = new JavaDevice(user + "-" + kind, user, deviceLists.get(user), folder, api.url(), backendUrl,
                        token(user));
                device.connect();
                javaDevices.add(device);
                devices.add(device);
            }
        }
        for (String user : users.subList(0, 2)) {
            devices.add(new NodeDevice(user + "-node", user, js, folder, api.url(), backendUrl, token(user), deviceLists.get(user)));
        }
        assertConverged("the first sync");
    }

    private List<ServiceProcess> services() {
        return List.of(replicator, writer, api, backend, attachments);
    }

    /** {@code module} and the jars only the demo backend and the attachments service use. */
    private static String[] withoutServices(String module) {
        List<String> modules = new ArrayList<>(List.of(module));
        modules.addAll(List.of(DemoBackendMain.OWN_JARS));
        modules.addAll(List.of(AttachmentsMain.OWN_JARS));
        return modules.stream().distinct().toArray(String[]::new);
    }

    @AfterAll
    void stopTheSuite() throws Exception {
        report.forEach(line -> LOG.log(System.Logger.Level.INFO, line));
        Files.write(dir.resolve("report.txt"), report);
        if (load != null) {
            load.close();
        }
        for (Device device : devices) {
            device.close();
        }
        for (ServiceProcess service : services().reversed()) {
            if (service != null) {
                service.close();
            }
        }
        for (AutoCloseable closeable : new AutoCloseable[] {backendProxy, dbProxy, kafkaProxy, s3, kafka, db}) {
            if (closeable != null) {
                closeable.close();
            }
        }
    }

    // ---- the faults, in order

    @Test
    @Order(1)
    void theReplicatorKilledMidStreamResumesWithNothingLostOrRepeated() throws Exception {
        underWrites("kill -9 replicator", () -> restart(replicator));
    }

    @Test
    @Order(2)
    void theWriterKilledMidBatchResumesWithNothingLostOrRepeated() throws Exception {
        underWrites("kill -9 writer", () -> restart(writer));
    }

    @Test
    @Order(3)
    void devicesReconnectWhenTheirApiNodeIsKilled() throws Exception {
        underWrites("kill -9 api", () -> restart(api));
    }

    @Test
    @Order(4)
    void aKafkaBrokerRestartDelaysSyncButLosesNothing() throws Exception {
        underWrites("Kafka broker restart", () -> {
            kafka.close();
            Thread.sleep(2_000);
            kafka.start();
        });
    }

    @Test
    @Order(5)
    void aMariaDbRestartDelaysSyncButLosesNothing() throws Exception {
        underWrites("MariaDB restart", () -> {
            db.close();
            Thread.sleep(2_000);
            db.start();
        });
    }

    @Test
    @Order(6)
    void connectionsToMariaDbCutAndRefusedAreReopened() throws Exception {
        underWrites("MariaDB connections cut, then refused for 3 s", () -> {
            dbProxy.cut();
            Thread.sleep(1_000);
            dbProxy.refuse(true);
            dbProxy.cut();
            Thread.sleep(3_000);
            dbProxy.heal();
        });
    }

    @Test
    @Order(7)
    void connectionsToMariaDbDelayedSlowDownButLoseNothing() throws Exception {
        underWrites("MariaDB connections delayed 150 ms for 5 s", () -> {
            dbProxy.delay(Duration.ofMillis(150));
            Thread.sleep(5_000);
            dbProxy.heal();
        });
    }

    @Test
    @Order(8)
    void connectionsToKafkaCutAndRefusedAreReopened() throws Exception {
        underWrites("Kafka connections cut, then refused for 3 s", () -> {
            kafkaProxy.cut();
            Thread.sleep(1_000);
            kafkaProxy.refuse(true);
            kafkaProxy.cut();
            Thread.sleep(3_000);
            kafkaProxy.heal();
        });
    }

    @Test
    @Order(9)
    void connectionsToKafkaDelayedSlowDownButLoseNothing() throws Exception {
        underWrites("Kafka connections delayed 150 ms for 5 s", () -> {
            kafkaProxy.delay(Duration.ofMillis(150));
            Thread.sleep(5_000);
            kafkaProxy.heal();
        });
    }

    @Test
    @Order(10)
    void uploadsWhoseAnswerIsLostAreSentAgainAndAppliedOnce() throws Exception {
        long before = duplicates();
        underWrites("backend answers lost for 4 s", () -> {
            backendProxy.dropReplies(true);
            Thread.sleep(4_000);
            backendProxy.heal();
        });
        assertThat(backendProxy.resets()).as("answers were lost").isPositive();
        assertThat(duplicates()).as("uploads sent again after a lost answer were recognised as applied").isGreaterThan(before);
    }

    @Test
    @Order(11)
    void aSlowClientHoldsUpNobodyAndStillGetsAWholeCheckpoint() throws Exception {
        String slowUser = "slow-user";
        String list = "slow-list";
        db.execute("INSERT INTO " + SOURCE + ".lists (id, name, owner_id) VALUES ('" + list + "', 'Many', '" + slowUser + "')");
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(SOURCE), db.rootUser(), db.rootPassword());
             PreparedStatement insert = c.prepareStatement("INSERT INTO todos (id, description, list_id) VALUES (?, ?, ?)")) {
            c.setAutoCommit(false);
            String padding = "x".repeat(1000);
            for (int i = 0; i < SLOW_ROWS; i++) {
                insert.setString(1, "slow-" + i);
                insert.setString(2, i + " " + padding);
                insert.setString(3, list);
                insert.addBatch();
                if (i % 1000 == 999) {
                    insert.executeBatch();
                }
            }
            c.commit();
        }
        // Once the rows are in the user's buckets, a client opens its stream and reads it slowly.
        Awaitility.await("the slow user's rows in buckets").atMost(CONVERGE).pollInterval(Duration.ofSeconds(1)).until(() -> {
            try (SlowClient probe = new SlowClient(api.url(), token(slowUser))) {
                return probe.finish(Duration.ofSeconds(60))[1] >= SLOW_ROWS + 1;
            }
        });
        try (SlowClient slow = new SlowClient(api.url(), token(slowUser))) {
            underWrites("a client reading its stream slowly", () -> Thread.sleep(2_000));
            long[] counts = slow.finish(Duration.ofSeconds(60));
            report.add("slow client: " + counts[0] + " ops of " + counts[1] + " announced");
            assertThat(counts[0]).as("ops received against the checkpoint's counts").isEqualTo(counts[1]).isGreaterThanOrEqualTo(SLOW_ROWS + 1);
        }
    }

    @Test
    @Order(12)
    void attachmentsUploadedWhileTheServiceIsKilledArriveWhole() throws Exception {
        JavaDevice phone = javaDevices.get(0);
        JavaDevice laptop = javaDevices.get(1);
        assertThat(phone.user()).isEqualTo(laptop.user());
        AttachmentQueue phoneFiles = files(phone);
        AttachmentQueue laptopFiles = files(laptop);
        phoneFiles.start();
        laptopFiles.start();
        Map<String, String> saved = new LinkedHashMap<>();
        Random random = new Random(5);
        try {
            underWrites("kill -9 attachments service during uploads", () -> {
                for (int i = 0; i < 4; i++) {
                    byte[] photo = new byte[(1 + i) * 768 * 1024];
                    random.nextBytes(photo);
                    String todo = phone.user() + "-photo-" + i;
                    phone.database().execute("INSERT INTO todos (id, list_id, description, completed) VALUES (?, ?, ?, 0)", todo,
                            deviceLists.get(phone.user()), "photo " + i);
                    Attachment attachment = phoneFiles.saveFile(photo, "image/jpeg", "jpg", null,
                            (tx, a) -> tx.execute("UPDATE todos SET photo_id = ? WHERE id = ?", a.id(), todo));
                    saved.put(attachment.id(), sha256(photo));
                }
                phoneFiles.syncNow();
                Thread.sleep(150);
                restart(attachments);
            });
            Awaitility.await("every photo synced on both devices").atMost(CONVERGE).pollInterval(Duration.ofMillis(500))
                    .until(() -> saved.keySet().stream().allMatch(id -> state(phoneFiles, id) == AttachmentState.SYNCED
                            && state(laptopFiles, id) == AttachmentState.SYNCED));
            for (Map.Entry<String, String> photo : saved.entrySet()) {
                HttpResponse<byte[]> stored = http.send(HttpRequest.newBuilder(URI.create(attachments.url() + "/attachments/"
                        + photo.getKey())).header("Authorization", "Bearer " + token(phone.user())).build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                assertThat(stored.statusCode()).isEqualTo(200);
                assertThat(sha256(stored.body())).as("the service's copy of " + photo.getKey()).isEqualTo(photo.getValue());
                for (AttachmentQueue device : List.of(phoneFiles, laptopFiles)) {
                    Attachment local = device.getAttachment(photo.getKey()).orElseThrow();
                    assertThat(sha256(Files.readAllBytes(Path.of(local.localUri())))).as("a device's copy of " + photo.getKey())
                            .isEqualTo(photo.getValue());
                }
            }
        } finally {
            phoneFiles.close();
            laptopFiles.close();
        }
    }

    @Test
    @Order(13)
    void theChangesTopicHoldsEachSourceChangeOnce() throws Exception {
        ChangesAudit audit = ChangesAudit.read(kafka.bootstrapServers(), "faults.default.changes");
        report.add("changes topic: " + audit.summary());
        assertThat(audit.duplicates()).as("source changes written to the topic more than once").isEmpty();
        assertThat(audit.changes()).isGreaterThan(load.committed());
    }

    // ---- a stretch of writes with a fault in the middle, then the checks

    private interface Fault {
        void inject() throws Exception;
    }

    private void underWrites(String name, Fault fault) throws Exception {
        long committedBefore = load.committed();
        long started = System.nanoTime();
        load.start();
        for (Device device : devices) {
            device.writing(true);
        }
        Thread.sleep(STRETCH);
        fault.inject();
        Thread.sleep(STRETCH);
        load.pause();
        for (Device device : devices) {
            device.writing(false);
        }
        long stretchMillis = (System.nanoTime() - started) / 1_000_000;
        long committed = load.committed() - committedBefore;
        long converging = System.nanoTime();
        assertConverged(name);
        report.add(String.format("%-50s %6d source tx in %5.1f s (%4.0f/s), converged %5.1f s after the writes stopped", name, committed,
                stretchMillis / 1000.0, committed * 1000.0 / stretchMillis, (System.nanoTime() - converging) / 1e9));
    }

    /** {@code kill -9}, then started again at once, as a restarted pod; the checks wait for it to be ready. */
    private void restart(ServiceProcess service) throws Exception {
        service.kill();
        service.start();
    }

    /**
     * Waits until every device has uploaded everything and holds exactly what its user may see,
     * then checks the acknowledged writes and the devices' problems.
     */
    private void assertConverged(String after) throws Exception {
        for (ServiceProcess service : services()) {
            service.awaitReady(Duration.ofSeconds(180));
        }
        try {
            Awaitility.await(after).atMost(CONVERGE).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                    .until(() -> differences().isEmpty());
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("After " + after + ", devices did not converge within " + CONVERGE + ":\n"
                    + String.join("\n", differences()) + "\nservices alive: " + services().stream()
                            .map(s -> s.name() + "=" + s.isAlive()).toList(), e);
        }
        for (Device device : devices) {
            Map<String, String> acknowledged = device.acknowledged();
            Map<String, String> source = descriptions(acknowledged.keySet());
            for (Map.Entry<String, String> write : acknowledged.entrySet()) {
                assertThat(source.get(write.getKey())).as(after + ": " + device + "'s acknowledged write of " + write.getKey())
                        .isEqualTo(write.getValue());
            }
            List<String> problems = device.problems();
            List<String> fresh = problems.subList(problemsSeen.getOrDefault(device.name(), 0), problems.size());
            problemsSeen.put(device.name(), problems.size());
            assertThat(fresh).as(after + ": problems on " + device).isEmpty();
        }
    }

    /** What keeps the devices from agreeing with the source; empty once they do. */
    private List<String> differences() throws Exception {
        List<String> differences = new ArrayList<>();
        Map<String, Device.Rows> expected = new LinkedHashMap<>();
        for (String user : users) {
            expected.put(user, expectedRows(user));
        }
        for (Device device : devices) {
            long pending = device.pendingUploads();
            if (pending > 0) {
                differences.add(device + ": " + pending + " writes not uploaded; " + device.status());
                continue;
            }
            Device.Rows rows = device.rows();
            Device.Rows want = expected.get(device.user());
            if (!rows.equals(want)) {
                differences.add(device + ": " + describe(rows, want) + "; " + device.status());
            }
        }
        return differences;
    }

    private static String describe(Device.Rows have, Device.Rows want) {
        return "lists " + have.lists().size() + "/" + want.lists().size() + " (" + firstDifference(have.lists(), want.lists())
                + "), todos " + have.todos().size() + "/" + want.todos().size() + " (" + firstDifference(have.todos(), want.todos()) + ")";
    }

    private static String firstDifference(List<Map<String, Object>> have, List<Map<String, Object>> want) {
        List<Map<String, Object>> extra = new ArrayList<>(have);
        extra.removeAll(want);
        List<Map<String, Object>> missing = new ArrayList<>(want);
        missing.removeAll(have);
        return extra.size() + " extra" + (extra.isEmpty() ? "" : " e.g. " + extra.getFirst()) + ", " + missing.size() + " missing"
                + (missing.isEmpty() ? "" : " e.g. " + missing.getFirst());
    }

    /** What the sync config gives {@code user}: the lists the user owns and their todos. */
    private Device.Rows expectedRows(String user) throws Exception {
        return new Device.Rows(query("SELECT id, name, owner_id FROM lists WHERE owner_id = ? ORDER BY id", user),
                query("SELECT t.id, t.list_id, t.description, t.completed FROM todos t JOIN lists l ON l.id = t.list_id "
                        + "WHERE l.owner_id = ? ORDER BY t.id", user));
    }

    private Map<String, String> descriptions(java.util.Set<String> ids) throws Exception {
        Map<String, String> descriptions = new LinkedHashMap<>();
        for (Map<String, Object> row : query("SELECT id, description FROM todos WHERE id LIKE 'user-%'")) {
            if (ids.contains((String) row.get("id"))) {
                descriptions.put((String) row.get("id"), (String) row.get("description"));
            }
        }
        return descriptions;
    }

    private List<Map<String, Object>> query(String sql, String... parameters) throws Exception {
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(SOURCE), db.rootUser(), db.rootPassword());
             PreparedStatement statement = c.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                statement.setString(i + 1, parameters[i]);
            }
            try (ResultSet rows = statement.executeQuery()) {
                ResultSetMetaData meta = rows.getMetaData();
                List<Map<String, Object>> result = new ArrayList<>();
                while (rows.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int i = 1; i <= meta.getColumnCount(); i++) {
                        row.put(meta.getColumnLabel(i), rows.getString(i));
                    }
                    result.add(row);
                }
                return result;
            }
        }
    }

    private long duplicates() throws Exception {
        long sum = 0;
        for (Device device : devices) {
            sum += device.duplicatesReported();
        }
        return sum;
    }

    // ---- attachments

    private AttachmentQueue files(JavaDevice device) throws IOException {
        return AttachmentQueue.builder(device.database(), new AttachmentsServiceStorage(URI.create(attachments.url()),
                        () -> token(device.user())))
                .storageDirectory(Files.createDirectories(dir.resolve("files").resolve(device.name())))
                .watchedAttachments("SELECT photo_id AS id, 'jpg' AS file_extension FROM todos WHERE photo_id IS NOT NULL")
                .retryBackoff(Duration.ofMillis(200), Duration.ofSeconds(2)).build();
    }

    private static AttachmentState state(AttachmentQueue queue, String id) {
        return queue.getAttachment(id).map(Attachment::state).orElse(null);
    }

    private static String token(String user) {
        return DevTokens.sign(SECRET.getBytes(StandardCharsets.UTF_8), user, 6 * 3600);
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    static String id() {
        return UUID.randomUUID().toString();
    }
}

package org.syncsuite.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.syncsuite.services.Ports;

/** Drives {@code powersync stack} as a user would, each command in its own JVM. */
class StackCommandIT {

    @TempDir
    Path workDir;

    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void killWhatIsLeft() {
        started.forEach(Process::destroyForcibly);
    }

    @Test
    void startStatusStopRestartAndReset() throws Exception {
        Process stack = startStack();
        Properties state = state();
        List<Integer> ports = List.of(port(state, "mariadb"), port(state, "kafka"), port(state, "s3"));
        assertThat(ports).allMatch(Ports::isListening);
        List<ProcessHandle> servers = List.of(pid(state, "mariadb.pid"), pid(state, "s3.pid"));
        assertThat(servers).allMatch(ProcessHandle::isAlive);

        // The demo app runs: its rows are replicated into the changes topic.
        assertThat(workDir.resolve(".powersync/service.yaml")).exists();
        assertThat(workDir.resolve(".powersync/sync-config.yaml")).exists();
        await().atMost(Duration.ofSeconds(60)).until(() -> demoRowsInTopic(ports.get(1)) >= 5);

        Result status = run("stack", "status");
        assertThat(status.exitCode()).isZero();
        assertThat(status.output()).contains("mariadb    running", "kafka      running", "s3         running",
                "replicator running", "gateway    running", "backend    running", "attachments running");
        // The replicator runs as its own service, with health and metrics.
        int replicatorPort = port(state, "replicator");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(httpGet(replicatorPort, "/health/ready")).contains("\"status\":\"UP\"").contains("\"role\":\"active\""));
        assertThat(httpGet(replicatorPort, "/metrics")).contains("replicator_snapshot_complete");
        ProcessHandle replicator = pid(state, "replicator.pid");
        // The sync gateway's writer role writes the demo rows into bucket storage.
        int gatewayPort = port(state, "gateway");
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertThat(httpGet(gatewayPort, "/health/ready")).contains("\"status\":\"UP\"").contains("\"version1\":\"active"));
        assertThat(httpGet(gatewayPort, "/metrics")).containsAnyOf("gateway_writer_checkpoints", "gateway.writer.checkpoints");
        await().atMost(Duration.ofSeconds(60)).until(() -> storageCount(ports.getFirst(),
                "SELECT COUNT(*) FROM bucket_ops") >= 5 && storageCount(ports.getFirst(),
                "SELECT COUNT(*) FROM sync_config_versions WHERE state = 'ACTIVE' AND last_checkpoint > 0") == 1);
        ProcessHandle gateway = pid(state, "gateway.pid");
        // Its api role serves the demo user's lists to a client holding the printed development token.
        String token = state.getProperty("gateway.info.dev_token").split(" ")[0];
        String firstLine = firstSyncLine(gatewayPort, token);
        assertThat(firstLine).startsWith("{\"checkpoint\":").contains("my_lists|0[\\\"demo-user\\\"]", "list_todos|0[");
        // The demo backend takes the app's uploads with the same token and writes them to the source database,
        // whence they are replicated into the demo user's buckets.
        int backendPort = port(state, "backend");
        assertThat(httpGet(backendPort, "/health/ready")).contains("\"status\":\"UP\"");
        java.net.http.HttpResponse<String> upload = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + backendPort + "/api/data"))
                        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"batch\":[{\"op\":\"PUT\",\"type\":\"todos\","
                                + "\"id\":\"5b2f0d1e-7c3a-4e9b-8f21-6a4d2c0e0099\",\"data\":{\"list_id\":"
                                + "\"8c4d6f36-8a14-4c1e-9d0e-3b5a1f0c0001\",\"description\":\"Uploaded\"}}]}")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(upload.statusCode()).as(upload.body()).isEqualTo(200);
        assertThat(upload.body()).contains("\"applied\":1", "\"rejected\":[]");
        await().atMost(Duration.ofSeconds(30)).until(() -> storageCount(ports.getFirst(),
                "SELECT COUNT(*) FROM bucket_ops WHERE object_id = '5b2f0d1e-7c3a-4e9b-8f21-6a4d2c0e0099'") >= 1);
        ProcessHandle backend = pid(state, "backend.pid");
        // The attachments service stores a photo in the stack's S3 for the same token, and gives it back.
        int attachmentsPort = port(state, "attachments");
        byte[] photo = "not really a photo, but bytes all the same".getBytes(StandardCharsets.UTF_8);
        java.net.http.HttpResponse<String> stored = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + attachmentsPort + "/attachments/photo-1"))
                        .header("Authorization", "Bearer " + token).header("Content-Type", "image/jpeg")
                        .PUT(java.net.http.HttpRequest.BodyPublishers.ofByteArray(photo)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(stored.statusCode()).as(stored.body()).isEqualTo(201);
        java.net.http.HttpResponse<byte[]> fetched = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + attachmentsPort + "/attachments/photo-1"))
                        .header("Authorization", "Bearer " + token).build(), java.net.http.HttpResponse.BodyHandlers.ofByteArray());
        assertThat(fetched.body()).isEqualTo(photo);
        ProcessHandle attachments = pid(state, "attachments.pid");

        projectCommandsAgainstTheStack(gatewayPort);

        Result second = run("stack", "start");
        assertThat(second.exitCode()).isEqualTo(1);
        assertThat(second.output()).contains("already running");

        try (Connection connection = DriverManager.getConnection(
                "jdbc:mysql://127.0.0.1:" + ports.getFirst() + "/?useSSL=false", "root", "")) {
            connection.createStatement().execute("CREATE DATABASE kept_across_restarts");
        }

        // The system clock is stepped (as NTP does): the start time another JVM derives for the
        // stack's process moves with the boot time. The stack is still found, by its lock.
        Properties stepped = state();
        stepped.setProperty("pid.started", "2000-01-01T00:00:00Z");
        try (var out = Files.newOutputStream(workDir.resolve(".powersync/stack.properties"))) {
            stepped.store(out, null);
        }
        Result running = run("stack", "status");
        assertThat(running.exitCode()).as(running.output()).isZero();
        assertThat(running.output()).contains("Stack running");

        Result stop = run("stack", "stop");
        assertThat(stop.exitCode()).isZero();
        assertThat(stop.output()).contains("Stack stopped.");
        assertThat(stack.waitFor(60, TimeUnit.SECONDS)).isTrue();
        // A JVM ended by SIGTERM reports 143 (128 + 15), after its shutdown hooks ran.
        assertThat(stack.exitValue()).isEqualTo(143);
        assertThat(servers).noneMatch(ProcessHandle::isAlive);
        assertThat(replicator.isAlive()).isFalse();
        assertThat(gateway.isAlive()).isFalse();
        assertThat(backend.isAlive()).isFalse();
        assertThat(attachments.isAlive()).isFalse();
        assertThat(ports).noneMatch(Ports::isListening);

        Result stopped = run("stack", "status");
        assertThat(stopped.exitCode()).isEqualTo(3);
        assertThat(stopped.output()).contains("No stack is running");

        // A restart keeps the data and the ports; Ctrl-C (SIGINT) stops it as cleanly as 'stop'.
        Process again = startStack();
        Properties restarted = state();
        assertThat(port(restarted, "mariadb")).isEqualTo(ports.getFirst());
        try (Connection connection = DriverManager.getConnection(
                "jdbc:mysql://127.0.0.1:" + ports.getFirst() + "/?useSSL=false", "root", "");
             ResultSet rs = connection.createStatement().executeQuery("SHOW DATABASES LIKE 'kept_across_restarts'")) {
            assertThat(rs.next()).as("database created before the restart").isTrue();
        }
        // A sync config deployed through the admin API outlives the restart: the stack's file did not change.
        Result afterRestart = run("status");
        assertThat(afterRestart.output()).contains("Active sync config: version 3 (powersync_3, active, from api)");
        List<ProcessHandle> restartedServers = List.of(pid(restarted, "mariadb.pid"), pid(restarted, "s3.pid"),
                pid(restarted, "replicator.pid"), pid(restarted, "gateway.pid"), pid(restarted, "backend.pid"),
                pid(restarted, "attachments.pid"));
        new ProcessBuilder("kill", "-INT", Long.toString(again.pid())).start().waitFor();
        assertThat(again.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(again.exitValue()).isEqualTo(130); // 128 + SIGINT
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(restartedServers).noneMatch(ProcessHandle::isAlive));
        assertThat(ports).noneMatch(Ports::isListening);

        Result reset = run("stack", "reset");
        assertThat(reset.exitCode()).isZero();
        assertThat(workDir.resolve(".powersync")).doesNotExist();
    }

    /**
     * The project commands a new user runs against the stack: init, validate, generate token and
     * schema, status, deploy (dry run, then for real, then unchanged), compact, reprocess, migrate,
     * completion, and the errors and exit codes of bad input.
     */
    private void projectCommandsAgainstTheStack(int gatewayPort) throws Exception {
        Result init = run("init", "self-hosted");
        assertThat(init.exitCode()).as(init.output()).isZero();
        assertThat(workDir.resolve("powersync/service.yaml")).exists();
        assertThat(workDir.resolve("powersync/cli.yaml")).exists();
        assertThat(init.output()).contains("point at the local stack");
        assertThat(run("init", "self-hosted").output()).contains("Nothing written");

        Result validate = run("validate");
        assertThat(validate.exitCode()).as(validate.output()).isZero();
        assertThat(validate.output()).contains("Valid: 0 error(s)", "configuration, connections, sync-config checked");
        assertThat(run("validate", "--output", "json").output()).contains("\"valid\" : true");
        Files.writeString(workDir.resolve("bad.yaml"), "config:\n  edition: 3\nstreams:\n  s:\n    query: SELECT * FROM nowhere_table\n"
                + "  t:\n    query: SELECT FROM\n");
        Result invalid = run("validate", "--sync-config-file-path", "bad.yaml", "--output", "human");
        assertThat(invalid.exitCode()).isEqualTo(1);
        assertThat(invalid.output()).contains("bad.yaml:7:", "error", "nowhere_table", "Invalid:");
        Result yaml = run("validate", "--sync-config-file-path", "bad.yaml", "--output", "yaml");
        assertThat(yaml.output()).contains("valid: false", "line: 7");

        Result token = run("generate", "token", "--subject", "demo-user", "--expires-in-seconds", "600");
        assertThat(token.exitCode()).as(token.output()).isZero();
        assertThat(firstSyncLine(gatewayPort, token.output().strip())).startsWith("{\"checkpoint\":").contains("demo-user");
        assertThat(run("generate", "token", "--subject", "x", "--expires-in-seconds", "100000").exitCode()).isEqualTo(1);

        Result status = run("status");
        assertThat(status.exitCode()).as(status.output()).isZero();
        assertThat(status.output()).contains("connected", "Active sync config: version 1", "table todos: key [\"id\"]");

        Result schema = run("generate", "schema", "--output", "ts", "--output-path", "app/AppSchema.ts");
        assertThat(schema.exitCode()).as(schema.output()).isZero();
        assertThat(Files.readString(workDir.resolve("app/AppSchema.ts"))).contains("const todos = new Table(",
                "completed: column.integer", "export const AppSchema = new Schema(");
        assertThat(run("generate", "schema", "--output", "cobol").exitCode()).isEqualTo(1);

        Path syncConfig = workDir.resolve("powersync/sync-config.yaml");
        Files.writeString(syncConfig, Files.readString(syncConfig) + "  open_todos:\n    auto_subscribe: true\n"
                + "    query: SELECT id, description FROM todos WHERE completed = 0\n");
        Result dryRun = run("deploy", "--dry-run");
        assertThat(dryRun.exitCode()).as(dryRun.output()).isZero();
        assertThat(dryRun.output()).contains("+  open_todos:", "Dry run: nothing deployed.");
        assertThat(run("status").output()).contains("Active sync config: version 1");
        Result deploy = run("deploy");
        assertThat(deploy.exitCode()).as(deploy.output()).isZero();
        assertThat(deploy.output()).contains("Deployed as version 2", "Building version 2: active");
        assertThat(run("status").output()).contains("Active sync config: version 2 (powersync_2, active, from api)");
        assertThat(run("deploy").output()).contains("No changes");
        Result subcommandDryRun = run("deploy", "sync-config", "--dry-run");
        assertThat(subcommandDryRun.output()).contains("Dry run: nothing deployed.");

        // A table the replicator does not replicate (its service.yaml's sync config does not read it) is refused.
        try (Connection connection = DriverManager.getConnection(
                "jdbc:mysql://127.0.0.1:" + state().getProperty("mariadb.port") + "/demo?useSSL=false", "root", "")) {
            connection.createStatement().execute("CREATE TABLE notes (id VARCHAR(36) PRIMARY KEY, body TEXT)");
        }
        Files.writeString(workDir.resolve("notes.yaml"), "config:\n  edition: 3\nstreams:\n  notes:\n    auto_subscribe: true\n"
                + "    query: SELECT * FROM notes\n");
        Result unreplicated = run("deploy", "--sync-config-file-path", "notes.yaml");
        assertThat(unreplicated.exitCode()).isEqualTo(1);
        assertThat(unreplicated.output()).contains("Table notes is not replicated", "Not deployed");
        assertThat(run("status").output()).contains("Active sync config: version 2");

        Result compact = run("compact");
        assertThat(compact.exitCode()).as(compact.output()).isZero();
        assertThat(compact.output()).contains("Compacted version 2");
        Result reprocess = run("reprocess");
        assertThat(reprocess.exitCode()).as(reprocess.output()).isZero();
        assertThat(reprocess.output()).contains("Reprocessing as version 3", "Building version 3: active");

        Files.writeString(workDir.resolve("legacy.yaml"), "bucket_definitions:\n  user_lists:\n"
                + "    parameters: SELECT request.user_id() as user_id\n    data:\n"
                + "      - SELECT * FROM lists WHERE owner_id = bucket.user_id\n");
        Result migrate = run("migrate", "sync-rules", "--input-file", "legacy.yaml", "--output-file", "streams.yaml");
        assertThat(migrate.exitCode()).as(migrate.output()).isZero();
        assertThat(Files.readString(workDir.resolve("streams.yaml"))).contains("edition: 3", "user_lists:", "auth.user_id()");

        assertThat(run("completion").output()).contains("complete -F");
        Result help = run("--help");
        assertThat(help.output()).contains("init", "validate", "deploy", "status", "generate", "compact", "migrate", "stack",
                "Exit codes:");
        assertThat(run("bogus").exitCode()).isEqualTo(2);
        assertThat(run("deploy", "service-config").exitCode()).isEqualTo(1);
        assertThat(run("link", "self-hosted", "--directory", "elsewhere", "--api-url", "http://127.0.0.1:" + Ports.free())
                .exitCode()).isZero();
        Result otherInstance = run("status", "--directory", "elsewhere");
        assertThat(otherInstance.exitCode()).isEqualTo(1);
        assertThat(otherInstance.output()).as("the local stack's token is not sent to another instance")
                .contains("No admin API token for http://127.0.0.1:");
        ProcessBuilder withToken = command("status", "--api-url", "http://127.0.0.1:" + Ports.free()).redirectErrorStream(true);
        withToken.environment().put("PS_ADMIN_TOKEN", "a-token");
        Process unreachable = withToken.start();
        String unreachableOutput = new String(unreachable.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(unreachable.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(unreachable.exitValue()).isEqualTo(1);
        assertThat(unreachableOutput).contains("Cannot reach", "is it running?");
    }

    private Process startStack() throws IOException {
        Process process = command("stack", "start").redirectErrorStream(true).start();
        started.add(process);
        BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        String line;
        while ((line = reader.readLine()) != null) {
            seen.append(line).append('\n');
            if (line.startsWith("Stack ready in")) {
                assertThat(seen.toString()).as("the snapshot's progress is shown").containsPattern("Snapshot: \\d+ rows read, complete");
                Thread drain = new Thread(() -> reader.lines().forEach(l -> { }));
                drain.setDaemon(true);
                drain.start();
                return process;
            }
            if (System.nanoTime() > deadline) {
                break;
            }
        }
        throw new AssertionError("The stack did not report ready:\n" + seen);
    }

    private Result run(String... args) throws Exception {
        Process process = command(args).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Result(process.exitValue(), output);
    }

    private ProcessBuilder command(String... args) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), PowerSync.class.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).directory(workDir.toFile());
    }

    private Properties state() throws IOException {
        Properties state = new Properties();
        try (var in = Files.newInputStream(workDir.resolve(".powersync/stack.properties"))) {
            state.load(in);
        }
        return state;
    }

    /** A count from the stack's bucket storage database. */
    private static long storageCount(int port, String sql) throws Exception {
        try (Connection connection = DriverManager.getConnection(
                "jdbc:mysql://127.0.0.1:" + port + "/powersync_storage?useSSL=false", "root", "");
             ResultSet rs = connection.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String httpGet(int port, String path) throws Exception {
        java.net.http.HttpResponse<String> response = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + path))
                        .header("Accept", "application/json, text/plain").build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        return response.body();
    }

    /** The first line of a sync stream opened with {@code token}. */
    private static String firstSyncLine(int port, String token) throws Exception {
        java.net.http.HttpResponse<java.io.InputStream> response = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/sync/stream"))
                        .header("Authorization", "Token " + token).header("Content-Type", "application/json")
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        try (java.io.BufferedReader lines = new java.io.BufferedReader(new java.io.InputStreamReader(response.body(),
                java.nio.charset.StandardCharsets.UTF_8))) {
            return lines.readLine();
        }
    }

    private static int port(Properties state, String service) {
        return Integer.parseInt(state.getProperty(service + ".port"));
    }

    private static ProcessHandle pid(Properties state, String key) {
        Optional<ProcessHandle> handle = ProcessHandle.of(Long.parseLong(state.getProperty(key)));
        return handle.orElseThrow(() -> new AssertionError(key + " is not running"));
    }

    private record Result(int exitCode, String output) {
    }

    /** How many row records the demo's changes topic holds. */
    private static long demoRowsInTopic(int kafkaPort) {
        Properties props = new Properties();
        props.put("bootstrap.servers", "127.0.0.1:" + kafkaPort);
        props.put("isolation.level", "read_committed");
        props.put("key.deserializer", org.apache.kafka.common.serialization.ByteArrayDeserializer.class.getName());
        props.put("value.deserializer", org.apache.kafka.common.serialization.ByteArrayDeserializer.class.getName());
        long rows = 0;
        try (org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]> consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<>(props)) {
            org.apache.kafka.common.TopicPartition partition = new org.apache.kafka.common.TopicPartition("powersync.default.changes", 0);
            if (!consumer.listTopics().containsKey(partition.topic())) {
                return 0;
            }
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            while (consumer.position(partition) < end) {
                for (var record : consumer.poll(Duration.ofMillis(200))) {
                    if (new String(record.key(), java.nio.charset.StandardCharsets.UTF_8).startsWith("{\"db\":\"demo\"")) {
                        rows++;
                    }
                }
            }
        }
        return rows;
    }
}

package org.syncsuite.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.syncsuite.client.Column;
import org.syncsuite.client.PowerSyncBackendConnector;
import org.syncsuite.client.PowerSyncCredentials;
import org.syncsuite.client.PowerSyncDatabase;
import org.syncsuite.client.Schema;
import org.syncsuite.client.Table;
import org.syncsuite.demo.DemoSchema;
import org.syncsuite.gateway.GatewayMain;
import org.syncsuite.replicator.ReplicatorMain;
import org.syncsuite.services.DevTokens;
import org.syncsuite.services.EmbeddedKafka;
import org.syncsuite.services.EmbeddedMariaDb;
import org.syncsuite.services.Ports;
import org.syncsuite.services.ServiceYaml;
import org.syncsuite.services.junit.WithBackingServices;

/**
 * The sync gateway's built-in dashboard in headless Chromium ({@code js/dashboard.mjs} with npm
 * {@code playwright-core}, pinned in {@code js/package-lock.json}) against the whole suite: the demo
 * schema and sync config on MariaDB, the replicator and the gateway in processes of their own, one
 * user's lists and todos, and that user's device syncing so that a stream is open. The script
 * signs in with the admin token of {@code api.tokens}, watches the status, deploys an edited sync
 * config until it is active, compacts, reprocesses and inspects the user; its screenshots stay in
 * {@code target/dashboard-screenshots/}. Needs Node.js 20 or later, the npm registry (once) and
 * Debian's {@code chromium} at /usr/bin/chromium (or the {@code dashboard.chromium} property).
 */
@WithBackingServices
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardIT {

    private static final String SECRET = "dashboard test development key, 32+ bytes";
    private static final String ADMIN_TOKEN = "dashboard-admin-" + UUID.randomUUID();
    private static final String SOURCE = "dashboard";
    private static final Path CHROMIUM = Path.of(System.getProperty("dashboard.chromium", "/usr/bin/chromium"));
    private static final Schema SCHEMA = Schema.of(
            Table.of("lists", Column.text("created_at"), Column.text("name"), Column.text("owner_id")),
            Table.of("todos", Column.text("created_at"), Column.text("completed_at"), Column.text("description"),
                    Column.integer("completed"), Column.text("created_by"), Column.text("completed_by"),
                    Column.text("list_id"), Column.text("photo_id")));

    private final EmbeddedMariaDb db;
    private final EmbeddedKafka kafka;
    private SuiteProcesses processes;
    private Path dir;
    private String gateway;

    DashboardIT(EmbeddedMariaDb db, EmbeddedKafka kafka) {
        this.db = db;
        this.kafka = kafka;
    }

    @BeforeAll
    void startTheSuite() throws Exception {
        assertThat(Files.isExecutable(CHROMIUM)).as("The dashboard test drives Chromium at " + CHROMIUM
                + ", which is missing: apt-get install chromium (or pass -Ddashboard.chromium=<path>)").isTrue();
        dir = Files.createDirectories(Path.of("target", "dashboard").toAbsolutePath());
        db.createDatabase(SOURCE);
        db.execute(DemoSchema.statements(SOURCE).toArray(String[]::new));
        Path yaml = dir.resolve("service.yaml");
        Files.writeString(yaml, new ServiceYaml().source(db, SOURCE, db.replicationUser(), db.replicationPassword())
                .storage(db, "dashboard_storage", db.rootUser(), db.rootPassword()).kafka(kafka, "dashboard").hs256(SECRET)
                .apiToken(ADMIN_TOKEN).syncConfigContent(DemoSchema.syncConfig()).text());
        int gatewayPort = Ports.free();
        processes = new SuiteProcesses(dir);
        processes.launch("replicator", ReplicatorMain.class, List.of("-c", yaml.toString()), Ports.free(),
                SuiteProcesses.withoutServices("sync-gateway"));
        processes.launch("gateway", GatewayMain.class, List.of("-c", yaml.toString()), gatewayPort,
                SuiteProcesses.withoutServices("replicator"));
        gateway = "http://127.0.0.1:" + gatewayPort;
        await().atMost(Duration.ofSeconds(120)).until(() -> processes.status(gateway + "/probes/readiness") == 200);
    }

    @AfterAll
    void stopTheSuite() throws InterruptedException {
        if (processes != null) {
            processes.close();
        }
    }

    @Test
    void anOperatorWatchesDeploysAndInspectsThroughTheDashboard() throws Exception {
        Path js = installScript();
        String user = "dash-" + UUID.randomUUID().toString().substring(0, 8);
        String groceries = UUID.randomUUID().toString();
        String weekend = UUID.randomUUID().toString();
        db.execute("INSERT INTO " + SOURCE + ".lists (id, name, owner_id) VALUES ('" + groceries + "', 'Groceries', '" + user
                        + "'), ('" + weekend + "', 'Weekend', '" + user + "')",
                "INSERT INTO " + SOURCE + ".todos (id, description, list_id, created_by) VALUES ('" + UUID.randomUUID()
                        + "', 'Milk', '" + groceries + "', '" + user + "'), ('" + UUID.randomUUID() + "', 'Bread', '" + groceries
                        + "', '" + user + "'), ('" + UUID.randomUUID() + "', 'Bike', '" + weekend + "', '" + user + "')");
        Path screenshots = Path.of("target", "dashboard-screenshots").toAbsolutePath();
        Files.createDirectories(screenshots);
        try (var old = Files.list(screenshots)) {
            for (Path file : old.toList()) {
                Files.delete(file);
            }
        }

        // The user's device stays connected: the dashboard sees an open stream and the user's buckets.
        Path folder = Files.createTempDirectory(dir, "device");
        try (PowerSyncDatabase device = PowerSyncDatabase.open(folder.resolve("device.db"), SCHEMA)) {
            device.connect(connector(user));
            assertThat(device.waitForFirstSync(Duration.ofSeconds(60))).as(String.valueOf(device.currentStatus())).isTrue();
            await().atMost(Duration.ofSeconds(30)).until(() -> device.getAll("SELECT id FROM todos").size() == 3);

            Path output = dir.resolve("dashboard.log");
            ProcessBuilder node = new ProcessBuilder("node", "dashboard.mjs", gateway, ADMIN_TOKEN, user, screenshots.toString())
                    .directory(js.toFile()).redirectErrorStream(true).redirectOutput(output.toFile());
            node.environment().put("CHROMIUM", CHROMIUM.toString());
            Process browser = node.start();
            boolean ended = browser.waitFor(6, TimeUnit.MINUTES);
            if (!ended) {
                browser.destroyForcibly().waitFor();
            }
            String log = Files.readString(output);
            assertThat(ended).as("dashboard.mjs finished within 6 minutes:\n" + log).isTrue();
            assertThat(browser.exitValue()).as("dashboard.mjs (screenshots in " + screenshots + "):\n" + log).isZero();
            assertThat(log).contains("DASHBOARD OK");
            System.out.println("dashboard: " + log.strip());

            // The device goes on syncing from the version the dashboard deployed.
            String later = UUID.randomUUID().toString();
            db.execute("INSERT INTO " + SOURCE + ".todos (id, description, list_id) VALUES ('" + later + "', 'After the deploy', '"
                    + weekend + "')");
            await().atMost(Duration.ofSeconds(60)).until(() -> device.getOptional("SELECT 1 FROM todos WHERE id = ?", later).isPresent());
        }
        for (String name : List.of("00-login-refused.png", "01-status.png", "02-validation-error.png", "03-deployed.png", "04-user-inspector.png",
                "05-token.png")) {
            Path shot = screenshots.resolve(name);
            assertThat(shot).as(name).exists();
            assertThat(Files.size(shot)).as(name).isGreaterThan(5_000);
        }
    }

    private PowerSyncBackendConnector connector(String user) {
        String token = DevTokens.sign(SECRET.getBytes(StandardCharsets.UTF_8), user, 3600);
        return new PowerSyncBackendConnector() {
            @Override
            public PowerSyncCredentials fetchCredentials() {
                return new PowerSyncCredentials(gateway, token);
            }

            @Override
            public void uploadData(PowerSyncDatabase database) {
                // the device only reads
            }
        };
    }

    /**
     * The script and playwright-core from the lock file, in target/dashboard/js (installed once per
     * lock file). No install scripts run: the script needs only playwright-core, and the system's
     * Chromium stands in for Playwright's own browsers.
     */
    private Path installScript() throws Exception {
        Path source = Path.of("js").toAbsolutePath();
        Path target = Files.createDirectories(dir.resolve("js"));
        for (String file : List.of("package.json", "package-lock.json", "dashboard.mjs")) {
            Files.copy(source.resolve(file), target.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        }
        Path marker = target.resolve("node_modules").resolve(".installed-from-lock");
        String lock = Files.readString(target.resolve("package-lock.json"));
        if (Files.exists(marker) && Files.readString(marker).equals(Integer.toHexString(lock.hashCode()))) {
            return target;
        }
        Path npmLog = dir.resolve("npm-ci.log");
        Process install = new ProcessBuilder("npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund").directory(target.toFile())
                .redirectErrorStream(true).redirectOutput(npmLog.toFile()).start();
        boolean done = install.waitFor(15, TimeUnit.MINUTES);
        if (!done) {
            install.destroyForcibly().waitFor();
        }
        assertThat(done && install.exitValue() == 0).as("npm ci of playwright-core (Node.js 20+ and the npm registry are needed):\n"
                + Files.readString(npmLog)).isTrue();
        Files.writeString(marker, Integer.toHexString(lock.hashCode()));
        return target;
    }
}

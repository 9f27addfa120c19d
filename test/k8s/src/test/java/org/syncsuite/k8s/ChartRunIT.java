package org.syncsuite.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.syncsuite.k8s.Manifests.containers;
import static org.syncsuite.k8s.Manifests.env;
import static org.syncsuite.k8s.Manifests.map;
import static org.syncsuite.k8s.Manifests.name;

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
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.syncsuite.attachments.AttachmentsMain;
import org.syncsuite.gateway.GatewayMain;
import org.syncsuite.replicator.ReplicatorMain;
import org.syncsuite.services.ClassPath;
import org.syncsuite.services.DevTokens;
import org.syncsuite.services.EmbeddedKafka;
import org.syncsuite.services.EmbeddedMariaDb;
import org.syncsuite.services.EmbeddedS3;
import org.syncsuite.services.Ports;
import org.syncsuite.services.junit.WithBackingServices;

/**
 * The chart's pods, run as local processes: the chart is rendered with the embedded MariaDB,
 * Kafka and S3 as its external endpoints, and each Deployment's container is started as its
 * service's JVM with exactly the rendered environment (Secret references resolved from the
 * rendered Secret), the rendered ConfigMap as its {@code /etc/powersync} and a folder as its
 * {@code /tmp}. Every probe then answers 200 on the rendered port, the writers and replicators
 * elect one active pod each, metrics are served, and a client token reaches its rows through
 * the api pod: the wiring a cluster would exercise, without a cluster.
 */
@WithBackingServices
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChartRunIT {

    private static final String SOURCE = "chart_app";
    private static final byte[] JWT_KEY = "chart-run-development-key-32-bytes!".getBytes(StandardCharsets.UTF_8);
    private static final String API_TOKEN = "chart-run-admin-token";

    /** The main class and class path exclusions of each container, by container name. */
    private static final Map<String, Class<?>> MAINS = Map.of("sync-gateway", GatewayMain.class,
            "replicator", ReplicatorMain.class, "attachments-service", AttachmentsMain.class);

    private final EmbeddedMariaDb db;
    private final EmbeddedKafka kafka;
    private final EmbeddedS3 s3;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<Pod> pods = new ArrayList<>();
    private Path dir;
    private Manifests manifests;

    /** One started container: its deployment, replica number, port, process and log. */
    record Pod(String deployment, int replica, int port, Map<String, Object> container, Process process, Path log) {
        String url(String path) {
            return "http://127.0.0.1:" + port + path;
        }
    }

    ChartRunIT(EmbeddedMariaDb db, EmbeddedKafka kafka, EmbeddedS3 s3) {
        this.db = db;
        this.kafka = kafka;
        this.s3 = s3;
    }

    @BeforeAll
    void runTheRenderedPods() throws Exception {
        dir = Files.createDirectories(Path.of("target", "chart-run").toAbsolutePath());
        db.createDatabase(SOURCE);
        db.execute("CREATE TABLE IF NOT EXISTS " + SOURCE + ".lists (id VARCHAR(64) PRIMARY KEY, name TEXT NOT NULL, "
                        + "owner_id VARCHAR(64) NOT NULL)",
                "CREATE USER IF NOT EXISTS 'chart_storage'@'%' IDENTIFIED BY 'chart-storage-password'",
                "GRANT ALL PRIVILEGES ON *.* TO 'chart_storage'@'%'",
                "INSERT INTO " + SOURCE + ".lists VALUES ('l-before', 'Before the install', 'u1') ON DUPLICATE KEY UPDATE name = name");
        Path values = Files.writeString(dir.resolve("values.yaml"), values());
        String rendered = K8sTools.template("run", List.of(values)).ok().output();
        Files.writeString(dir.resolve("rendered.yaml"), rendered);
        manifests = Manifests.parse(rendered);
        Path config = mountConfigMap();
        Map<String, String> secret = secretData();
        // Replicator first (it creates the topics), then the writers, the api and attachments.
        for (String component : List.of("replicator", "writer", "api", "attachments")) {
            Map<String, Object> deployment = manifests.get("Deployment", "run-powersync-" + component);
            Object replicas = map(deployment, "spec").get("replicas");
            int count = replicas == null ? 1 : Math.min(2, ((Number) replicas).intValue());
            for (int replica = 0; replica < count; replica++) {
                pods.add(start(deployment, replica, config, secret));
            }
        }
    }

    @AfterAll
    void stopThePods() throws InterruptedException {
        for (Pod pod : pods.reversed()) {
            pod.process().destroy();
            if (!pod.process().waitFor(20, TimeUnit.SECONDS)) {
                pod.process().destroyForcibly().waitFor();
            }
        }
    }

    @Test
    void everyProbeAnswersOnTheRenderedPort() {
        for (Pod pod : pods) {
            for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
                String path = String.valueOf(map(map(pod.container(), probe), "httpGet").get("path"));
                Awaitility.await(pod.deployment() + " " + probe + " " + path).atMost(Duration.ofMinutes(2))
                        .pollInterval(Duration.ofMillis(500))
                        .failFast(pod.deployment() + " exited", () -> assertThat(pod.process().isAlive())
                                .as(() -> pod.deployment() + " is running; its log:\n" + tail(pod)).isTrue())
                        .untilAsserted(() -> assertThat(status(pod.url(path))).as(pod.deployment() + " " + path).isEqualTo(200));
            }
        }
    }

    @Test
    void writersAndReplicatorsElectOneActivePodEach() {
        everyProbeAnswersOnTheRenderedPort();
        for (String component : List.of("writer", "replicator")) {
            List<Pod> replicas = pods.stream().filter(p -> p.deployment().endsWith("-" + component)).toList();
            assertThat(replicas).hasSize(2);
            Awaitility.await(component + ": one active pod, one standby").atMost(Duration.ofMinutes(1))
                    .pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                        List<String> roles = new ArrayList<>();
                        for (Pod pod : replicas) {
                            String ready = body(pod.url("/health/ready"));
                            roles.add(ready.contains("\"standby\"") ? "standby" : ready.contains("active") ? "active" : ready);
                        }
                        assertThat(roles).containsExactlyInAnyOrder("active", "standby");
                    });
        }
    }

    @Test
    void aClientTokenReachesItsRowsThroughTheApiPod() throws Exception {
        everyProbeAnswersOnTheRenderedPort();
        Pod api = pods.stream().filter(p -> p.deployment().endsWith("-api")).findFirst().orElseThrow();
        db.execute("INSERT INTO " + SOURCE + ".lists VALUES ('l-after', 'After the install', 'u1') ON DUPLICATE KEY UPDATE name = name");
        String token = DevTokens.sign(JWT_KEY, "u1", 600);
        Awaitility.await("u1's rows on a sync stream").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> assertThat(firstSync(api, token)).contains("l-before", "l-after"));
        // The admin API token of the Secret opens the admin API.
        HttpRequest diagnostics = HttpRequest.newBuilder(URI.create(api.url("/api/admin/v1/diagnostics")))
                .header("Authorization", "Bearer " + API_TOKEN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build();
        assertThat(http.send(diagnostics, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    }

    @Test
    void everyPodServesPrometheusMetricsAndTheDashboardsMetricsExist() throws Exception {
        everyProbeAnswersOnTheRenderedPort();
        Set<String> exposed = new TreeSet<>();
        for (Pod pod : pods) {
            HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create(pod.url("/metrics")))
                    .header("Accept", "text/plain").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.statusCode()).as(pod.deployment() + " /metrics").isEqualTo(200);
            assertThat(metrics.body()).as(pod.deployment()).contains("# TYPE");
            metrics.body().lines().filter(l -> !l.startsWith("#") && !l.isBlank())
                    .map(l -> l.split("[{ ]", 2)[0]).forEach(exposed::add);
        }
        Set<String> used = dashboardMetrics();
        Set<String> missing = new TreeSet<>(used);
        missing.removeIf(m -> exposed.contains(m) || exposed.stream().anyMatch(e -> e.startsWith(m + "_")));
        assertThat(missing).as("metrics of the Grafana dashboard that no pod exposes (exposed: " + exposed + ")").isEmpty();
    }

    @Test
    void everyPodLogsOneJsonObjectPerLine() throws IOException {
        everyProbeAnswersOnTheRenderedPort();
        for (Pod pod : pods) {
            List<String> lines = Files.readAllLines(pod.log()).stream()
                    // The JVM's own notice of JAVA_TOOL_OPTIONS precedes any logging.
                    .filter(l -> !l.startsWith("Picked up JAVA_TOOL_OPTIONS")).filter(l -> !l.isBlank()).toList();
            assertThat(lines).as(pod.deployment() + " logged").isNotEmpty();
            for (String line : lines) {
                assertThat(line).as(pod.deployment() + " log line").startsWith("{\"time\":\"").endsWith("}")
                        .contains("\"level\":\"", "\"logger\":\"", "\"message\":\"");
            }
        }
    }

    // ---- the pods ----

    private String values() {
        return """
                source:
                  type: mariadb
                  hostname: 127.0.0.1
                  port: %d
                  database: %s
                  username: %s
                  serverId: %d
                storage:
                  database: chart_storage
                  username: chart_storage
                kafka:
                  bootstrapServers: %s
                  topicPrefix: chartrun
                syncConfig: |
                  config:
                    edition: 3
                  streams:
                    my_lists:
                      auto_subscribe: true
                      query: SELECT * FROM lists WHERE owner_id = auth.user_id()
                auth:
                  hs256KeySecretKey: jwt-key
                attachments:
                  s3:
                    endpoint: %s
                    region: %s
                    bucket: chart-run
                    createBucket: true
                  database:
                    database: chart_attachments
                  port: %d
                secrets:
                  sourcePassword: %s
                  storagePassword: chart-storage-password
                  apiToken: %s
                  s3AccessKey: %s
                  s3SecretKey: %s
                  extra:
                    jwt-key: %s
                gateway:
                  api:
                    port: %d
                  writer:
                    port: %d
                replicator:
                  port: %d
                logFormat: json
                """.formatted(db.port(), SOURCE, db.replicationUser(), db.serverId() + 100, kafka.bootstrapServers(),
                s3.endpoint(), s3.region(), Ports.free(), db.replicationPassword(), API_TOKEN, s3.accessKey(), s3.secretKey(),
                DevTokens.jwkKey(JWT_KEY), Ports.free(), Ports.free(), Ports.free());
    }

    /** The ConfigMap's files in a folder standing for /etc/powersync. */
    private Path mountConfigMap() throws IOException {
        Path config = Files.createDirectories(dir.resolve("etc-powersync"));
        for (Map.Entry<String, Object> file : map(manifests.get("ConfigMap", "run-powersync-config"), "data").entrySet()) {
            Files.writeString(config.resolve(file.getKey()), String.valueOf(file.getValue()));
        }
        return config;
    }

    private Map<String, String> secretData() {
        Map<String, String> data = new LinkedHashMap<>();
        map(manifests.get("Secret", "run-powersync"), "stringData").forEach((k, v) -> data.put(k, String.valueOf(v)));
        return data;
    }

    /** Starts a container as its service's JVM with the rendered environment. */
    private Pod start(Map<String, Object> deployment, int replica, Path config, Map<String, String> secret) throws IOException {
        Map<String, Object> container = containers(deployment).getFirst();
        String containerName = String.valueOf(container.get("name"));
        Path tmp = Files.createDirectories(dir.resolve("tmp-" + name(deployment) + "-" + replica));
        Map<String, String> environment = new LinkedHashMap<>();
        for (Map<String, Object> entry : env(container)) {
            String variable = String.valueOf(entry.get("name"));
            Map<String, Object> ref = map(map(entry, "valueFrom"), "secretKeyRef");
            String value = ref.isEmpty() ? String.valueOf(entry.get("value")) : secret.get(String.valueOf(ref.get("key")));
            assertThat(value).as(name(deployment) + " " + variable + " resolves").isNotNull();
            environment.put(variable, value.replace("/etc/powersync/", config + "/").replace("/tmp/", tmp + "/"));
        }
        int port = Integer.parseInt(environment.get("SERVER_PORT"));
        if (replica > 0) {
            // Each pod has its own network namespace; here the second one needs another port.
            port = Ports.free();
            environment.put("SERVER_PORT", Integer.toString(port));
        }
        Class<?> main = MAINS.get(containerName);
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx384m",
                // as the images' entry point: native libraries (Kafka's compression codecs) load quietly
                "--enable-native-access=ALL-UNNAMED",
                "-cp", classPath(containerName), main.getName());
        Path log = dir.resolve(name(deployment) + "-" + replica + ".log");
        ProcessBuilder builder = new ProcessBuilder(command).directory(tmp.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("POWERSYNC_") || k.startsWith("GATEWAY_")
                || k.startsWith("REPLICATOR_") || k.startsWith("ATTACHMENTS_") || k.equals("SERVER_PORT"));
        builder.environment().putAll(environment);
        return new Pod(name(deployment), replica, port, container, builder.start(), log);
    }

    /** The service's class path: this JVM's without the other services' own jars (as in its image). */
    private static String classPath(String containerName) {
        List<String> without = new ArrayList<>();
        if (!containerName.equals("sync-gateway")) {
            without.add("sync-gateway");
        }
        if (!containerName.equals("replicator")) {
            without.add("replicator");
        }
        if (!containerName.equals("attachments-service")) {
            without.addAll(List.of(AttachmentsMain.OWN_JARS));
        }
        return ClassPath.without(without.toArray(String[]::new));
    }

    private String firstSync(Pod api, String token) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(api.url("/sync/stream")))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"client_id\":\"chart-run\"}")).build();
        HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        StringBuilder lines = new StringBuilder();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            for (String line; (line = reader.readLine()) != null; ) {
                lines.append(line).append('\n');
                if (line.contains("\"checkpoint_complete\"")) {
                    break;
                }
            }
        }
        return lines.toString();
    }

    /** The metric names the Grafana dashboard's queries use. */
    private static Set<String> dashboardMetrics() throws IOException {
        String dashboard = Files.readString(K8sTools.CHART.resolve("dashboards/powersync.json"));
        Set<String> names = new TreeSet<>();
        Matcher expr = Pattern.compile("\"expr\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(dashboard);
        Set<String> promql = Set.of("rate", "irate", "increase", "sum", "max", "min", "avg", "by", "without", "on", "ignoring",
                "histogram_quantile", "clamp_min", "count", "topk", "label_replace", "deriv", "delta", "and", "or", "unless",
                "offset", "le", "job", "instance", "namespace", "pod", "area", "id", "mp_scope", "abs", "time", "vector",
                "sort_desc", "group_left", "group_right", "avg_over_time", "max_over_time", "scalar");
        while (expr.find()) {
            String query = expr.group(1).replaceAll("\\{[^}]*}", "").replaceAll("\\[[^]]*]", "").replaceAll("\\$\\w+", "");
            Matcher word = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*").matcher(query);
            while (word.find()) {
                if (!promql.contains(word.group()) && word.group().contains("_")) {
                    names.add(word.group());
                }
            }
        }
        return names;
    }

    private int status(String url) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private String body(String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static String tail(Pod pod) {
        try (Stream<String> lines = Files.lines(pod.log())) {
            List<String> all = lines.toList();
            return String.join("\n", all.subList(Math.max(0, all.size() - 40), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}

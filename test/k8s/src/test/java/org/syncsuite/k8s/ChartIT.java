package org.syncsuite.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.syncsuite.k8s.Manifests.containers;
import static org.syncsuite.k8s.Manifests.env;
import static org.syncsuite.k8s.Manifests.list;
import static org.syncsuite.k8s.Manifests.map;
import static org.syncsuite.k8s.Manifests.name;
import static org.syncsuite.k8s.Manifests.plainEnv;
import static org.syncsuite.k8s.Manifests.podSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.syncsuite.attachments.AttachmentsMain;
import org.syncsuite.gateway.GatewayMain;
import org.syncsuite.replicator.ReplicatorMain;

/**
 * The Helm chart, offline: lint, render, every document against the Kubernetes schemas, and the
 * wiring between the manifests and the services (ports, probes, environment names, Secret keys).
 */
class ChartIT {

    static final Path MINIMAL = K8sTools.CHART.resolve("ci/minimal-values.yaml");
    static final Path PRODUCTION = K8sTools.CHART.resolve("ci/production-values.yaml");

    /** Environment variables the services read themselves, beside their MicroProfile Config keys. */
    static final Set<String> SERVICE_ENVIRONMENT = Set.of("POWERSYNC_LOG_FORMAT");

    @TempDir
    Path dir;

    @Test
    void lintsStrictWithDefaultRequiredAndProductionValues() {
        K8sTools.helm("lint", "--strict", K8sTools.CHART.toString()).ok();
        K8sTools.helm("lint", "--strict", K8sTools.CHART.toString(), "-f", MINIMAL.toString()).ok();
        K8sTools.helm("lint", "--strict", K8sTools.CHART.toString(), "-f", PRODUCTION.toString()).ok();
    }

    @Test
    void renderingWithoutTheRequiredValuesNamesEachOne() {
        K8sTools.Result result = K8sTools.template("powersync", List.of());
        assertThat(result.exitCode()).isNotZero();
        assertThat(result.output()).contains("The powersync chart needs these values", "source.hostname", "source.database",
                "source.username", "kafka.bootstrapServers", "syncConfig", "auth.jwksUri", "attachments.s3.endpoint",
                "secrets.sourcePassword", "secrets.apiToken", "secrets.s3AccessKey");
    }

    @Test
    void requiredValuesAloneRenderACompleteValidInstallation() throws IOException {
        Manifests manifests = renderAndValidate("powersync", List.of(MINIMAL));
        assertThat(kinds(manifests)).containsExactlyInAnyOrder("ConfigMap", "Secret", "ServiceAccount",
                "Deployment:powersync-api", "Deployment:powersync-writer", "Deployment:powersync-replicator",
                "Deployment:powersync-attachments", "Service:powersync-api", "Service:powersync-writer",
                "Service:powersync-replicator", "Service:powersync-attachments", "HorizontalPodAutoscaler:powersync-api",
                "HorizontalPodAutoscaler:powersync-attachments", "PodDisruptionBudget:powersync-api",
                "PodDisruptionBudget:powersync-writer", "PodDisruptionBudget:powersync-replicator",
                "PodDisruptionBudget:powersync-attachments");
        // Active and standby: two writers and two replicators; the api role scales with its HPA.
        assertThat(replicas(manifests, "powersync-writer")).isEqualTo(2);
        assertThat(replicas(manifests, "powersync-replicator")).isEqualTo(2);
        assertThat(map(manifests.get("Deployment", "powersync-api"), "spec")).doesNotContainKey("replicas");
        wiringHolds(manifests);
        everySecretReferenceExists(manifests, secretKeys(manifests.get("Secret", "powersync")));
    }

    @Test
    void installNotesSayWhereTheEndpointIsAndHowToReachTheAdminApi() {
        String install = K8sTools.helm("install", "sync", K8sTools.CHART.toString(), "--namespace", "apps", "--dry-run=client",
                "-f", MINIMAL.toString()).ok().output();
        String notes = install.substring(install.indexOf("NOTES:"));
        assertThat(notes).contains("kubectl --namespace apps port-forward svc/sync-powersync-api 8080:8080",
                "get secret sync-powersync -o jsonpath='{.data.api-token}'", "./powersync status --api-url",
                "mysql.databases.svc/app -> Kafka powersync.default.changes");
    }

    @Test
    void productionValuesRenderAValidInstallationWithEveryOption() throws IOException {
        Manifests manifests = renderAndValidate("sync", List.of(PRODUCTION));
        assertThat(kinds(manifests)).contains("Ingress:sync-powersync-api", "ServiceMonitor:sync-powersync",
                "NetworkPolicy:sync-powersync-api", "NetworkPolicy:sync-powersync-writer",
                "NetworkPolicy:sync-powersync-replicator", "NetworkPolicy:sync-powersync-attachments",
                "ConfigMap:sync-powersync-dashboard").doesNotContain("Secret");
        wiringHolds(manifests);
        // An existing Secret: only the keys the chart's README lists for it.
        everySecretReferenceExists(manifests, Map.of("powersync-secrets", documentedSecretKeys()));
        String serviceYaml = serviceYaml(manifests);
        assertThat(serviceYaml).contains("sasl.jaas.config: !env POWERSYNC_KAFKA_SASL_JAAS_CONFIG",
                "security.protocol: \"SASL_SSL\"", "server_id: 4711");
        String image = String.valueOf(containers(manifests.get("Deployment", "sync-powersync-api")).getFirst().get("image"));
        assertThat(image).isEqualTo("registry.example.com/sync/syncsuite/sync-gateway:0.1.0");
        String dashboard = String.valueOf(map(manifests.get("ConfigMap", "sync-powersync-dashboard"), "data").get("powersync.json"));
        assertThat(dashboard).isEqualTo(Files.readString(K8sTools.CHART.resolve("dashboards/powersync.json")).strip());
    }

    @Test
    void podsRunRestrictedWithAReadOnlyRootAndAWritableTmp() throws IOException {
        Manifests manifests = renderAndValidate("powersync", List.of(MINIMAL));
        for (Map<String, Object> deployment : manifests.ofKind("Deployment")) {
            Map<String, Object> pod = podSpec(deployment);
            assertThat(map(pod, "securityContext")).containsEntry("runAsNonRoot", true).containsEntry("runAsUser", 65532);
            assertThat(pod).containsEntry("automountServiceAccountToken", false);
            for (Map<String, Object> container : containers(deployment)) {
                Map<String, Object> security = map(container, "securityContext");
                assertThat(security).as(name(deployment)).containsEntry("readOnlyRootFilesystem", true)
                        .containsEntry("allowPrivilegeEscalation", false).containsEntry("runAsNonRoot", true);
                assertThat(map(security, "capabilities")).containsEntry("drop", List.of("ALL"));
                assertThat(list(container, "volumeMounts")).anySatisfy(m -> assertThat(m).containsEntry("mountPath", "/tmp"));
                assertThat(map(map(container, "resources"), "requests")).containsKeys("cpu", "memory");
                assertThat(map(map(container, "resources"), "limits")).containsKey("memory");
            }
        }
    }

    @Test
    void chartDefaultsNameTheImagesTheBuildMakes() throws IOException {
        String chart = Files.readString(K8sTools.CHART.resolve("Chart.yaml"));
        String appVersion = property(chart, "(?m)^appVersion: \"?([^\"\\s]+)\"?");
        assertThat(property(Files.readString(K8sTools.ROOT.resolve("pom.xml")), "<image.tag>([^<]+)</image.tag>"))
                .as("the images' tag in pom.xml is the chart's appVersion").isEqualTo(appVersion);
        Manifests manifests = Manifests.parse(K8sTools.template("powersync", List.of(MINIMAL)).ok().output());
        Map<String, String> modules = Map.of("sync-gateway", "sync-gateway", "replicator", "replicator",
                "attachments-service", "attachments-service");
        for (Map<String, Object> deployment : manifests.ofKind("Deployment")) {
            Map<String, Object> container = containers(deployment).getFirst();
            String pom = Files.readString(K8sTools.ROOT.resolve(modules.get(String.valueOf(container.get("name")))).resolve("pom.xml"));
            assertThat(container.get("image")).as(name(deployment))
                    .isEqualTo(property(pom, "<image.name>([^<]+)</image.name>") + ":" + appVersion);
            // the image's exposed port is the chart's default port of that component
            assertThat(String.valueOf(list(container, "ports").getFirst().get("containerPort"))).as(name(deployment))
                    .isEqualTo(property(pom, "<image.port>([^<]+)</image.port>"));
        }
    }

    private static String property(String text, String regex) {
        Matcher matcher = Pattern.compile(regex).matcher(text);
        assertThat(matcher.find()).as(regex).isTrue();
        return matcher.group(1).strip();
    }

    @Test
    void valuesSchemaRefusesMistypedValues() {
        K8sTools.Result unknown = K8sTools.template("powersync", List.of(MINIMAL), "gateway.api.replica=3");
        assertThat(unknown.exitCode()).isNotZero();
        assertThat(unknown.output()).contains("replica");
        K8sTools.Result type = K8sTools.template("powersync", List.of(MINIMAL), "source.port=not-a-port");
        assertThat(type.exitCode()).isNotZero();
        assertThat(type.output()).contains("port");
        K8sTools.Result kind = K8sTools.template("powersync", List.of(MINIMAL), "source.type=postgresql");
        assertThat(kind.exitCode()).isNotZero();
        assertThat(kind.output()).contains("source");
    }

    @Test
    void helmValuesAreAllDocumentedInTheChartReadme() throws IOException {
        String readme = Files.readString(K8sTools.CHART.resolve("README.md"));
        Set<String> missing = new TreeSet<>();
        for (String path : valuePaths(Manifests.parse(Files.readString(K8sTools.CHART.resolve("values.yaml"))).documents().getFirst(), "")) {
            if (!readme.contains("`" + path + "`")) {
                missing.add(path);
            }
        }
        assertThat(missing).as("values without a row in helm/powersync/README.md").isEmpty();
    }

    // ---- shared checks ----

    /** Renders, validates every document against the Kubernetes schemas, and returns the documents. */
    Manifests renderAndValidate(String release, List<Path> values) throws IOException {
        String yaml = K8sTools.template(release, values).ok().output();
        Path file = Files.writeString(dir.resolve(release + "-" + values.size() + ".yaml"), yaml);
        K8sTools.Result validation = K8sTools.validate(file);
        assertThat(validation.exitCode()).as("schema validation:\n" + validation.output()).isZero();
        Manifests manifests = Manifests.parse(yaml);
        assertThat(validation.output().lines().filter(l -> l.startsWith("{")).count())
                .as("every document validated").isEqualTo(manifests.documents().size());
        return manifests;
    }

    /**
     * Ports, probes and environment against the services: each container's port is the one its
     * SERVER_PORT sets, every probe targets that port, and every environment variable is one the
     * service reads: a MicroProfile Config key it declares, a !env name of service.yaml, or a
     * variable it reads itself.
     */
    static void wiringHolds(Manifests manifests) {
        Set<String> envNames = envReferences(serviceYaml(manifests));
        Map<String, Set<String>> keysByContainer = Map.of("sync-gateway", ConfigKeys.of(GatewayMain.class),
                "replicator", ConfigKeys.of(ReplicatorMain.class), "attachments-service", ConfigKeys.of(AttachmentsMain.class));
        for (Map<String, Object> deployment : manifests.ofKind("Deployment")) {
            for (Map<String, Object> container : containers(deployment)) {
                String containerName = String.valueOf(container.get("name"));
                Set<String> keys = keysByContainer.get(containerName);
                assertThat(keys).as("a container of a known service: " + containerName).isNotNull();
                Set<String> readable = new LinkedHashSet<>(envNames);
                keys.forEach(k -> readable.add(ConfigKeys.environmentName(k)));
                readable.addAll(SERVICE_ENVIRONMENT);
                readable.add("JAVA_TOOL_OPTIONS");
                for (Map<String, Object> entry : env(container)) {
                    assertThat(readable).as(name(deployment) + ": environment variable " + entry.get("name")
                            + " is read by " + containerName).contains(String.valueOf(entry.get("name")));
                }
                // Every !env of service.yaml is set, or the service refuses to start.
                assertThat(env(container).stream().map(e -> String.valueOf(e.get("name"))).toList())
                        .as(name(deployment) + " sets every !env of service.yaml").containsAll(envNames);
                Map<String, String> plain = plainEnv(container);
                assertThat(plain).containsKeys("SERVER_PORT", "POWERSYNC_CONFIG_PATH");
                Map<String, Object> port = list(container, "ports").getFirst();
                assertThat(port).containsEntry("name", "http");
                assertThat(String.valueOf(port.get("containerPort"))).isEqualTo(plain.get("SERVER_PORT"));
                for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
                    Map<String, Object> get = map(map(container, probe), "httpGet");
                    assertThat(get).as(name(deployment) + " " + probe).containsEntry("port", "http").containsKey("path");
                }
                String configPath = plain.get("POWERSYNC_CONFIG_PATH");
                assertThat(list(container, "volumeMounts")).anySatisfy(m -> assertThat(configPath)
                        .startsWith(String.valueOf(m.get("mountPath")) + "/"));
            }
        }
        for (Map<String, Object> service : manifests.ofKind("Service")) {
            Map<String, Object> selector = map(map(service, "spec"), "selector");
            List<Map<String, Object>> selected = manifests.ofKind("Deployment").stream().filter(d -> map(map(map(map(d, "spec"),
                    "template"), "metadata"), "labels").entrySet().containsAll(selector.entrySet())).toList();
            assertThat(selected).as("the pods of Service " + name(service)).hasSize(1);
            assertThat(list(map(service, "spec"), "ports").getFirst()).containsEntry("targetPort", "http");
        }
    }

    /** Every secretKeyRef names a Secret and key that exist (secret name to its keys). */
    static void everySecretReferenceExists(Manifests manifests, Map<String, Set<String>> secrets) {
        for (Map<String, Object> deployment : manifests.ofKind("Deployment")) {
            for (Map<String, Object> container : containers(deployment)) {
                for (Map<String, Object> entry : env(container)) {
                    Map<String, Object> ref = map(map(entry, "valueFrom"), "secretKeyRef");
                    if (ref.isEmpty()) {
                        continue;
                    }
                    assertThat(secrets).as(name(deployment) + " " + entry.get("name")).containsKey(String.valueOf(ref.get("name")));
                    assertThat(secrets.get(String.valueOf(ref.get("name")))).as(name(deployment) + " " + entry.get("name"))
                            .contains(String.valueOf(ref.get("key")));
                }
            }
        }
    }

    static Map<String, Set<String>> secretKeys(Map<String, Object> secret) {
        return Map.of(name(secret), new TreeSet<>(map(secret, "stringData").keySet()));
    }

    /** The keys the chart's README lists for an existing Secret: rows of its "Secret keys" table. */
    static Set<String> documentedSecretKeys() throws IOException {
        String readme = Files.readString(K8sTools.CHART.resolve("README.md"));
        int start = readme.indexOf("## Secret keys");
        assertThat(start).as("a Secret keys section in the chart's README").isNotNegative();
        int end = readme.indexOf("\n## ", start + 3);
        Set<String> keys = new TreeSet<>();
        Matcher row = Pattern.compile("(?m)^\\| `([a-z0-9-]+)`").matcher(readme.substring(start, end < 0 ? readme.length() : end));
        while (row.find()) {
            keys.add(row.group(1));
        }
        keys.add("kafka-sasl-jaas-config"); // the production values' own name for the key of kafka.secretProperties
        return keys;
    }

    static String serviceYaml(Manifests manifests) {
        return manifests.ofKind("ConfigMap").stream().map(c -> map(c, "data").get("service.yaml")).filter(s -> s != null)
                .map(String::valueOf).findFirst().orElseThrow();
    }

    static Set<String> envReferences(String serviceYaml) {
        Set<String> names = new TreeSet<>();
        Matcher matcher = Pattern.compile("!env ([A-Z0-9_]+)").matcher(serviceYaml);
        while (matcher.find()) {
            names.add(matcher.group(1));
        }
        return names;
    }

    private static List<String> kinds(Manifests manifests) {
        List<String> kinds = new ArrayList<>();
        for (Map<String, Object> d : manifests.documents()) {
            String kind = String.valueOf(d.get("kind"));
            kinds.add(Set.of("ConfigMap", "Secret", "ServiceAccount").contains(kind) && !name(d).endsWith("dashboard")
                    ? kind : kind + ":" + name(d));
        }
        return kinds;
    }

    private static int replicas(Manifests manifests, String deployment) {
        return ((Number) map(manifests.get("Deployment", deployment), "spec").get("replicas")).intValue();
    }

    /** The dotted paths of values.yaml's leaves and empty maps/lists (what a user sets). */
    private static List<String> valuePaths(Map<String, Object> values, String prefix) {
        List<String> paths = new ArrayList<>();
        for (Map.Entry<String, Object> entry : values.entrySet()) {
            String path = prefix + entry.getKey();
            if (entry.getValue() instanceof Map<?, ?> nested && !nested.isEmpty()
                    && !Set.of("resources", "podSecurityContext", "securityContext", "labels").contains(entry.getKey())) {
                @SuppressWarnings("unchecked")
                Map<String, Object> typed = (Map<String, Object>) nested;
                paths.addAll(valuePaths(typed, path + "."));
            } else {
                paths.add(path);
            }
        }
        return paths;
    }
}

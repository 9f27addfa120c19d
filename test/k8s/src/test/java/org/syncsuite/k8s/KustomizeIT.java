package org.syncsuite.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.syncsuite.k8s.Manifests.map;
import static org.syncsuite.k8s.Manifests.name;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code k8s/}: a kustomize base equal to the chart's defaults (rendered from it), components for
 * the chart's optional parts, and the {@code dev} and {@code prod} overlays, each built with
 * {@code kubectl kustomize} and checked like the chart. {@code -Dk8s.regenerate=true} rewrites the
 * base and the components from the chart instead of comparing them.
 */
class KustomizeIT {

    static final Path K8S = K8sTools.ROOT.resolve("k8s");
    static final String RELEASE = "powersync";

    /** The generated parts: folder, values for the chart, and the kinds kept from its output (empty: all). */
    record Generated(String folder, List<String> sets, Set<String> kinds) {
    }

    static final List<Generated> GENERATED = List.of(
            new Generated("base", List.of(), Set.of()),
            new Generated("components/network-policy", List.of("networkPolicy.enabled=true"), Set.of("NetworkPolicy")),
            new Generated("components/monitoring", List.of("metrics.serviceMonitor.enabled=true",
                    "metrics.grafanaDashboard.enabled=true"), Set.of("ServiceMonitor", "ConfigMap:powersync-dashboard")),
            new Generated("components/ingress", List.of("gateway.api.ingress.enabled=true"), Set.of("Ingress")));

    @TempDir
    Path dir;

    @Test
    void baseAndComponentsEqualTheChartsRendering() throws IOException {
        boolean regenerate = Boolean.getBoolean("k8s.regenerate");
        for (Generated generated : GENERATED) {
            Map<String, String> expected = render(generated);
            Path folder = K8S.resolve(generated.folder());
            if (regenerate) {
                write(folder, generated, expected);
            }
            Map<String, String> actual = new TreeMap<>();
            try (Stream<Path> files = Files.list(folder)) {
                for (Path file : files.filter(f -> !f.getFileName().toString().equals("kustomization.yaml")).toList()) {
                    actual.put(file.getFileName().toString(), Files.readString(file, StandardCharsets.UTF_8));
                }
            }
            assertThat(actual).as("k8s/" + generated.folder() + " equals the chart's rendering with "
                    + "k8s/chart-values.yaml " + generated.sets() + " (rewrite with -Dk8s.regenerate=true)").isEqualTo(expected);
            String kustomization = Files.readString(folder.resolve("kustomization.yaml"));
            for (String file : expected.keySet()) {
                assertThat(kustomization).as("k8s/" + generated.folder() + "/kustomization.yaml lists " + file).contains("- " + file);
            }
        }
    }

    @Test
    void devOverlayBuildsAValidSmallInstallation() throws IOException {
        Manifests manifests = build("overlays/dev");
        assertThat(manifests.ofKind("HorizontalPodAutoscaler")).isEmpty();
        assertThat(manifests.ofKind("PodDisruptionBudget")).isEmpty();
        for (Map<String, Object> deployment : manifests.ofKind("Deployment")) {
            assertThat(map(deployment, "spec")).as(name(deployment)).containsEntry("replicas", 1);
        }
        ChartIT.wiringHolds(manifests);
        ChartIT.everySecretReferenceExists(manifests, ChartIT.secretKeys(secretOf(manifests)));
        assertThat(ChartIT.serviceYaml(manifests)).contains("hostname: mariadb", "bootstrap_servers: kafka:9092");
    }

    @Test
    void prodOverlayBuildsAValidInstallationWithTheOptionalParts() throws IOException {
        Manifests manifests = build("overlays/prod");
        assertThat(manifests.ofKind("NetworkPolicy")).hasSize(4);
        assertThat(manifests.ofKind("ServiceMonitor")).hasSize(1);
        assertThat(manifests.ofKind("Ingress")).hasSize(1);
        assertThat(manifests.ofKind("Secret")).isEmpty();
        Map<String, Object> hpa = manifests.get("HorizontalPodAutoscaler", "powersync-api");
        assertThat(map(hpa, "spec")).containsEntry("minReplicas", 3);
        String image = String.valueOf(Manifests.containers(manifests.get("Deployment", "powersync-api")).getFirst().get("image"));
        assertThat(image).startsWith("registry.example.com/sync/syncsuite/sync-gateway:");
        ChartIT.wiringHolds(manifests);
        ChartIT.everySecretReferenceExists(manifests, Map.of("powersync-secrets", ChartIT.documentedSecretKeys()));
    }

    private Manifests build(String overlay) throws IOException {
        String yaml = K8sTools.kubectl("kustomize", K8S.resolve(overlay).toString()).ok().output();
        Path file = Files.writeString(dir.resolve(overlay.replace('/', '-') + ".yaml"), yaml);
        K8sTools.Result validation = K8sTools.validate(file);
        assertThat(validation.exitCode()).as("schema validation of k8s/" + overlay + ":\n" + validation.output()).isZero();
        return Manifests.parse(yaml);
    }

    private static Map<String, Object> secretOf(Manifests manifests) {
        List<Map<String, Object>> secrets = manifests.ofKind("Secret");
        assertThat(secrets).hasSize(1);
        Map<String, Object> secret = new LinkedHashMap<>(secrets.getFirst());
        // A secretGenerator writes data (base64); the keys are what matter.
        secret.putIfAbsent("stringData", map(secret, "data"));
        return secret;
    }

    /** The chart's documents for a generated folder, by file name, as text without Helm's own labels. */
    static Map<String, String> render(Generated generated) {
        List<String> sets = new ArrayList<>(generated.sets());
        String yaml = K8sTools.template(RELEASE, List.of(K8S.resolve("chart-values.yaml")), sets.toArray(String[]::new))
                .ok().output();
        Map<String, String> files = new TreeMap<>();
        for (String document : yaml.split("(?m)^---\\s*$")) {
            String text = normalize(document);
            if (text.isBlank()) {
                continue;
            }
            Map<String, Object> parsed = Manifests.parse(text).documents().getFirst();
            String kind = String.valueOf(parsed.get("kind"));
            String name = name(parsed);
            if (!generated.kinds().isEmpty() && !generated.kinds().contains(kind) && !generated.kinds().contains(kind + ":" + name)) {
                continue;
            }
            String shortName = name.equals(RELEASE) ? "" : "-" + name.substring(RELEASE.length() + 1);
            files.put(kind.toLowerCase(Locale.ROOT) + shortName + ".yaml", text);
        }
        return files;
    }

    /** Drops Helm's source comments and the labels that say Helm manages a resource. */
    static String normalize(String document) {
        StringBuilder out = new StringBuilder();
        for (String line : document.strip().split("\n")) {
            String trimmed = line.strip();
            if (trimmed.startsWith("# Source:") || trimmed.startsWith("helm.sh/chart:")
                    || trimmed.equals("app.kubernetes.io/managed-by: Helm")) {
                continue;
            }
            out.append(line).append('\n');
        }
        return out.toString().isBlank() ? "" : out.toString();
    }

    private static void write(Path folder, Generated generated, Map<String, String> files) throws IOException {
        Files.createDirectories(folder);
        try (Stream<Path> old = Files.list(folder)) {
            for (Path file : old.toList()) {
                Files.delete(file);
            }
        }
        for (Map.Entry<String, String> file : files.entrySet()) {
            Files.writeString(folder.resolve(file.getKey()), file.getValue(), StandardCharsets.UTF_8);
        }
        boolean component = generated.folder().startsWith("components/");
        StringBuilder kustomization = new StringBuilder();
        kustomization.append("# Rendered from helm/powersync with k8s/chart-values.yaml");
        if (!generated.sets().isEmpty()) {
            kustomization.append(" and ").append(String.join(", ", generated.sets()));
        }
        kustomization.append(".\n# Do not edit: KustomizeIT checks it against the chart (-Dk8s.regenerate=true rewrites it).\n");
        kustomization.append(component ? "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
                : "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n");
        kustomization.append("resources:\n");
        files.keySet().forEach(f -> kustomization.append("  - ").append(f).append('\n'));
        Files.writeString(folder.resolve("kustomization.yaml"), kustomization.toString(), StandardCharsets.UTF_8);
    }
}
